"""Cross-validation's pure logic (no TFX): folds, each metric's estimate and the gate, the report
and CrossValidationAggregate's arguments. Rules: docs/cross_validation.md.
"""

from tfx_balance.core.common.folds import (
    FOLD_PREFIX,
    MAX_FOLDS,
    fold_names,
    fold_weights,
    training_folds,
    validate_folds,
    validate_holdout,
)
from tfx_balance.core.cross_validation.config import CrossValidationConfig
from tfx_balance.core.cross_validation.estimates import (
    CONFIDENCE,
    GATE_ON,
    THRESHOLD_KINDS,
    Check,
    Estimate,
    GateResult,
    Threshold,
    aggregate,
    check_gate_on,
    estimate,
    gate,
    parse_thresholds,
    t_quantile,
)
from tfx_balance.core.cross_validation.report import CrossValidationReport

__all__ = [
    'CONFIDENCE',
    'FOLD_PREFIX',
    'GATE_ON',
    'MAX_FOLDS',
    'THRESHOLD_KINDS',
    'Check',
    'CrossValidationConfig',
    'CrossValidationReport',
    'Estimate',
    'GateResult',
    'Threshold',
    'aggregate',
    'check_gate_on',
    'estimate',
    'fold_names',
    'fold_weights',
    'gate',
    'parse_thresholds',
    't_quantile',
    'training_folds',
    'validate_folds',
    'validate_holdout',
]
