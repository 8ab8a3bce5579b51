"""StratifiedSplitter's logic: the exact per-class rule, multi-label stratification, groups, label
bins, and the Beam transform that assigns every example to a split.

Pure logic (Beam + numpy + TensorFlow's decoders, no TFX), behind the StratifiedSplitter component
(rules: docs/stratified_splitter.md). One example's way, in reading order:

- ``config.py``: ``StratifiedSplitConfig``, the checked arguments (splits, folds, holdout, groups,
  label bins, multi-label form).
- ``stratified.py``: ``StratifiedSplit``, one transform for both label forms: read (as examples,
  groups or pinned units: ``read_batches``, ``input_units``), plan, place, rank, count, report;
  the form's strategy is chosen in one table, ``STRATEGIES``.
- ``exact.py``: one label per example: its units (an example, or a group counting for its
  dominant class) counted per class and hash bucket, each class planned by the exact rule of
  ``allocation.py`` (largest remainder, presence for classes smaller than the number of splits;
  also the split-list check every component uses). ``strata.py``: label sets (units counting for
  their label set) counted per label set and hash bucket, planned by ``multilabel_plan/`` (a pure
  function of the ``{label set: units}`` table: one search class whose methods are its steps);
  ``quality.py``: LD and deviations of a multi-label split.
- ``placement.py``: where each unit goes once its stratum's counts are known (hash order cut
  into bucket ranges; boundary buckets ranked).
- ``report.py``: how placed examples are counted, and ``split_counts.json`` (per class, or per
  label); ``label_bins.py``: quantile bins of a numeric label.

Outside this folder, a single-label example's way uses ``tfx_balance.core.records`` (the input
read in batches), ``labels`` (its label), ``hashing`` (its content key and seeded hash),
``groups`` (its group id, the rule LeakageCheck shares) and ``ranking`` (hash buckets). Folds are
ordinary weighted splits (``tfx_balance.core.cross_validation.folds``).
"""
