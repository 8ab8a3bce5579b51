"""Deprecated: the 0.1.0 name of ``tfx_balance.core.split.stratified`` (removed in 0.3.0)."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.core.split.placement import ClassSplitPlan, split_tag
from tfx_balance.core.split.stratified import (
    COUNTS_KEY,
    RANKED_KEY,
    SPLIT_KEY_PREFIX,
    SplitOutputs,
    StratifiedSplit,
)

__all__ = [
    'COUNTS_KEY',
    'RANKED_KEY',
    'SPLIT_KEY_PREFIX',
    'ClassSplitPlan',
    'SplitOutputs',
    'StratifiedSplit',
    'split_tag',
]
warn_moved(__name__, 'tfx_balance.core.split.stratified')
