"""StratifiedSplitter's logic (Beam + numpy + TensorFlow's decoders, no TFX); the rules are in
docs/stratified_splitter.md. One example's way, in reading order:

- ``config.py``: ``StratifiedSplitConfig``, the checked arguments.
- ``stratified.py``: ``StratifiedSplit``, one transform for both label forms: read, plan,
  place, rank, count, report; the form is chosen once, in ``STRATEGIES``.
- ``exact.py`` (one label per example, planned by ``allocation.py``'s rule) or ``strata.py``
  (label sets, planned by ``multilabel_plan/``; ``quality.py`` measures the result).
- ``placement.py``: where each unit goes once its stratum's counts are known.
- ``pinning.py``: units kept from earlier spans (read by ``assignments.py``) and how they bend
  the rule.
- ``report.py``: ``split_counts.json``; ``label_bins.py``: quantile bins of a numeric label.
"""
