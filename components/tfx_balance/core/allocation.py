"""Deprecated: the 0.1.0 name of ``tfx_balance.core.split.allocation`` (removed in 0.3.0)."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.core.split.allocation import (
    SPLIT_NAME_PATTERN,
    allocate,
    boundaries,
    validate_split_list,
    validate_split_name,
    validate_split_weights,
)

__all__ = [
    'SPLIT_NAME_PATTERN',
    'allocate',
    'boundaries',
    'validate_split_list',
    'validate_split_name',
    'validate_split_weights',
]
warn_moved(__name__, 'tfx_balance.core.split.allocation')
