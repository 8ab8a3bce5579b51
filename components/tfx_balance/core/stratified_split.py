"""Deprecated: the 0.1.0 name of ``tfx_balance.core.split.stratified`` (removed in 0.3.0)."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.core.split.placement import ClassSplitPlan, PlaceUnits
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

# 0.1.0's constants, now the attributes that name the same output keys and tags
COUNTS_KEY, RANKED_KEY = SplitOutputs.COUNTS, SplitOutputs.RANKED
SPLIT_KEY_PREFIX = SplitOutputs.WHOLE
split_tag = PlaceUnits.SPLIT_TAG.format

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
