"""TFMA metrics that see the rare classes, and ``balanced_eval_config`` to gate a model on them.

Use a metric in any EvalConfig as ``tfma.MetricConfig(class_name='MacroRecall',
module='tfx_balance.metrics')``. Metrics, rules and examples: docs/balanced_model_gate.md.
"""

from tfx_balance.metrics.calibration import CalibrationGate, ExpectedCalibrationError, LogLoss
from tfx_balance.metrics.eval_config import balanced_eval_config
from tfx_balance.metrics.intervals import (
    LogLossIncreaseInterval,
    MacroLabelF1ImprovementInterval,
    MacroLabelF1Interval,
    MacroLabelRecallImprovementInterval,
    MacroLabelRecallInterval,
    MacroRecallImprovementInterval,
    MacroRecallInterval,
    MinClassRecallInterval,
    MinLabelRecallInterval,
    MultiClassBalancedAccuracyInterval,
    PerClassRecallInterval,
    PerLabelRecallInterval,
)
from tfx_balance.metrics.multilabel import (
    MacroLabelF1,
    MacroLabelRecall,
    MinLabelRecall,
    PerLabelF1,
    PerLabelPrecision,
    PerLabelRecall,
)
from tfx_balance.metrics.recall import (
    MacroRecall,
    MinClassRecall,
    MultiClassBalancedAccuracy,
    PerClassRecall,
)

__all__ = [
    'CalibrationGate',
    'ExpectedCalibrationError',
    'LogLoss',
    'MultiClassBalancedAccuracy',
    'MacroRecall',
    'MinClassRecall',
    'PerClassRecall',
    'MacroLabelF1',
    'MacroLabelRecall',
    'MinLabelRecall',
    'PerLabelF1',
    'PerLabelPrecision',
    'PerLabelRecall',
    'LogLossIncreaseInterval',
    'MacroLabelF1ImprovementInterval',
    'MacroLabelF1Interval',
    'MacroLabelRecallImprovementInterval',
    'MacroLabelRecallInterval',
    'MacroRecallImprovementInterval',
    'MacroRecallInterval',
    'MinClassRecallInterval',
    'MinLabelRecallInterval',
    'MultiClassBalancedAccuracyInterval',
    'PerClassRecallInterval',
    'PerLabelRecallInterval',
    'balanced_eval_config',
]
