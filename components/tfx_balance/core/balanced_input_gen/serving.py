"""Saving the Trainer's model with its serving signatures, whichever Keras built it, and keeping
TensorFlow's AutoGraph off Keras 2's own code (``skip_autograph_of_keras``).

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


def skip_autograph_of_keras() -> None:
    """Leaves Keras 2's own code (the ``tf_keras`` package) unconverted by TensorFlow's AutoGraph,
    as AutoGraph leaves ``keras``. Call it once in a trainer module, before ``model.fit``.

    TensorFlow 2.16's AutoGraph skips the libraries it knows by module name, ``keras`` among them,
    but not ``tf_keras``, where Keras 2 lives since Keras 3 took the name. Without this, the first
    ``fit`` in every process transpiles tf_keras's training loop from its Python source (about 360
    functions: 37 to 49 s before the first step on a loaded 2-core machine here, 1 s with this
    rule); a process runs it once, but every Trainer step of a Kubeflow run is a new process. The
    model is the same (same losses and weights, checked): Keras's code is written for graph mode
    and was never converted while its package was ``keras``. Where TensorFlow already lists
    ``tf_keras``, under Keras 3, and in a TensorFlow without these rules, this changes nothing.

    Example (a trainer module, after its imports)::

        from tfx_balance import skip_autograph_of_keras

        skip_autograph_of_keras()
    """
    try:  # the rules AutoGraph reads at every call (a private module: only speed depends on it)
        from tensorflow.python.autograph.core import config
    except ImportError:
        return
    rules = getattr(config, 'CONVERSION_RULES', None)
    if rules is None:
        return
    rule = config.DoNotConvert('tf_keras')
    if not any(isinstance(r, config.DoNotConvert) and str(r) == str(rule) for r in rules):
        config.CONVERSION_RULES = (*rules, rule)
