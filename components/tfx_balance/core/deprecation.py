"""tfx-balance's deprecation warnings: shown at the user's line, and told apart from others.

:func:`warn_deprecated` attributes the warning to the first frame outside tfx-balance (and
outside Python's import machinery, for a moved module), however deep in the package it is
raised: Python's default filters show a ``DeprecationWarning`` only when it is attributed to
``__main__``, so one attributed to a line of the package would be hidden from the user.
:class:`TfxBalanceDeprecationWarning` lets ``logs.quiet()`` keep these visible while it hides
third-party ones.

Example::

    class MultiLabelLayout(BalancedLayout):
        def __init__(self, *args):
            warn_deprecated('MultiLabelLayout is now BalancedLayout')  # at the line making one
            super().__init__(*args)
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tfx_balance/
# Python's import machinery, between an import statement (or importlib.import_module) and a
# moved module's loader.
_IMPORT_MACHINERY = ('<frozen importlib', os.path.dirname(importlib.__file__) + os.sep)


class TfxBalanceDeprecationWarning(DeprecationWarning):
    """A deprecation of tfx-balance (a ``DeprecationWarning``: every filter of those applies)."""


def _internal(filename: str) -> bool:
    return filename.startswith((PACKAGE_DIR + os.sep, *_IMPORT_MACHINERY))


def warn_deprecated(message: str) -> None:
    """Warns ``message`` as a :class:`TfxBalanceDeprecationWarning` at the first line outside
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
