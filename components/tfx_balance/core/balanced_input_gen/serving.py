"""Saving the Trainer's model with its serving signatures, whichever Keras built it.

Keras 2 (``tf_keras``) writes a SavedModel with ``model.save(..., save_format='tf')``; Keras 3
writes only ``.keras`` files, so there ``tf.saved_model.save`` does.

Example (in a trainer module's ``run_fn``)::

    signatures = with_prior_correction({'serving_default': serve}, fn_args.train_files)
    save_serving_model(model, fn_args.serving_model_dir, signatures)
"""

from __future__ import annotations


def save_serving_model(model, serving_model_dir: str, signatures) -> None:
    """Writes ``model`` as a SavedModel with ``signatures`` to ``serving_model_dir``."""
    import tensorflow as tf

    if getattr(tf.keras, 'version', lambda: '2')().startswith('3.'):
        tf.saved_model.save(model, serving_model_dir, signatures=signatures)
    else:
        model.save(serving_model_dir, save_format='tf', signatures=signatures)
