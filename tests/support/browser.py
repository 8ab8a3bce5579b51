"""Renders an HTML file in headless Chromium (Debian package `chromium`): a PNG screenshot and the
DOM after load. `.ci/run` installs chromium when it is missing."""

import os
import shutil
import subprocess
import tempfile

FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
]


def chromium() -> str:
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    if not path:
        raise AssertionError(
            'chromium is not installed; `apt-get install chromium` (done by .ci/run) is needed '
            'to render the HTML report.'
        )
    return path


def render(html_path: str, png_path: str, width: int = 1200, height: int = 2400) -> str:
    """Takes a screenshot of ``html_path`` into ``png_path``; returns the DOM after load."""
    url = 'file://' + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory() as profile:
        common = [chromium(), *FLAGS, f'--user-data-dir={profile}']
        subprocess.run(
            [*common, f'--screenshot={png_path}', f'--window-size={width},{height}', url],
            check=True,
            capture_output=True,
            timeout=120,
        )
        dom = subprocess.run(
            [*common, '--dump-dom', url], check=True, capture_output=True, timeout=120, text=True
        ).stdout
    return dom


def color_pixels(png_path: str, rgb: tuple, tolerance: int = 8) -> int:
    """Number of pixels of ``png_path`` within ``tolerance`` of colour ``rgb``."""
    import numpy as np
    from PIL import Image

    image = np.asarray(Image.open(png_path).convert('RGB')).astype(int)
    return int((np.abs(image - np.array(rgb)).max(axis=-1) <= tolerance).sum())
