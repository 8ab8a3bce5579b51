"""Deprecated: the 0.1.0 name of ``tfx_balance.core.balanced_augmenter`` (the core of BalancedAugmenter),
removed in 0.3.0. Its submodules' 0.1.0 names are not kept: import them from the new package."""

from tfx_balance.core.balanced_augmenter import (
    AUGMENTATIONS,
    PLAN,
    PLAN_COLUMNS,
    RECORDS,
    AugmentConfig,
    BalancedAugment,
    ClassRebalance,
    RebalancePlan,
)
from tfx_balance.core.deprecation import warn_moved

__all__ = [
    'AUGMENTATIONS',
    'AugmentConfig',
    'BalancedAugment',
    'ClassRebalance',
    'PLAN',
    'PLAN_COLUMNS',
    'RECORDS',
    'RebalancePlan',
]
warn_moved(__name__, 'tfx_balance.core.balanced_augmenter')
