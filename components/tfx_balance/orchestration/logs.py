"""Opt-in console output for pipeline runners: tfx-balance's own summaries without TFX/TF noise.

Nothing runs on import. A runner script calls ``quiet`` first (before importing ``tfx`` or
``tensorflow``), and ``error_message`` on a failed run::

    from tfx_balance.orchestration import logs

    logs.quiet()  # per-class tables and verdicts of tfx-balance; no TF/TFX/Beam chatter
    from tfx import v1 as tfx
    try:
        tfx.orchestration.LocalDagRunner().run(create_pipeline())
    except Exception as error:
        raise SystemExit(logs.error_message(error))  # the component's own message, once
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import sys
import warnings
from typing import IO, Iterator

from tfx_balance.core.common.deprecation import PACKAGE_DIR, TfxBalanceDeprecationWarning
from tfx_balance.core.common.errors import find_balance_error

# Where third-party code lives: records and warnings raised from there are the noise.
_THIRD_PARTY_DIRS = (os.sep + 'site-packages' + os.sep, os.sep + 'dist-packages' + os.sep)
_NOISY_WARNINGS = (FutureWarning, DeprecationWarning, PendingDeprecationWarning)
_NOISY_MODULES = (
    r'(absl|apache_beam|google|keras|kfp|ml_metadata|numpy|pyarrow|tensorflow|'
    r'tensorflow_[a-z_]+|tf_keras|tfx|tfx_bsl)(\..*)?$'
)


class OwnRecords(logging.Filter):
    """Passes tfx-balance's records at ``level``, the user's, and others at ``others_level``."""

    def __init__(self, level: int = logging.INFO, others_level: int = logging.CRITICAL):
        super().__init__()
        self.level = level
        self.others_level = others_level

    def filter(self, record: logging.LogRecord) -> bool:
        if is_own(record):
            return record.levelno >= self.level
        if is_third_party(record):
            return record.levelno >= self.others_level
        return True


def is_own(record: logging.LogRecord) -> bool:
    """Whether ``record`` was logged by tfx-balance (absl or standard logging)."""
    return record.name.startswith('tfx_balance') or (record.pathname or '').startswith(
        PACKAGE_DIR + os.sep
    )


def is_third_party(record: logging.LogRecord) -> bool:
    path = record.pathname or ''
    return not os.path.isabs(path) or any(part in path for part in _THIRD_PARTY_DIRS)


class _MessageOnly(logging.Formatter):
    """The message alone; a third-party record without its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not is_third_party(record):
            message += '\n' + self.formatException(record.exc_info)
        return message


def quiet(level: int = logging.INFO, stream: IO[str] | None = None) -> logging.Handler:
    """Shows tfx-balance's own log and hides TFX/TF/Beam noise: TF's C++ log and third-party
    warnings (not ``TfxBalanceDeprecationWarning``), here and in workers. Returns the handler."""
    release_at_exit()
    os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
    os.environ['PYTHONWARNINGS'] = ','.join(
        ['ignore::FutureWarning', 'ignore::DeprecationWarning', 'ignore::UserWarning']
    )
    for category in _NOISY_WARNINGS:
        warnings.filterwarnings('ignore', category=category)
    warnings.filterwarnings('ignore', category=UserWarning, module=_NOISY_MODULES)
    # Added last, so it comes first in the filter list: ours stay visible.
    warnings.filterwarnings('default', category=TfxBalanceDeprecationWarning)

    from absl import logging as absl_logging  # before any getLogger('absl'): see below

    root = logging.getLogger()
    own = OwnRecords(level)
    for existing in root.handlers:
        existing.addFilter(own)
    handler = logging.StreamHandler(stream if stream is not None else _console())
    handler.setFormatter(_MessageOnly())
    handler.addFilter(own)
    root.addHandler(handler)
    # The components log through absl (whose logger must be created by absl itself, or records
    # lose their caller) and maybe 'tfx_balance.*' loggers.
    absl_logging.set_verbosity(absl_logging.converter.standard_to_absl(level))
    logging.getLogger('tfx_balance').setLevel(level)
    return handler


# Module globals in which libraries keep TensorFlow graphs to the end of the process.
_HELD_AT_EXIT = (
    # TFT keeps the last analysis graph (the Transform's preprocessing FuncGraph) for debugging.
    ('tensorflow_transform.beam.analysis_graph_builder', '_ANALYSIS_GRAPH'),
)
_release_registered = []


def release_at_exit() -> None:
    """Registers (once) an exit handler dropping the TF graphs libraries keep in globals."""
    if not _release_registered:
        _release_registered.append(True)
        atexit.register(_release_held_graphs)


def _release_held_graphs() -> None:
    released = False
    for module_name, attribute in _HELD_AT_EXIT:
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, attribute, None) is not None:
            setattr(module, attribute, None)
            released = True
    # Beam's Shared handles keep the last object they made alive (e.g. the model TFMA loaded
    # for an in-process Evaluator).
    shared = sys.modules.get('apache_beam.utils.shared')
    shared_map = getattr(shared, '_shared_map', None)
    if getattr(shared_map, '_keepalive', (None, None)) != (None, None):
        shared_map._keepalive = (None, None)
        released = True
    if released:
        gc.collect()


def _console() -> IO[str]:
    """A text stream on a copy of the current stderr, which ``capture_output`` leaves open."""
    sys.stderr.flush()
    return os.fdopen(os.dup(sys.stderr.fileno()), 'w', buffering=1)


@contextlib.contextmanager
def capture_output(path: str) -> Iterator[str]:
    """Sends file descriptors 1 and 2 (also C++ logs and subprocesses) to ``path`` inside the
    block, while ``quiet``'s handler keeps writing to the console. Yields ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, 'a') as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield path
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def error_message(error: BaseException) -> str:
    """``<ErrorType>: <message>`` of the tfx-balance error in ``error``'s chain, else of ``error``."""
    found = find_balance_error(error)
    if found is not None:
        return f'{type(found).__name__}: {_unwrapped(str(found))}'
    return f'{type(error).__name__}: {error}'


def _unwrapped(message: str) -> str:
    """``message`` without the ``[while running '<step>']`` suffix Beam appends."""
    return message.split(" [while running '")[0]
