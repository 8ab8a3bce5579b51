"""TFMA metrics that see the rare classes, and an EvalConfig that gates a model on them.

Use the metrics in any EvalConfig as ``tfma.MetricConfig(class_name='MacroRecall',
module='tfx_balance.metrics')`` (also ``MultiClassBalancedAccuracy``, ``PerClassRecall``,
``MinClassRecall``; for multi-label models ``PerLabelRecall``, ``PerLabelPrecision``,
``PerLabelF1``, ``MacroLabelRecall``, ``MacroLabelF1``, ``MinLabelRecall``; calibration: ``ExpectedCalibrationError``,
``LogLoss``), or build a whole gate with ``balanced_eval_config`` (``multi_label='multi_hot'``
for multi-label models, ``calibration=CalibrationGate(...)`` to gate the calibrated output too).
Rules and examples: docs/balanced_model_gate.md.
"""

from tfx_balance.metrics.calibration import CalibrationGate, ExpectedCalibrationError, LogLoss
from tfx_balance.metrics.eval_config import balanced_eval_config
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
    'balanced_eval_config',
]
