"""BalancedAugmenter: rebalance a split with exact per-class counts and augmented examples."""
