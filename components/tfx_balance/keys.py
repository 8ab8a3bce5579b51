"""String keys of component inputs, outputs and execution properties (the only place they live)."""

# Channels.
EXAMPLES_KEY = 'examples'  # output Examples of every Examples -> Examples component
INPUT_EXAMPLES_KEY = 'input_examples'  # their input (constructor argument `examples`)
STATISTICS_KEY = 'statistics'
ANOMALIES_KEY = 'anomalies'

# Execution properties shared by several components.
LABEL_FEATURE_KEY = 'label_feature'
SEED_KEY = 'seed'
SPLITS_KEY = 'splits'

# StratifiedSplitter.
INPUT_SPLITS_KEY = 'input_splits'
GROUP_FEATURE_KEY = 'group_feature'

# Files written inside output artifacts.
SPLIT_COUNTS_FILE = 'split_counts.json'
