"""Pure logic of tfx-balance: Beam transforms, tf.data builders and allocation math.

Nothing here imports TFX, so it can be used and tested without a TFX pipeline. Folders are named
for the component they serve (``split/`` for StratifiedSplitter, ``cross_validation/`` for folds
and CrossValidationAggregate, ``balanced_augmenter/``, ``balanced_input_gen/`` (also
``balanced_dataset``), ``class_distribution_validator/``, ``leakage_check/``); shared basics
(labels, label sets, groups, hashing, records) sit here.

The 0.1.0 names that moved (``stratified_split``, ``split_config``, ``allocation``, ``augment``,
``balanced_input``, ``class_distribution``) are small alias modules here until 0.3.0
(``deprecation.py``).
"""
