"""tfx-balance's deprecations: the names a release had that moved, shown at the user's line.

Only names that a release had are kept, each for one release more (``SCHEDULE``). Until 0.3.0,
0.1.0's modules ``core.stratified_split``, ``core.split_config`` (``SplitConfig``, now
``StratifiedSplitConfig``), ``core.allocation`` and its packages ``core.augment``,
``core.balanced_input`` and ``core.class_distribution`` are small alias modules beside this one;
``core.records.read_labels`` and ``metrics.counts.validate_classes`` are module attributes. Until
0.4.0, 0.2.0's ``class_distribution_validator.resolver`` (``PreviousSpanStrategy``, now in
``tfx_balance.resolvers``) is an alias module, which pipelines compiled with 0.2.0 name. Each
calls ``warn_moved``.

``warn_deprecated`` attributes the warning to the first frame outside tfx-balance (and outside
Python's import machinery, for a module alias), however deep in the package it is raised: Python's
default filters show a ``DeprecationWarning`` only when it is attributed to ``__main__``, so one
attributed to a line of the package would be hidden from the user. ``TfxBalanceDeprecationWarning``
lets ``logs.quiet()`` keep these visible while it hides third-party ones.

Example::

    from tfx_balance.core.split_config import SplitConfig
    # TfxBalanceDeprecationWarning (at this line): tfx_balance.core.split_config.SplitConfig is
    # deprecated since 0.2.0 and removed in 0.3.0: use
    # tfx_balance.core.split.config.StratifiedSplitConfig.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

# The release that had a name -> (the release deprecating it, the release removing it).
SCHEDULE = {'0.1.0': ('0.2.0', '0.3.0'), '0.2.0': ('0.3.0', '0.4.0')}
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tfx_balance/
# Python's import machinery, between an import statement (or importlib.import_module) and an
# alias module's code.
_IMPORT_MACHINERY = ('<frozen importlib', os.path.dirname(importlib.__file__) + os.sep)


class TfxBalanceDeprecationWarning(DeprecationWarning):
    """A deprecation of tfx-balance (a ``DeprecationWarning``: every filter of those applies)."""


def warn_moved(old: str, new: str, had_in: str = '0.1.0') -> None:
    """Warns that the name ``old``, which release ``had_in`` had, is deprecated, naming ``new``
    and the version removing it (``SCHEDULE``)."""
    since, removed = SCHEDULE[had_in]
    warn_deprecated(f'{old} is deprecated since {since} and removed in {removed}: use {new}.')


def warn_deprecated(message: str) -> None:
    """Warns ``message`` as a ``TfxBalanceDeprecationWarning`` at the first line outside
    tfx-balance that led here: the user's line.

    The frame is found here and named to ``warnings.warn_explicit`` (what ``warnings.warn`` does
    with the frame a stacklevel gives): a stacklevel would have to be counted as ``warnings``
    counts, which skips some import frames itself.
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
