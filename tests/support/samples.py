"""A sample pipeline's CLI run (``python -m pipelines.<name>.run_local``), as the e2e tests of the
samples start it: one LocalDagRunner run in a subprocess, like ``make demo``."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(
    module: str, root: str, *args: str, timeout: int = 1500, tmp_dir: str | None = None
) -> subprocess.CompletedProcess:
    """Runs ``python -m <module> --root <root> <args>`` from the repository root (with ``TMPDIR``
    set to ``tmp_dir`` if given); asserts that it succeeded (the end of its stderr otherwise) and
    returns the finished process."""
    env = dict(os.environ, **({'TMPDIR': tmp_dir} if tmp_dir else {}))
    proc = subprocess.run(
        [sys.executable, '-m', module, '--root', root, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    return proc


def summary_of(root: str) -> dict:
    """The ``summary.json`` the run wrote into ``root``."""
    with open(os.path.join(root, 'summary.json')) as f:
        return json.load(f)
