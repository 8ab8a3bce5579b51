"""StratifiedSplitter's logic (Beam + numpy + TensorFlow's decoders, no TFX); the rules are in
docs/stratified_splitter.md. One example's way, in reading order:

``config.py`` (the arguments), ``stratified.py`` (``StratifiedSplit``: read, plan, place, rank,
count, report), ``exact.py`` (one label, ``allocation.py``'s rule) or ``strata.py`` (label sets,
``multilabel_plan/``), ``placement.py``, ``pinning.py`` (earlier spans, ``assignments.py``),
``report.py``; ``label_bins.py`` only with label bins.
"""
