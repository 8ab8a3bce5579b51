"""Error types raised by tfx-balance.

Every error says what was found, what was expected, and how to fix it. They derive from
``ValueError`` so callers that already catch bad-input errors keep working.
"""

from __future__ import annotations


class TfxBalanceError(ValueError):
    """Base class of all tfx-balance errors."""

    # Beam (apache_beam.runners.common, DoFnRunner._reraise_augmented) logs an error raised in a
    # DoFn with its traceback, then raises a copy with the step's name appended, unless the error
    # is tagged as naming its step already. Ours name their own place (split, class, example):
    # tagged, one is raised once, as it is, and its message shows once in a traceback.
    _tagged_with_step = True


class ConfigError(TfxBalanceError):
    """A component or function argument is invalid (raised before any data is read)."""


class DataError(TfxBalanceError):
    """The input data does not fit the configuration (raised before any output is written)."""


class UnknownSplitError(ConfigError, DataError):
    """An argument names a split the data does not have: an argument error found only once the
    data's splits are read (so catching either ConfigError or DataError catches it)."""


def find_balance_error(error: BaseException) -> TfxBalanceError | None:
    """The first tfx-balance error in ``error``'s chain of causes and contexts (Beam and TFX
    wrap the errors raised in a pipeline), or None."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TfxBalanceError):
            return current
        current = current.__cause__ or current.__context__
    return None
