"""A tiny benchmark job for the harness tests (no TensorFlow import: the child starts fast)."""

import os
import tempfile


def allocate_once(marker: str, mib: int) -> dict:
    """Touches ``mib`` MiB on the first run (no ``marker`` file yet), nothing on later runs."""
    if os.path.exists(marker):
        return {'seconds': 0.0, 'examples_written': 0}
    block = bytearray(mib << 20)
    block[:: 1 << 12] = b'x' * len(block[:: 1 << 12])  # touch every page
    with open(marker, 'w'):
        pass
    return {'seconds': 0.0, 'examples_written': len(block) >> 20}


def leave_a_temporary_folder(record: str) -> dict:
    """Makes a temporary folder and leaves it (as TFX's sdist build does); writes its path to
    ``record``."""
    folder = tempfile.mkdtemp()
    with open(record, 'w') as f:
        f.write(folder)
    return {'seconds': 0.0, 'examples_written': 0}
