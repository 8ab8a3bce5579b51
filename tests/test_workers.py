"""``make test`` runs in two pytest-xdist workers with ``--dist loadgroup`` (tests/conftest.py
puts each module in one group, so a module's LocalDagRunner fixture runs once). Nothing fails
when the grouping stops working, the suite just gets slower: this test makes it fail."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_module_runs_in_one_worker_under_loadgroup():
    module = 'tests/core/split/test_allocation.py'
    run = subprocess.run(
        [
            sys.executable,
            '-m',
            'pytest',
            '-n',
            '2',
            '--dist',
            'loadgroup',
            '-v',
            '-p',
            'no:cacheprovider',
            module,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    passed = [line.split() for line in run.stdout.splitlines() if ' PASSED ' in line]
    assert len(passed) > 10
    assert {words[0] for words in passed} in ({'[gw0]'}, {'[gw1]'}), run.stdout
    assert all(words[-1].endswith(f'@{module}') for words in passed), run.stdout


def test_every_slow_group_named_first_is_a_test_module_or_the_kubeflow_group():
    from tests.conftest import SLOW_FIRST

    for group in SLOW_FIRST:
        assert group == 'kubeflow' or os.path.isfile(os.path.join(ROOT, group)), group
