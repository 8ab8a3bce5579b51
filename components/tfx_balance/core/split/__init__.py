"""StratifiedSplitter's logic: the exact per-class rule, multi-label stratification, groups, label
bins, and the Beam transforms that assign every example to a split.

Pure logic (Beam + numpy + TensorFlow's decoders, no TFX), behind the StratifiedSplitter component
(rules: docs/stratified_splitter.md):

- :mod:`.config`: :class:`~.config.StratifiedSplitConfig`, the checked arguments (splits, folds, holdout,
  groups, label bins, multi-label form).
- :mod:`.allocation`: the exact rule (largest remainder, presence for classes smaller than the
  number of splits) and the split-list check every component uses.
- :mod:`.stratified`: one pipeline for both label forms (``LabelSplit``, and its
  ``StratifiedSplit`` / ``MultiLabelStratifiedSplit`` forms), reading the input as
  :mod:`.units` (examples or groups; a class, or a label set) and counting them in
  :mod:`.histograms`.
- :mod:`.strategy`: where the forms differ, one small strategy each, chosen in one table:
  :mod:`.exact` (the exact per-class rule) and :mod:`.strata` (label sets planned by
  the multi-label plan, :mod:`.multilabel_plan`, a pure function of the ``{label set: units}``
  table: one search class whose methods are its steps); :mod:`.quality`: LD and deviations of
  a multi-label split.
- :mod:`.label_bins`: quantile bins of a numeric label; :mod:`.report`: ``split_counts.json``
  (per class, or per label).

Folds are ordinary weighted splits (:mod:`tfx_balance.core.cross_validation.folds`); a group id is
read by :mod:`tfx_balance.core.groups`, the rule LeakageCheck shares.
"""
