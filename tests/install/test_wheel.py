"""The built wheel works in a user's own project: ``uv build``, install into a new venv outside the
repository, run tests/install/user_project/pipeline.py there (LocalDagRunner, balanced_dataset,
Kubeflow compilation) with no repository path on ``sys.path``."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER_PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'user_project')
IMAGE = 'registry.example.com/my-project/pipeline:1.0'


def _uv() -> str:
    uv = shutil.which('uv')
    assert uv, 'uv is not on PATH: python3 -m pip install uv (make install does this)'
    return uv


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, (
        f'{" ".join(args)} failed ({done.returncode}):\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}'
    )
    return done


def _clean_env(venv: str) -> dict:
    """The environment of a user's shell in the new venv: no PYTHONPATH, nothing from the repo."""
    path = [p for p in os.environ.get('PATH', '').split(os.pathsep) if p and not p.startswith(ROOT)]
    env = {
        'PATH': os.pathsep.join([os.path.join(venv, 'bin')] + path),
        'HOME': os.environ.get('HOME', '/root'),
        'VIRTUAL_ENV': venv,
        'TF_CPP_MIN_LOG_LEVEL': '2',
        'TF_USE_LEGACY_KERAS': '1',
    }
    for name in ('UV_CACHE_DIR', 'LANG', 'TMPDIR'):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


@pytest.fixture(scope='module')
def installed():
    """(work dir, result dict) of the user project run in a fresh venv with the built wheel."""
    uv = _uv()
    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    work = tempfile.mkdtemp(prefix='tfx_balance_wheel_')
    assert not os.path.abspath(work).startswith(ROOT + os.sep)
    dist = os.path.join(work, 'dist')
    # sdist first, then the wheel built from the sdist: both must hold the whole package.
    _run([uv, 'build', '--out-dir', dist, ROOT], cwd=ROOT)
    (wheel,) = [f for f in os.listdir(dist) if f.endswith('.whl')]

    constraints = os.path.join(work, 'constraints.txt')
    exported = _run(
        [uv, 'export', '--frozen', '--no-dev', '--extra', 'kfp', '--no-emit-project']
        + ['--no-hashes', '--no-header'],
        cwd=ROOT,
    )
    with open(constraints, 'w') as f:
        f.write(exported.stdout)

    venv = os.path.join(work, 'venv')
    python = os.path.join(sys.base_prefix, 'bin', 'python3')  # the interpreter of .venv
    _run([uv, 'venv', '--quiet', '--python', python, venv], cwd=work)
    venv_python = os.path.join(venv, 'bin', 'python')
    wheel_url = 'file://' + os.path.join(dist, wheel)
    _run(
        [uv, 'pip', 'install', '--quiet', '--python', venv_python]
        + [f'tfx-balance[kfp] @ {wheel_url}', '--constraint', constraints],
        cwd=work,
    )

    project = os.path.join(work, 'my_project')
    shutil.copytree(USER_PROJECT, project)
    done = _run(
        [venv_python, 'pipeline.py', os.path.join(work, 'run')],
        cwd=project,
        env=_clean_env(venv),
        timeout=1200,
    )
    (line,) = [line for line in done.stdout.splitlines() if line.startswith('RESULT ')]
    with open(os.path.join(work, 'stderr.txt'), 'w') as f:
        f.write(done.stderr)
    yield work, json.loads(line[len('RESULT ') :])
    shutil.rmtree(work, ignore_errors=True)


def test_quiet_run_shows_no_tracebacks_or_third_party_warnings(installed):
    work, _ = installed
    with open(os.path.join(work, 'stderr.txt')) as f:
        stderr = f.read()
    assert 'Traceback' not in stderr and 'Exception ignored' not in stderr, stderr
    noise = [line for line in stderr.splitlines() if line.startswith(('WARNING:', 'INFO:', '20'))]
    assert noise == [], noise  # absl/Beam records, TF C++ log lines (timestamped)
    assert 'Warning:' not in stderr, stderr  # FutureWarning etc. from google-* packages


def test_package_is_the_installed_wheel_not_the_repository(installed):
    work, result = installed
    assert result['package_file'].startswith(os.path.join(work, 'venv', 'lib'))
    repo_paths = [p for p in result['sys_path'] if p and os.path.abspath(p).startswith(ROOT)]
    assert repo_paths == []


def test_splitter_keeps_class_shares_and_augmenter_balances_train(installed):
    _, result = installed
    assert result['split_counts'] == {
        'train': {'0': 800, '1': 480, '2': 240, '3': 80},
        'eval': {'0': 100, '1': 60, '2': 30, '3': 10},
        'test': {'0': 100, '1': 60, '2': 30, '3': 10},
    }
    assert result['augmented_train_counts'] == {'0': 800, '1': 800, '2': 800, '3': 800}


def test_validator_compares_only_the_named_splits_and_checks_the_train_target(installed):
    _, result = installed
    validation = result['validation']
    assert validation['passed'] is True, validation['findings']
    assert validation['findings'] == []
    assert [d['splits'] for d in validation['split_distances']] == [['eval', 'test']]
    assert validation['counts']['3'] == {'train': 800, 'eval': 10, 'test': 10}


def test_balanced_dataset_reads_exact_batches_with_provenance(installed):
    _, result = installed
    assert len(result['batches']) == 50
    assert all(batch == [0, 0, 1, 1, 2, 2, 3, 3] for batch in result['batches'])
    assert {'is_synthetic', 'x0', 'x1', 'x2'} <= set(result['feature_names'])
    # 100 examples of class 3 were read, 720 of its 800 train examples are synthetic.
    assert 0 < result['synthetic_in_batches'] < 50 * 8


def test_pipeline_compiles_for_kubeflow_with_the_given_image(installed):
    work, result = installed
    assert {'pipeline.yaml', 'pipeline.json'} <= set(result['compiled_files'])
    with open(os.path.join(work, 'run', 'kubeflow', 'pipeline.yaml')) as f:
        spec = yaml.safe_load(f)
    assert spec['schemaVersion'] == '2.1.0'
    executors = spec['deploymentSpec']['executors']
    assert executors and {e['container']['image'] for e in executors.values()} == {IMAGE}
