"""The version is written once, as ``__version__`` in components/tfx_balance/__init__.py: the
package metadata reads it from there, and every version the docs and messages quote (image tags
``tfx-balance:<v>``, wheel names ``tfx_balance-<v>``) is that one."""

import glob
import os
import re

from tfx_balance import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUOTED = re.compile(r'tfx[-_]balance[-:](\d+\.\d+\.\d+(?:\.dev\d+)?)')


try:
    import tomllib
except ImportError:  # Python < 3.11: pytest's own dependency
    import tomli as tomllib


def _read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def test_pyproject_reads_the_version_from_the_package():
    with open(os.path.join(ROOT, 'pyproject.toml'), 'rb') as f:
        pyproject = tomllib.load(f)
    assert 'version' not in pyproject['project']
    assert pyproject['project']['dynamic'] == ['version']
    assert pyproject['tool']['setuptools']['dynamic']['version'] == {
        'attr': 'tfx_balance.__version__'
    }
    assert re.fullmatch(r'\d+\.\d+\.\d+(\.dev\d+)?', __version__)  # main: the next, .dev0


def test_makefile_takes_the_version_from_the_package():
    makefile = _read('Makefile')
    (line,) = [x for x in makefile.splitlines() if x.startswith('VERSION :=')]
    assert 'components/tfx_balance/__init__.py' in line and '__version__' in line
    assert '0.' not in line and 'pyproject' not in line


def test_every_quoted_version_is_the_package_version():
    files = ['README.md', 'docker/Dockerfile', *glob.glob('docs/*.md', root_dir=ROOT)]
    files += glob.glob('components/tfx_balance/**/*.py', root_dir=ROOT, recursive=True)
    quoted = {path: QUOTED.findall(_read(path)) for path in files}
    assert sum(len(v) for v in quoted.values()) >= 5  # the docs do quote it (kubeflow.md, use page)
    wrong = {path: found for path, found in quoted.items() if set(found) - {__version__}}
    assert wrong == {}, f'versions other than {__version__} (tfx_balance.__version__): {wrong}'
