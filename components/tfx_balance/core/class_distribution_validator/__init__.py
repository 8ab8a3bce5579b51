"""Label distributions from TFDV statistics, and the checks of ClassDistributionValidator.

Pure logic (TFDV + protos + Beam, no TFX), in three steps (rules:
docs/class_distribution_validator.md). One label per example is the case of a label set of size
one: the same code reads, counts and checks both; where they truly differ (class shares that add
up to 1 vs per-label prevalence) the difference is one small strategy, chosen by
``multi_label`` in one table (``checks.LABEL_FORMS``).

1. ``counts.py``: a split's exact counts from its statistics (``label_statistics`` parses
   only the label's from a split's file): per-class
   (``label_distribution`` -> ``LabelDistribution``), or per-label for a multi-label
   ``'ids'`` feature (``prevalence_from_statistics`` -> ``LabelPrevalence``), or a
   ``DataError`` when TFDV's summary lost them; a window of statistics pooled by split
   (``pool``). ``example_counts.py``: the same ``LabelPrevalence`` counted from the examples
   with Beam (``CountLabels``; the path of ``'multi_hot'``). ``schema.py``: ``label_schema``
   and ``label_stats_options`` make StatisticsGen keep an int label's exact counts.
2. ``checks.py``: ``check_distributions`` / ``run_checks`` compare the splits (and,
   given a baseline such as the previous span's statistics, each split with the baseline's:
   ``baseline.py``, with ``suggest_max_drift_distance`` for per-split thresholds)
   (L-infinity measured by TFDV in ``drift.py``, or per-label prevalence), report missing
   classes, and check targets, as configured by ``ValidatorConfig`` (``config.py``). A class
   absent from a split to which StratifiedSplitter's rule gives none of it is a note, not a
   violation (``presence.py``).
3. ``report.py``: ``Report`` turns the findings into TFDV ``Anomalies``, JSON, markdown,
   and the message of ``ClassDistributionError``.
"""

from tfx_balance.core.class_distribution_validator.baseline import (
    check_baseline,
    suggest_max_drift_distance,
)
from tfx_balance.core.class_distribution_validator.checks import (
    LABEL_FORMS,
    TOP_CLASSES,
    check_distributions,
    linf,
    run_checks,
    run_multilabel_checks,
    shares,
)
from tfx_balance.core.class_distribution_validator.config import (
    MULTI_LABEL_MODES,
    UNIFORM,
    Target,
    ValidatorConfig,
    validate_compare_splits,
    validate_targets,
)
from tfx_balance.core.class_distribution_validator.counts import (
    MAX_MOMENT_CLASSES,
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
    tfdv_split_drift,
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

__all__ = [
    'CARDINALITY_DISTANCE',
    'CLASSES_CHANGED',
    'DRIFT_DISTANCE',
    'DRIFT_DIVERGENCE',
    'LABEL_FORMS',
    'MAX_MOMENT_CLASSES',
    'MIN_PREVALENCE',
    'MISSING_CLASS',
    'MULTI_LABEL_MODES',
    'PREVALENCE_DIFFERENCE',
    'PREVALENCE_DISTANCE',
    'SPLIT_DISTANCE',
    'SPLIT_NOT_COMPARED',
    'TARGET_DISTANCE',
    'TOP_CLASSES',
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
    'tfdv_split_drift',
    'to_prevalence',
    'unavoidable_absences',
    'validate_compare_splits',
    'validate_targets',
]
