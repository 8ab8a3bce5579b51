"""BalancedAugmenter's core: exact, seeded rebalancing of serialized examples in Beam.

One split's way through it (rules: docs/balanced_augmenter.md):

- ``config`` (AugmentConfig: the arguments, checked once), ``modes`` (the table of
  augmentations), ``targets`` (the ``target`` argument and per-class target counts);
- ``transform`` (BalancedAugment: the two passes, and the routing of each original);
- ``profile`` (the profile pass: counts, hash histograms, float statistics and samples per class,
  then the ``plan``: the per-split RebalancePlan), with ``float_stats`` (a class's float
  statistics, read from the records);
- ``generate`` (the copies of each source), with ``floats`` ('numeric' and 'interpolate'),
  ``smote`` ('smote': SMOTE, SMOTE-NC, Borderline-SMOTE 1), ``image`` ('image'), ``user_fn``
  (module_file's augment_fn), and ``provenance`` (the features marking originals and copies).
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
