"""What `make dist` ships: the sdist holds exactly the package, pyproject.toml, README.md, LICENSE,
CHANGELOG.md and setuptools' metadata of this build; the wheel carries LICENSE and the license
metadata; the sdist installs and imports (built, then installed with ``uv pip install --target``
into a temp dir, imported by this venv's Python from there alone)."""

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import pytest

from tests.install.test_wheel import ROOT, _run, _uv
from tfx_balance import __version__

pytestmark = pytest.mark.e2e

PACKAGE = os.path.join(ROOT, 'components', 'tfx_balance')
# Besides components/tfx_balance/**: what the sdist holds, and nothing else (no tests, benchmarks,
# pipelines, docs or schemas; they live in the repository).
TOP_LEVEL = {
    'CHANGELOG.md',
    'LICENSE',
    'MANIFEST.in',
    'PKG-INFO',
    'README.md',
    'pyproject.toml',
    'setup.cfg',
}
EGG_INFO = {
    f'components/tfx_balance.egg-info/{name}'
    for name in ('PKG-INFO', 'SOURCES.txt', 'dependency_links.txt', 'requires.txt', 'top_level.txt')
}


def package_files() -> set:
    """The package's files in this checkout, relative to the repository root: every .py and
    py.typed (no __pycache__)."""
    found = set()
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in files:
            if name.endswith('.py') or name == 'py.typed':
                found.add(os.path.relpath(os.path.join(folder, name), ROOT))
    return found


@pytest.fixture(scope='module')
def dist():
    """(sdist path, wheel path) of ``uv build`` (the sdist, then the wheel built from it), as
    ``make dist`` runs it."""
    work = tempfile.mkdtemp(prefix='tfx_balance_sdist_')
    out = os.path.join(work, 'dist')
    _run([_uv(), 'build', '--out-dir', out, ROOT], cwd=ROOT)
    assert sorted(f for f in os.listdir(out) if f != '.gitignore') == [
        f'tfx_balance-{__version__}-py3-none-any.whl',
        f'tfx_balance-{__version__}.tar.gz',
    ]
    return (
        os.path.join(out, f'tfx_balance-{__version__}.tar.gz'),
        os.path.join(out, f'tfx_balance-{__version__}-py3-none-any.whl'),
    )


def _sdist_files(path: str) -> dict:
    """Relative path -> bytes of every file in the sdist (without the top folder)."""
    prefix = f'tfx_balance-{__version__}/'
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        assert all(m.name.startswith(prefix) for m in members), [m.name for m in members]
        return {m.name[len(prefix) :]: tar.extractfile(m).read() for m in members}


def test_sdist_holds_exactly_the_package_license_readme_changelog_and_metadata(dist):
    sdist, _ = dist
    files = _sdist_files(sdist)
    assert set(files) == TOP_LEVEL | EGG_INFO | package_files()
    for name in ('LICENSE', 'README.md', 'CHANGELOG.md', 'pyproject.toml'):
        with open(os.path.join(ROOT, name), 'rb') as f:
            assert files[name] == f.read(), name
    # The egg-info is this build's (an earlier build's SOURCES.txt would list other files).
    sources = files['components/tfx_balance.egg-info/SOURCES.txt'].decode().split()
    assert set(sources) == set(files) - {'PKG-INFO', 'setup.cfg'}
    assert files['components/tfx_balance.egg-info/PKG-INFO'] == files['PKG-INFO']


def test_sdist_and_wheel_carry_the_version_and_the_apache_license(dist):
    sdist, wheel = dist
    with open(os.path.join(ROOT, 'LICENSE'), 'rb') as f:
        license_text = f.read()
    assert license_text.lstrip().startswith(b'Apache License\n')
    assert b'Version 2.0, January 2004' in license_text
    pkg_info = _sdist_files(sdist)['PKG-INFO'].decode()
    with zipfile.ZipFile(wheel) as z:
        dist_info = f'tfx_balance-{__version__}.dist-info'
        assert z.read(f'{dist_info}/licenses/LICENSE') == license_text
        metadata = z.read(f'{dist_info}/METADATA').decode()
        assert not [n for n in z.namelist() if not n.startswith(('tfx_balance/', dist_info))]
    for text in (pkg_info, metadata):
        headers = text.split('\n\n', 1)[0].splitlines()
        assert f'Version: {__version__}' in headers
        assert 'License-Expression: Apache-2.0' in headers
        assert 'License-File: LICENSE' in headers


def test_sdist_installs_and_imports(dist, tmp_path):
    sdist, _ = dist
    target = str(tmp_path / 'site')
    _run(
        [_uv(), 'pip', 'install', '--quiet', '--no-deps', '--python', sys.executable]
        + ['--target', target, sdist],
        cwd=str(tmp_path),
    )
    # Only the target on the path (not the repository), from a folder outside it.
    env = dict(os.environ, PYTHONPATH=target)
    code = (
        'import tfx_balance, tfx_balance.core.split.allocation as a; '
        'print(tfx_balance.__file__); print(tfx_balance.__version__); print(a.__name__)'
    )
    done = subprocess.run(
        [sys.executable, '-c', code], cwd=str(tmp_path), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [
        os.path.join(target, 'tfx_balance', '__init__.py'),
        __version__,
        'tfx_balance.core.split.allocation',
    ]
