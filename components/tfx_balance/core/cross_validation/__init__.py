"""Cross-validation, in one place: the folds, each metric's estimate over them, the gate, the
report, and CrossValidationAggregate's config.

Pure logic (no TFX), behind StratifiedSplitter's ``folds``, ``tfx_balance.cross_validation`` and
CrossValidationAggregate (rules: docs/cross_validation.md):

- ``folds.py``: the fold names and the one fold limit (``MAX_FOLDS``), ``holdout`` and the
  folds as weighted splits (``fold_weights``), and the folds a fold's model trains on.
- ``estimates.py``: ``aggregate`` (mean, std, 95% interval per metric) and ``gate``.
- ``report.py``: ``CrossValidationReport`` (JSON, console table, HTML).
- ``config.py``: ``CrossValidationConfig``, CrossValidationAggregate's checked arguments.
"""

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
from tfx_balance.core.cross_validation.folds import (
    FOLD_PREFIX,
    MAX_FOLDS,
    fold_names,
    fold_weights,
    training_folds,
    validate_folds,
    validate_holdout,
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
