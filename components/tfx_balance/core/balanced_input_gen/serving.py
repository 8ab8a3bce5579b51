"""Saving the Trainer's model with its serving signatures, whichever Keras built it.

TFX's Trainer hands ``run_fn`` a ``serving_model_dir`` that the Evaluator and Pusher read as a
SavedModel. Keras 2 (``tf_keras``, the default where ``TF_USE_LEGACY_KERAS=1``, as TFT 1.16 needs)
writes one with ``model.save(..., save_format='tf')``; Keras 3's ``model.save`` writes only
``.keras`` files, so there ``tf.saved_model.save`` does. Nothing here requires legacy Keras.

Example (in a trainer module's ``run_fn``)::

    signatures = with_prior_correction({'serving_default': serve}, fn_args.train_files)
    save_serving_model(model, fn_args.serving_model_dir, signatures)
"""

from __future__ import annotations


def save_serving_model(model, serving_model_dir: str, signatures) -> None:
    """Writes ``model`` as a SavedModel with ``signatures`` to ``serving_model_dir`` (see the
    module docstring)."""
    import tensorflow as tf

    if getattr(tf.keras, 'version', lambda: '2')().startswith('3.'):
        tf.saved_model.save(model, serving_model_dir, signatures=signatures)
    else:
        model.save(serving_model_dir, save_format='tf', signatures=signatures)
