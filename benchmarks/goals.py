"""The performance goals the benchmark report checks (shared by run.py and report.py)."""

SPLIT_TIME_GOAL = 1.3  # splitter wall time <= 1.3x the floor
SPLIT_MEMORY_GOAL = 1.2  # peak RSS at the largest size <= 1.2x that at the smallest
AUGMENT_GOAL = 2.0  # copy/numeric time per written example <= 2x the floor
DATASET_GOAL = 0.9  # balanced_dataset examples/s >= 0.9x the plain read
