"""String keys of component inputs and outputs, files and metrics. An execution property is named
by the config field that declares it (core/common/arguments.py); the property keys below are those
0.1.0 had, kept for code that reads them."""

# Channels.
EXAMPLES_KEY = 'examples'  # output Examples of every Examples -> Examples component
INPUT_EXAMPLES_KEY = 'input_examples'  # their input (constructor argument `examples`)
STATISTICS_KEY = 'statistics'
ANOMALIES_KEY = 'anomalies'

# Execution properties shared by several components.
LABEL_FEATURE_KEY = 'label_feature'
SEED_KEY = 'seed'
SPLITS_KEY = 'splits'
# None (one label per example), 'ids' (0..n label values) or 'multi_hot' (a fixed-length 0/1 vector).
MULTI_LABEL_KEY = 'multi_label'
MULTI_LABEL_FORMS = ('ids', 'multi_hot')  # its values besides None

# StratifiedSplitter.
INPUT_SPLITS_KEY = 'input_splits'
GROUP_FEATURE_KEY = 'group_feature'
# Its output of every unit's split, and its optional input of earlier spans' (a Resolver's window).
ASSIGNMENTS_KEY = 'assignments'
PREVIOUS_ASSIGNMENTS_KEY = 'previous_assignments'
ASSIGNMENTS_FILE = 'assignments.json'  # what the records mean (seed, splits, group_feature)
ASSIGNMENT_RECORDS_PREFIX = 'assignments'  # <uri>/assignments-*.gz

# A periodic pipeline's history (tfx_balance.periodic): LookBack's pinned SpanHistory, an optional
# input of the components that read earlier spans, and CommitSpan's inputs.
HISTORY_KEY = 'history'

# Every component that writes a report: its optional picture of the report (an HtmlReport).
HTML_REPORT_KEY = 'html_report'
PASSED = 'passed'  # the checks' reports (class_distribution.json, leakage.json): whether it passed

# Files written inside output artifacts.
SPLIT_COUNTS_FILE = 'split_counts.json'
# The checks' ExampleAnomalies (ClassDistributionValidator, LeakageCheck): per split the file
# ExampleValidator writes, and the custom property that says whether the data passed.
SCHEMA_DIFF_FILE = 'SchemaDiff.pb'
BLESSED_PROPERTY = 'blessed'

# BalancedInputGen.
EXAMPLES_PER_SHARD_KEY = 'examples_per_shard'
BALANCE_PLAN_FILE = 'balance_plan.json'

# BalancedAugmenter.
TARGET_KEY = 'target'
UNDERSAMPLE_KEY = 'undersample'
AUGMENTATION_KEY = 'augmentation'
AUGMENTATION_OPTIONS_KEY = 'augmentation_options'
IMAGE_FEATURE_KEY = 'image_feature'
MODULE_FILE_KEY = 'module_file'
MODULE_PATH_KEY = 'module_path'
AUGMENT_FN_KEY = 'augment_fn'  # name of the function looked up in module_file
PROVENANCE_FEATURE_KEY = 'provenance_feature'
SOURCE_FEATURE_KEY = 'source_feature'
# Default names of the provenance features BalancedAugmenter adds (balanced_dataset keeps them).
DEFAULT_PROVENANCE_FEATURE = 'is_synthetic'
DEFAULT_SOURCE_FEATURE = 'source_fingerprint'
DEFAULT_PARTNER_FEATURE = 'partner_fingerprint'
REBALANCE_PLAN_FILE = 'rebalance_plan.json'

# ClassDistributionValidator.
SCHEMA_KEY = 'schema'
MAX_SPLIT_DISTANCE_KEY = 'max_split_distance'
TARGETS_KEY = 'targets'
TARGET_TOLERANCE_KEY = 'target_tolerance'
FAIL_ON_VIOLATION_KEY = 'fail_on_violation'
COMPARE_SPLITS_KEY = 'compare_splits'
# ClassDistributionValidator against a baseline (e.g. the previous span's statistics): its channel
# (TFX's name of DistributionValidator's baseline).
BASELINE_STATISTICS_KEY = 'baseline_statistics'
CLASS_DISTRIBUTION_JSON_FILE = 'class_distribution.json'
CLASS_DISTRIBUTION_MARKDOWN_FILE = 'class_distribution.md'

