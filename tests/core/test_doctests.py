"""The ``>>>`` examples in the docstrings of every module under ``tfx_balance.core`` run.

Modules are found by walking the package, so modules added, moved or split into packages are
collected without changes here. ``core`` imports no TFX, so this is cheap.
"""

import doctest
import importlib
import pkgutil

import pytest

import tfx_balance.core

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def core_modules() -> list:
    """Every module and subpackage of ``tfx_balance.core``, by name."""
    package = tfx_balance.core
    found = pkgutil.walk_packages(package.__path__, prefix=package.__name__ + '.')
    return [package.__name__] + sorted(info.name for info in found)


def doctests(name: str) -> list:
    """The non-empty doctests of the module ``name`` (its own objects only, not imported ones)."""
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder().find(module, name) if t.examples]


@pytest.mark.parametrize('name', core_modules())
def test_docstring_examples_run(name):
    # verbose=False: by default doctest turns verbose when '-v' is in sys.argv (pytest -v), and
    # then writes every passing example to ``out``, which this test reads as failures.
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    failures = []
    for test in doctests(name):
        result = runner.run(test, out=failures.append)
        assert result.attempted > 0
    assert not failures, ''.join(failures)


def test_core_has_docstring_examples():
    assert sum(len(doctests(name)) for name in core_modules()) >= 8
