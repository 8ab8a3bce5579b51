"""StratifiedSplitter's logic: the exact per-class rule, multi-label stratification, groups, label
bins, and the Beam transforms that assign every example to a split.

Pure logic (Beam + numpy + TensorFlow's decoders, no TFX), behind the StratifiedSplitter component
(rules: docs/stratified_splitter.md):

- :mod:`.config`: :class:`~.config.StratifiedSplitConfig`, the checked arguments (splits, folds, holdout,
  groups, label bins, multi-label form).
- :mod:`.allocation`: the exact rule (largest remainder, presence for classes smaller than the
  number of splits) and the split-list check every component uses.
- :mod:`.units`, :mod:`.stratified`: the units (examples or groups) and ``StratifiedSplit``.
- :mod:`.multilabel_units`, :mod:`.multilabel_plan`, :mod:`.multilabel`: label sets as units,
  the iterative-stratification plan and ``MultiLabelStratifiedSplit``;
  :mod:`.multilabel_quality`: LD and deviations of a multi-label split.
- :mod:`.label_bins`: quantile bins of a numeric label; :mod:`.report`: ``split_counts.json``.

Folds are ordinary weighted splits (:mod:`tfx_balance.core.cross_validation.folds`); a group id is
read by :mod:`tfx_balance.core.groups`, the rule LeakageCheck shares.
"""
