"""Pure logic of tfx-balance: Beam transforms, tf.data builders and allocation math.

Nothing here imports TFX, so it can be used and tested without a TFX pipeline. Folders are named
for the component they serve (``split/`` for StratifiedSplitter, ``cross_validation/`` for folds
and CrossValidationAggregate, ``balanced_augmenter/``, ``balanced_input_gen/`` (also
``balanced_dataset``), ``class_distribution_validator/``, ``leakage_check/``, ``pictures/``);
what they share (labels, label sets, groups, hashing, records, keys, errors) is in ``common/``.
"""
