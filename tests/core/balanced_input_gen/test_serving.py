"""core/balanced_input_gen/serving.py: skip_autograph_of_keras."""

import pytest


@pytest.fixture
def conversion_rules(monkeypatch):
    """AutoGraph's rules, restored after the test (the call changes them for the process)."""
    from tensorflow.python.autograph.core import config

    monkeypatch.setattr(config, 'CONVERSION_RULES', config.CONVERSION_RULES)
    return config


def test_keras_2_training_code_is_left_unconverted_once_asked(conversion_rules):
    from tensorflow.python.autograph.impl import conversion
    from tf_keras.src.engine import training

    from tfx_balance import skip_autograph_of_keras

    before = len(conversion_rules.CONVERSION_RULES)
    skip_autograph_of_keras()
    skip_autograph_of_keras()  # a second call adds nothing
    assert len(conversion_rules.CONVERSION_RULES) == before + 1
    assert conversion.is_allowlisted(training.Model.train_step)
    assert conversion.is_allowlisted(training.Model.make_train_function)
    # The user's own functions are still converted.
    assert not conversion.is_allowlisted(test_keras_2_training_code_is_left_unconverted_once_asked)
