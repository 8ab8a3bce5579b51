"""StratifiedSplitter's logic (Beam + numpy + TensorFlow's decoders, no TFX); the rules are in
docs/stratified_splitter.md. One example's way, in reading order:

``config.py`` (the arguments), ``stratified.py`` (``StratifiedSplit``: read, plan, place, rank,
count, report), ``exact.py`` (one label) or ``strata.py`` (label sets, ``multilabel_plan/``),
``placement.py`` (where each unit goes), ``allocation.py`` (the rule, pure Python),
``report.py``; ``assignments.py`` only with earlier spans, ``label_bins.py`` only with bins.
"""
