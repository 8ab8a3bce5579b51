"""tfx-balance's deprecations: the names a release had that moved, shown at the user's line.

A moved name is kept one release more (``SCHEDULE``), as an alias module or a module
attribute that calls ``warn_moved``. ``warn_deprecated`` attributes the warning to the first
frame outside tfx-balance, because Python's default filters show a ``DeprecationWarning`` only
when attributed to ``__main__``.

Example::

    from tfx_balance.class_distribution_validator.resolver import PreviousSpanStrategy
    # TfxBalanceDeprecationWarning (at this line): tfx_balance.class_distribution_validator.
    # resolver is deprecated since 0.3.0 and removed in 0.4.0: use tfx_balance.resolvers.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

# The release that had a name -> (the release deprecating it, the release removing it).
SCHEDULE = {'0.2.0': ('0.3.0', '0.4.0')}  # 0.1.0's names were removed in 0.3.0
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tfx_balance/
# Python's import machinery, between an import statement (or importlib.import_module) and an
# alias module's code.
_IMPORT_MACHINERY = ('<frozen importlib', os.path.dirname(importlib.__file__) + os.sep)


class TfxBalanceDeprecationWarning(DeprecationWarning):
    """A deprecation of tfx-balance (a ``DeprecationWarning``: every filter of those applies)."""


def warn_moved(old: str, new: str, had_in: str = '0.2.0') -> None:
    """Warns that ``old`` (a name of release ``had_in``) is deprecated, naming ``new``."""
    since, removed = SCHEDULE[had_in]
    warn_deprecated(f'{old} is deprecated since {since} and removed in {removed}: use {new}.')


def warn_deprecated(message: str) -> None:
    """Warns ``message`` as a ``TfxBalanceDeprecationWarning`` at the user's line (the first outside
    tfx-balance and the import machinery, found here rather than counted as a stacklevel).
    """
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
