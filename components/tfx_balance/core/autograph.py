"""Keeping TensorFlow's AutoGraph off Keras 2's own code in the Trainer
(``skip_autograph_of_keras``).
"""

from __future__ import annotations


def skip_autograph_of_keras() -> None:
    """Leaves Keras 2's code (``tf_keras``) unconverted by AutoGraph, as AutoGraph leaves ``keras``.

    Call it once in a trainer module, before ``model.fit`` (why: docs/use_in_your_project.md,
    "Keras"); the model is the same::

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
