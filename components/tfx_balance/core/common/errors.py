"""Error types raised by tfx-balance.

Every error says what was found, what was expected, and how to fix it. They derive from
``ValueError`` so callers that already catch bad-input errors keep working.
"""

from __future__ import annotations


class TfxBalanceError(ValueError):
    """Base class of all tfx-balance errors."""

    # Beam's DoFnRunner._reraise_augmented re-raises an untagged error with the step's name
    # appended; ours name their own place (split, class, example), so they are raised as they are.
    _tagged_with_step = True


class ConfigError(TfxBalanceError):
    """A component or function argument is invalid (raised before any data is read)."""


class DataError(TfxBalanceError):
    """The input data does not fit the configuration (raised before any output is written)."""


class UnknownSplitError(ConfigError, DataError):
    """An argument names a split the data does not have (found once the data is read)."""


def find_balance_error(error: BaseException) -> TfxBalanceError | None:
    """The first tfx-balance error in ``error``'s chain of causes and contexts, or None."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TfxBalanceError):
            return current
        current = current.__cause__ or current.__context__
    return None
