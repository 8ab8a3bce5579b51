"""BalancedAugmenter's core: exact, seeded rebalancing of serialized examples in Beam.

Modules: ``modes`` (the table of augmentations), ``config`` (AugmentConfig), ``targets`` (the ``target`` argument), ``plan`` (the
per-split RebalancePlan), ``profile`` (class statistics pass), ``float_stats``, ``transform``
(BalancedAugment and routing), ``generate`` (synthetic copies), ``floats`` ('numeric',
'interpolate'), ``image`` ('image'), ``user_fn`` (module_file's augment_fn), ``provenance``.
Rules: docs/balanced_augmenter.md.
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
