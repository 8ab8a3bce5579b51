"""Keeping TensorFlow's AutoGraph off Keras 2's own code in the Trainer (``skip_autograph_of_keras``).

A trainer module's first ``model.fit`` of a process otherwise spends tens of seconds converting
tf_keras's training loop, on every Trainer run (each Kubeflow Trainer step is a new process).
"""

from __future__ import annotations


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
