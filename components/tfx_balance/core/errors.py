"""Error types raised by tfx-balance.

Every error says what was found, what was expected, and how to fix it. They derive from
``ValueError`` so callers that already catch bad-input errors keep working.
"""


class TfxBalanceError(ValueError):
    """Base class of all tfx-balance errors."""


class ConfigError(TfxBalanceError):
    """A component or function argument is invalid (raised before any data is read)."""


class DataError(TfxBalanceError):
    """The input data does not fit the configuration (raised before any output is written)."""


class UnknownSplitError(ConfigError, DataError):
    """An argument names a split the data does not have: an argument error found only once the
    data's splits are read (so catching either ConfigError or DataError catches it)."""
