"""The names of tfx-balance 0.1.0 that moved keep working until 0.3.0, with a warning.

Only names that release had are kept (its modules ``core.stratified_split``, ``core.split_config``,
``core.allocation``, the packages ``core.augment``, ``core.balanced_input`` and
``core.class_distribution``, and two functions whose module stayed). Each alias module imports the
names from their home and calls ``warn_moved``; the warning points at the user's line, so Python's
default filters show it.

Example::

    from tfx_balance.core.split_config import SplitConfig
    # DeprecationWarning: tfx_balance.core.split_config.SplitConfig is deprecated since 0.2.0 and
    # removed in 0.3.0: use tfx_balance.core.split.config.StratifiedSplitConfig.
"""

import os
import sys
import warnings

REMOVED_IN = '0.3.0'

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn_moved(old: str, new: str) -> None:
    """Warns that ``old`` (a 0.1.0 name) is deprecated and names ``new``, at the user's line."""
    warnings.warn(
        f'{old} is deprecated since 0.2.0 and removed in {REMOVED_IN}: use {new}.',
        DeprecationWarning,
        stacklevel=user_stacklevel(),
    )


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised through tfx-balance's own frames point at
    the first frame of user code; call it in the function that calls ``warnings.warn``.

    The import machinery's frames (a warning at import) are skipped by ``warnings`` itself, so
    they are not counted."""
    frame, level = sys._getframe(2), 2  # stacklevel 2: the caller of the warning function
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _is_import_machinery(filename):
            if not filename.startswith(_PACKAGE_DIR + os.sep):
                break
            level += 1
        frame = frame.f_back
    return level


def _is_import_machinery(filename: str) -> bool:
    return 'importlib' in filename and '_bootstrap' in filename  # as warnings decides
