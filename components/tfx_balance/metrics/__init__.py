"""TFMA metrics that see the rare classes, and an EvalConfig that gates a model on them.

Use the metrics in any EvalConfig as ``tfma.MetricConfig(class_name='MacroRecall',
module='tfx_balance.metrics')`` (also ``MultiClassBalancedAccuracy``, ``PerClassRecall``,
``MinClassRecall``), or build a whole gate with :func:`balanced_eval_config`.
Rules and examples: docs/balanced_model_gate.md.
"""

from tfx_balance.metrics.eval_config import balanced_eval_config
from tfx_balance.metrics.recall import (
    MacroRecall,
    MinClassRecall,
    MultiClassBalancedAccuracy,
    PerClassRecall,
)

__all__ = [
    'MultiClassBalancedAccuracy',
    'MacroRecall',
    'MinClassRecall',
    'PerClassRecall',
    'balanced_eval_config',
]
