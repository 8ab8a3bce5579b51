"""BalancedAugmenter's core: exact, seeded rebalancing of serialized examples in Beam.

Rules: docs/balanced_augmenter.md. ``transform`` (BalancedAugment) runs ``profile`` (giving the
``plan``) then ``generate`` (the copies: ``floats``, ``smote``, ``image``, ``user_fn``).
"""

from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.modes import AUGMENTATIONS
from tfx_balance.core.balanced_augmenter.plan import PLAN_COLUMNS, ClassRebalance, RebalancePlan
from tfx_balance.core.balanced_augmenter.transform import PLAN, RECORDS, BalancedAugment

__all__ = [
    'AUGMENTATIONS',
    'PLAN',
    'PLAN_COLUMNS',
    'RECORDS',
    'AugmentConfig',
    'BalancedAugment',
    'ClassRebalance',
    'RebalancePlan',
]
