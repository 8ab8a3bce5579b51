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
   For a multi-label feature (``multi_label='ids'`` or ``'multi_hot'``), :mod:`.multilabel_counts`
   gives each split's per-label prevalence (:class:`LabelPrevalence`, from the statistics or
   counted from the examples with Beam) and :mod:`.multilabel_checks` checks it
   (:func:`run_multilabel_checks`).
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
    MULTI_LABEL_MODES,
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
from tfx_balance.core.class_distribution.multilabel_checks import run_multilabel_checks
from tfx_balance.core.class_distribution.multilabel_counts import (
    CountLabels,
    LabelPrevalence,
    count_labels,
    load_counts,
    merge_counts,
    prevalence_from_statistics,
    save_counts,
    to_prevalence,
)
from tfx_balance.core.class_distribution.presence import rule_allocation, unavoidable_absences
from tfx_balance.core.class_distribution.report import (
    CARDINALITY_DISTANCE,
    MIN_PREVALENCE,
    MISSING_CLASS,
    PREVALENCE_DIFFERENCE,
    PREVALENCE_DISTANCE,
    SPLIT_DISTANCE,
    TARGET_DISTANCE,
    UNAVOIDABLE_MISSING_CLASS,
    ClassDistributionError,
    Finding,
    Report,
)

__all__ = [
    'CARDINALITY_DISTANCE',
    'MAX_MOMENT_CLASSES',
    'MIN_PREVALENCE',
    'MISSING_CLASS',
    'MULTI_LABEL_MODES',
    'PREVALENCE_DIFFERENCE',
    'PREVALENCE_DISTANCE',
    'SPLIT_DISTANCE',
    'TARGET_DISTANCE',
    'TOP_CLASSES',
    'UNAVOIDABLE_MISSING_CLASS',
    'UNIFORM',
    'ClassDistributionError',
    'CountLabels',
    'Finding',
    'LabelDistribution',
    'LabelPrevalence',
    'Report',
    'Target',
    'ValidatorConfig',
    'check_distributions',
    'check_label_types',
    'comparator_schema',
    'count_labels',
    'label_distribution',
    'label_schema',
    'label_stats_options',
    'linf',
    'load_counts',
    'merge_counts',
    'prevalence_from_statistics',
    'rule_allocation',
    'run_checks',
    'run_multilabel_checks',
    'save_counts',
    'schema_label_info',
    'shares',
    'tfdv_split_drift',
    'to_prevalence',
    'unavoidable_absences',
    'validate_compare_splits',
    'validate_targets',
]
