"""core/autograph.py: skip_autograph_of_keras."""

import pytest


@pytest.fixture
def conversion_rules(monkeypatch):
    """AutoGraph's rules, restored after the test (the call changes them for the process)."""
    from tensorflow.python.autograph.core import config

    monkeypatch.setattr(config, 'CONVERSION_RULES', config.CONVERSION_RULES)
    return config


def test_keras_2_training_code_is_left_unconverted_once_asked(conversion_rules):
    from tensorflow.python.autograph.impl import conversion

    training = pytest.importorskip('tf_keras.src.engine.training')  # Keras 2, where installed
    from tfx_balance import skip_autograph_of_keras

    skip_autograph_of_keras()
    skip_autograph_of_keras()  # a second call adds nothing (nor where TensorFlow lists it already)
    rules = [str(r) for r in conversion_rules.CONVERSION_RULES]
    assert rules.count('DoNotConvert rule for tf_keras') == 1
    assert conversion.is_allowlisted(training.Model.train_step)
    assert conversion.is_allowlisted(training.Model.make_train_function)
    # The user's own functions are still converted.
    assert not conversion.is_allowlisted(test_keras_2_training_code_is_left_unconverted_once_asked)