# LeakageCheck.
LEAKAGE_JSON_FILE = 'leakage.json'
LEAKAGE_MARKDOWN_FILE = 'leakage.md'
# Its optional input of earlier runs' anomalies, each holding its span's key index (content keys
# and groups) beside the report.
PREVIOUS_KEY_INDEX_KEY = 'previous_key_index'
KEY_INDEX_FILE = 'key_index.json'  # what the records mean (splits, ignored features, groups)
KEY_INDEX_KEYS_PREFIX = 'keys'  # <uri>/keys-*.gz
KEY_INDEX_GROUPS_PREFIX = 'groups'  # <uri>/groups-*.gz, with group_feature

# TFMA metrics (tfx_balance.metrics): metric names, and the suffix of each metric's diagnostic key
# that lists the classes absent from the evaluation data.
MACRO_RECALL = 'macro_recall'
BALANCED_ACCURACY = 'balanced_accuracy'
PER_CLASS_RECALL = 'recall'  # keys 'recall/<class>'
MIN_CLASS_RECALL = 'min_class_recall'
CLASSES_ABSENT = 'classes_absent'  # keys '<metric name>/classes_absent'
# Multi-label metrics: recall/<label> (PER_CLASS_RECALL), precision/<label> and f1/<label>, and the
# diagnostic keys '<metric name>/labels_absent' (no positive example) and
# 'precision/labels_never_predicted'.
PER_LABEL_PRECISION = 'precision'
PER_LABEL_F1 = 'f1'
MACRO_LABEL_RECALL = 'macro_label_recall'
MACRO_LABEL_F1 = 'macro_label_f1'
MIN_LABEL_RECALL = 'min_label_recall'
LABELS_ABSENT = 'labels_absent'
LABELS_NEVER_PREDICTED = 'labels_never_predicted'
# Confidence bounds (tfx_balance.metrics.intervals): '<metric>_lower_95' / '<metric>_upper_95' of
# each metric above, and of the paired improvement over the baseline, whose keys
# '<bound>/examples_per_class_needed' and '<bound>/verdict' say whether the data can decide.
MACRO_RECALL_IMPROVEMENT = 'macro_recall_improvement'
MACRO_LABEL_RECALL_IMPROVEMENT = 'macro_label_recall_improvement'
MACRO_LABEL_F1_IMPROVEMENT = 'macro_label_f1_improvement'
EXAMPLES_PER_CLASS_NEEDED = 'examples_per_class_needed'
VERDICT = 'verdict'

# CrossValidationAggregate: one input per fold (fold_evaluation_0, ...), the final model, and the
# aggregate and blessing outputs.
FOLD_EVALUATION_KEY_PREFIX = 'fold_evaluation_'
MODEL_KEY = 'model'
CROSS_VALIDATION_KEY = 'cross_validation'
BLESSING_KEY = 'blessing'
CROSS_VALIDATION_JSON_FILE = 'cross_validation.json'
CROSS_VALIDATION_HTML_FILE = 'cross_validation.html'

# The served model's outputs after balanced training (core/balanced_input_gen/prior.py): the scores
# corrected to the data's class frequencies, and the balanced model's own scores.
PROBABILITIES = 'probabilities'
BALANCED_PROBABILITIES = 'balanced_probabilities'
# The module TFMA MetricConfigs name for our metrics.
METRICS_MODULE = 'tfx_balance.metrics'
# Calibration metrics (tfx_balance.metrics.calibration): keys, and the reliability-diagram bins
# ('<ece name>/bins', a JSON string: per bin [weight, mean confidence, accuracy]).
EXPECTED_CALIBRATION_ERROR = 'expected_calibration_error'
LOG_LOSS = 'log_loss'
LOG_LOSS_INCREASE = 'log_loss_increase'  # its paired bounds: log_loss_increase_upper_95, ...
CALIBRATION_BINS = 'bins'
# BalancedInputGen: the BalancedAugmenter output its input was derived from (optional); its
# rebalance_plan.json gives the training split's class counts before augmentation ('data_counts').
AUGMENTED_EXAMPLES_KEY = 'augmented_examples'
DATA_COUNTS = 'data_counts'
# balance_plan.json: whether the laid-out examples carry BalancedAugmenter's provenance feature,
# found once by BalancedInputGen as it writes them (with_prior_correction reads it per span).
AUGMENTER_MARKED = 'augmenter_marked'
