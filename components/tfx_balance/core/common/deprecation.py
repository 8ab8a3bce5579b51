"""tfx-balance's deprecations: the names a release had that moved, shown at the user's line.

A moved name is kept one release more (``SCHEDULE``), as an alias module (``MOVED_MODULES``,
installed by ``import tfx_balance``) or a module attribute that calls ``warn_moved``. The warning
is attributed to the first frame outside tfx-balance: Python's default filters show a
``DeprecationWarning`` only when attributed to ``__main__``.

Example::

    from tfx_balance.class_distribution_validator.resolver import PreviousSpanStrategy
    # TfxBalanceDeprecationWarning (at this line): tfx_balance.class_distribution_validator.
    # resolver is deprecated since 0.3.0 and removed in 0.4.0: use
    # tfx_balance.orchestration.resolvers.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
import warnings

# The release that had a name -> (the release deprecating it, the release removing it).
SCHEDULE = {'0.2.0': ('0.3.0', '0.4.0')}  # 0.1.0's names were removed in 0.3.0
PACKAGE_DIR = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)  # tfx_balance/
# 0.2.0's module paths that moved in 0.3.0 -> their homes (a path under an entry moved with it).
MOVED_MODULES = {
    'tfx_balance.artifacts': 'tfx_balance.base.artifacts',
    'tfx_balance.channels': 'tfx_balance.base.channels',
    'tfx_balance.class_distribution_validator.resolver': 'tfx_balance.orchestration.resolvers',
    'tfx_balance.core.cross_validation.folds': 'tfx_balance.core.common.folds',
    'tfx_balance.cross_validation_pipeline': 'tfx_balance.orchestration.cross_validation',
    'tfx_balance.examples_executor': 'tfx_balance.base.examples_executor',
    'tfx_balance.keys': 'tfx_balance.core.common.keys',
    'tfx_balance.kubeflow': 'tfx_balance.orchestration.kubeflow',
    'tfx_balance.logs': 'tfx_balance.orchestration.logs',
    'tfx_balance.parameters': 'tfx_balance.base.parameters',
    **{
        f'tfx_balance.core.{name}': f'tfx_balance.core.common.{name}'
        for name in (
            'arguments',
            'deprecation',
            'errors',
            'groups',
            'hashing',
            'json_files',
            'label_sets',
            'labels',
            'python_values',
            'record_sink',
            'records',
            'wire',
        )
    },
}
# Python's import machinery, between an import statement and an alias module's code.
_IMPORT_MACHINERY = ('<frozen importlib', os.path.dirname(importlib.__file__) + os.sep)


class TfxBalanceDeprecationWarning(DeprecationWarning):
    """A deprecation of tfx-balance (a ``DeprecationWarning``: every filter of those applies)."""


def moved_message(old: str, new: str, had_in: str = '0.2.0') -> str:
    """The deprecation of ``old`` (a name of release ``had_in``), naming ``new``."""
    since, removed = SCHEDULE[had_in]
    return f'{old} is deprecated since {since} and removed in {removed}: use {new}.'


def warn_moved(old: str, new: str, had_in: str = '0.2.0') -> None:
    """Warns ``moved_message`` at the user's line."""
    warn_deprecated(moved_message(old, new, had_in))


def warn_deprecated(message: str) -> None:
    """Warns ``message`` as a ``TfxBalanceDeprecationWarning`` at the user's line (the first
    frame outside tfx-balance and the import machinery)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
    globals_ = frame.f_globals
    warnings.warn_explicit(
        message,
        TfxBalanceDeprecationWarning,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=globals_.get('__name__', '<string>'),
        registry=globals_.setdefault('__warningregistry__', {}),
    )


def _internal(filename: str) -> bool:
    return filename.startswith((PACKAGE_DIR + os.sep, *_IMPORT_MACHINERY))


def moved_to(name: str) -> str | None:
    """The home of module ``name`` if it moved (``MOVED_MODULES``), else None."""
    for old, new in MOVED_MODULES.items():
        if name == old or name.startswith(old + '.'):
            return new + name[len(old) :]
    return None


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a moved module's old path as its new home (also ``python -m <old path>``)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if moved_to(name) else None

    def create_module(self, spec):
        new = moved_to(spec.name)
        warn_moved(spec.name, new)
        return importlib.import_module(new)

    def exec_module(self, module) -> None:
        pass

    def get_code(self, name):  # python -m <old path>: the warning is the command's own
        new = moved_to(name)
        message = moved_message(name, new)
        warnings.warn_explicit(message, TfxBalanceDeprecationWarning, name, 0, module='__main__')
        return importlib.util.find_spec(new).loader.get_code(new)


def alias_moved_modules() -> None:
    """Lets the old paths of ``MOVED_MODULES`` import (once per process)."""
    if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModules())
