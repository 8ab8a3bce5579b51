"""Label distributions from TFDV statistics, and the checks of ClassDistributionValidator.

Pure logic (TFDV + protos, no TFX), in three steps (rules: docs/class_distribution_validator.md):

1. :mod:`.label_counts`: exact per-class counts of the label from one split's statistics
   (:func:`label_distribution`), or a ``DataError`` when TFDV's summary lost them; the helpers
   :func:`label_schema` and :func:`label_stats_options` that make StatisticsGen keep an int
   label's exact counts.
2. :mod:`.checks`: :func:`check_distributions` / :func:`run_checks` compare the splits
   (L-infinity measured by TFDV in :mod:`.drift`), report missing classes, and check targets,
   as configured by :class:`ValidatorConfig` (:mod:`.config`). A class absent from a split to
   which StratifiedSplitter's rule gives none of it is a note, not a violation (:mod:`.presence`).
3. :mod:`.report`: :class:`Report` turns the findings into TFDV ``Anomalies``, JSON, markdown,
   and the message of :class:`ClassDistributionError`.
"""

from tfx_balance.core.class_distribution.checks import (
    TOP_CLASSES,
    check_distributions,
    linf,
    run_checks,
    shares,
)
from tfx_balance.core.class_distribution.config import (
    UNIFORM,
    Target,
    ValidatorConfig,
    validate_compare_splits,
    validate_targets,
)
from tfx_balance.core.class_distribution.drift import comparator_schema, tfdv_split_drift
from tfx_balance.core.class_distribution.label_counts import (
    MAX_MOMENT_CLASSES,
    LabelDistribution,
    check_label_types,
    label_distribution,
    label_schema,
    label_stats_options,
    schema_label_info,
)
from tfx_balance.core.class_distribution.presence import rule_allocation, unavoidable_absences
from tfx_balance.core.class_distribution.report import (
    MISSING_CLASS,
    SPLIT_DISTANCE,
    TARGET_DISTANCE,
    UNAVOIDABLE_MISSING_CLASS,
    ClassDistributionError,
    Finding,
    Report,
)

__all__ = [
    'MAX_MOMENT_CLASSES',
    'MISSING_CLASS',
    'SPLIT_DISTANCE',
    'TARGET_DISTANCE',
    'TOP_CLASSES',
    'UNAVOIDABLE_MISSING_CLASS',
    'UNIFORM',
    'ClassDistributionError',
    'Finding',
    'LabelDistribution',
    'Report',
    'Target',
    'ValidatorConfig',
    'check_distributions',
    'check_label_types',
    'comparator_schema',
    'label_distribution',
    'label_schema',
    'label_stats_options',
    'linf',
    'rule_allocation',
    'run_checks',
    'schema_label_info',
    'shares',
    'tfdv_split_drift',
    'unavoidable_absences',
    'validate_compare_splits',
    'validate_targets',
]
