"""What every area of ``core`` shares: errors, examples and their records, labels, label sets,
groups, keys and hashing, argument declarations, spans and split names, deprecations."""
