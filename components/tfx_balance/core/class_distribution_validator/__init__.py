"""Label distributions from TFDV statistics, and the checks of ClassDistributionValidator.

Pure logic (no TFX): a split's exact counts from its statistics (``counts.py``) or examples
(``example_counts.py``), the checks (``checks.run_checks``), the report (``report.py``).
Rules and design: docs/class_distribution_validator.md.
"""

from tfx_balance.core.class_distribution_validator.baseline import (
    check_baseline,
    suggest_max_drift_distance,
)
from tfx_balance.core.class_distribution_validator.checks import (
    LABEL_FORMS,
    check_distributions,
    linf,
    run_checks,
    run_multilabel_checks,
    shares,
)
from tfx_balance.core.class_distribution_validator.config import (
    UNIFORM,
    Target,
    ValidatorConfig,
    validate_targets,
)
from tfx_balance.core.class_distribution_validator.counts import (
    LabelDistribution,
    LabelPrevalence,
    check_label_types,
    label_distribution,
    label_statistics,
    pool,
    prevalence_from_statistics,
)
from tfx_balance.core.class_distribution_validator.drift import (
    comparator_schema,
    jensen_shannon,
    sampling_noise,
)
from tfx_balance.core.class_distribution_validator.example_counts import (
    CountLabels,
    count_labels,
    load_counts,
    merge_counts,
    save_counts,
    to_prevalence,
)
from tfx_balance.core.class_distribution_validator.presence import (
    SplitterCounts,
    rule_allocation,
    rule_range,
    share_bound,
    unavoidable_absences,
)
from tfx_balance.core.class_distribution_validator.report import (
    CARDINALITY_DISTANCE,
    CLASSES_CHANGED,
    DRIFT_DISTANCE,
    DRIFT_DIVERGENCE,
    MIN_PREVALENCE,
    MISSING_CLASS,
    PREVALENCE_DIFFERENCE,
    PREVALENCE_DISTANCE,
    SPLIT_DISTANCE,
    SPLIT_NOT_COMPARED,
    STRATUM_DISTANCE,
    TARGET_DISTANCE,
    UNAVOIDABLE_MISSING_CLASS,
    WITHIN_SPLITTER_BOUND,
    ClassDistributionError,
    Finding,
    Report,
)
from tfx_balance.core.class_distribution_validator.schema import (
    label_schema,
    label_stats_options,
    schema_label_info,
)
from tfx_balance.core.class_distribution_validator.strata import check_strata, class_mix

__all__ = [
    'CARDINALITY_DISTANCE',
    'CLASSES_CHANGED',
    'DRIFT_DISTANCE',
    'DRIFT_DIVERGENCE',
    'LABEL_FORMS',
    'MIN_PREVALENCE',
    'MISSING_CLASS',
    'PREVALENCE_DIFFERENCE',
    'PREVALENCE_DISTANCE',
    'SPLIT_DISTANCE',
    'SPLIT_NOT_COMPARED',
    'STRATUM_DISTANCE',
    'TARGET_DISTANCE',
    'UNAVOIDABLE_MISSING_CLASS',
    'UNIFORM',
    'WITHIN_SPLITTER_BOUND',
    'SplitterCounts',
    'ClassDistributionError',
    'CountLabels',
    'Finding',
    'LabelDistribution',
    'LabelPrevalence',
    'Report',
    'Target',
    'ValidatorConfig',
    'check_baseline',
    'check_distributions',
    'check_label_types',
    'check_strata',
    'class_mix',
    'comparator_schema',
    'count_labels',
    'label_distribution',
    'label_statistics',
    'label_schema',
    'jensen_shannon',
    'label_stats_options',
    'linf',
    'load_counts',
    'merge_counts',
    'pool',
    'prevalence_from_statistics',
    'rule_allocation',
    'rule_range',
    'run_checks',
    'run_multilabel_checks',
    'sampling_noise',
    'save_counts',
    'schema_label_info',
    'share_bound',
    'shares',
    'suggest_max_drift_distance',
    'to_prevalence',
    'unavoidable_absences',
    'validate_targets',
]
