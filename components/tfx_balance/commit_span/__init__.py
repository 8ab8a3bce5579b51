"""CommitSpan: add a run's accepted span to its periodic pipeline's history."""
