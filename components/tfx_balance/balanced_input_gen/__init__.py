"""BalancedInputGen: lay a split out per class for exact class-balanced Trainer input."""
