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


def check_calibration(root: str, stdout: str, summary: dict, gate) -> None:
    """Issue 42, shared by the samples' e2e tests: the balanced model's served ``probabilities``
    are within the sample's calibration ``gate`` bounds of the baseline's (ECE, log loss), the
    gate checked both, and the CLI and the HTML report show them (a reliability diagram)."""
    calibration = summary['calibration']
    assert set(calibration) == {'balanced', 'baseline'}
    bounds = {
        'expected_calibration_error': gate.max_ece_increase,
        'log_loss': gate.max_log_loss_increase,
    }
    expected = [(key, f'- baseline <= {bound:+g}', True) for key, bound in bounds.items()]
    intervals = summary.get('intervals')
    if intervals:  # confidence=: the log loss bound is on the paired increase's lower bound
        bounds.pop('log_loss')
        expected[1] = (
            f'log_loss_increase_lower_{intervals["confidence"]}',
            f'<= {gate.max_log_loss_increase:g}',
            True,
        )
    for key, bound in bounds.items():
        assert calibration['balanced'][key] <= calibration['baseline'][key] + bound, key
    rules = [(c['metric'], c['rule'], c['passed']) for c in summary['gate']['checks']][2:]
    assert rules == expected
    assert "Calibration of the served 'probabilities'" in stdout
    with open(os.path.join(root, 'report.html')) as f:
        assert '<svg id="reliability-chart"' in f.read()
