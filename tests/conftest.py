"""Shared test set-up: quiet TensorFlow, Keras 2 for TFT, the repo root on sys.path, and one
temporary folder for the session, removed at its end."""

import gc
import os
import shutil
import sys
import tempfile

import pytest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


KUBEFLOW_TESTS = os.path.join('tests', 'orchestration', 'kubeflow')
# The groups that take minutes on 2 cores (make test --durations, quiet machine), longest first.
# xdist hands the groups out in the order collected (pytest_configure turns its reordering by
# number of tests off), so these start first and the short groups fill in beside them: a long
# group started last would leave the other worker idle for its length.
SLOW_FIRST = (
    'kubeflow',  # about 15 min: the image, its periodic and digits runs, the worker pools
    'tests/test_docs.py',
    'tests/benchmarks/test_bench_smoke.py',
    'tests/pipelines/test_template_path.py',
    'tests/core/split/test_scikit_learn_properties.py',
    'tests/pipelines/test_periodic_e2e.py',
    'tests/pipelines/test_taxi_e2e.py',
    'tests/orchestration/test_periodic_spans_e2e.py',
    'tests/install/test_wheel.py',
    'tests/reliability/test_bad_input.py',
    'tests/test_transform_window_e2e.py',
    'tests/pipelines/test_multilabel_e2e.py',
)


def pytest_configure(config):
    """Keeps the groups in the order collected (``SLOW_FIRST``): pytest-xdist would otherwise
    start the groups with the most tests first, whatever their length."""
    if hasattr(config.option, 'loadscopereorder'):
        config.option.loadscopereorder = False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """``make test`` runs the tests in two processes (pytest-xdist, ``--dist loadgroup``): each
    test module is one group, so its module fixtures (a LocalDagRunner run shared by its tests)
    run once, and tests/orchestration/kubeflow is one group, so the image and the compiled specs
    its session fixtures build are built once. A module that shares a session fixture with
    another group joins that group by naming it, ``pytestmark =
    pytest.mark.xdist_group('kubeflow')``, as tests/pipelines/test_digits_e2e.py does for the
    digits run (``digits_demo_run``), which tests/orchestration/kubeflow/test_kfp_local.py
    compares the image's run with. ``tryfirst``: xdist's own hook reads the ``xdist_group``
    markers into the test ids (``@group``) and runs before a conftest's hook otherwise. The
    ``SLOW_FIRST`` groups come first, in that order; the others keep theirs."""
    for item in items:
        if item.get_closest_marker('xdist_group') is not None:
            continue
        path = os.path.relpath(str(item.path), ROOT)
        group = 'kubeflow' if path.startswith(KUBEFLOW_TESTS) else path
        item.add_marker(pytest.mark.xdist_group(group))
    rank = {group: i for i, group in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(_group(item), len(SLOW_FIRST)))


_FROZEN_AFTER = {'path': None}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a test module's first test (and its module fixtures): Python's garbage is collected
    and what survives is frozen (``gc.freeze``), so the collector's full passes no longer walk
    it. A worker holds TensorFlow, TFX, Beam and the earlier modules' imports: about 900,000
    objects, which a full pass walks in 2 to 8 s on these machines, and Beam's and TFX's runs
    start one every few seconds (31 passes, 149 s of 486 s, in tests/stratified_splitter and
    tests/leakage_check). What each module makes is still collected as before; what the earlier
    modules left alive (imports, session fixtures, caches) is walked no more."""
    if item.path != _FROZEN_AFTER['path']:
        _FROZEN_AFTER['path'] = item.path
        gc.collect()
        gc.freeze()


def _group(item) -> str:
    marker = item.get_closest_marker('xdist_group')
    return marker.args[0] if marker.args else marker.kwargs.get('name', '')


def pytest_make_parametrize_id(config, val, argname):
    """A bytes parameter (a serialized example) is named after its argument, not its bytes: a
    serialized map's order can differ between processes, and pytest-xdist's workers must collect
    the same test ids. Repeated names get pytest's numbered suffixes."""
    if isinstance(val, bytes):
        return argname
    return None


@pytest.fixture(scope='session', autouse=True)
def session_temporary_folder(tmp_path_factory):
    """What the code under test and the libraries it calls leave in the temporary folder (TFX's
    sdists and module wheels, TFDV's statistics, autograph files: about 2.3 GB a run) goes to one
    folder, given to subprocesses as ``TMPDIR`` and removed when the session ends, so that test
    runs do not fill ``/tmp``. pytest's own ``tmp_path`` folders stay where pytest keeps them."""
    tmp_path_factory.getbasetemp()  # fixed before the temporary folder moves
    folder = tempfile.mkdtemp(prefix='tfx-balance-tests-')
    saved = tempfile.tempdir, os.environ.get('TMPDIR')
    tempfile.tempdir, os.environ['TMPDIR'] = folder, folder
    try:
        yield folder
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop('TMPDIR', None)
        else:
            os.environ['TMPDIR'] = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope='session')
def digits_demo_run(tmp_path_factory):
    """``make demo``: the digits sample's CLI run (``python -m pipelines.digits.run_local``, its
    default steps and seed 0) in a subprocess, with ``TMPDIR`` set to a folder of its own
    (``tmp/`` beside ``run/``); returns (its root, the finished process). Run once per session:
    tests/pipelines/test_digits_e2e.py checks it, and tests/orchestration/kubeflow/test_kfp_local.py runs the
    same pipeline on the same data in the image and compares with it (both in the group
    ``kubeflow``, so one worker runs it once)."""
    from tests.support.samples import run_cli

    base = tmp_path_factory.mktemp('digits')
    (base / 'tmp').mkdir()
    root = str(base / 'run')
    return root, run_cli('pipelines.digits.run_local', root, tmp_dir=str(base / 'tmp'))
