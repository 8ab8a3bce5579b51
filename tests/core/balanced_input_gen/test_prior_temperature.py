"""Softmax refit: one temperature fitted on the eval split (known scores in, known T out)."""

import math

import numpy as np
import pytest

from tfx_balance.core.balanced_input_gen import make_plan
from tfx_balance.core.balanced_input_gen.prior import PriorCorrection, with_prior_correction
from tfx_balance.core.calibration import fit_temperature, log_loss_and_ece
from tfx_balance.core.common import keys

from .test_prior import write_plan


def test_known_scores_give_the_known_temperature():
    # Two classes, every example scored [0.2, 0.8], 70% class 1: sigmoid(log(4) / T) = 0.7.
    t = fit_temperature(np.log([[0.2, 0.8]] * 10), [1] * 7 + [0] * 3)
    assert t == pytest.approx(math.log(4) / math.log(0.7 / 0.3), rel=1e-9)
    # Over-confident three-class logits: labels drawn from softmax(z / 2) give T close to 2.
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(20000, 3))
    q = np.exp(z / 2) / np.exp(z / 2).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in q])
    assert fit_temperature(z, labels) == pytest.approx(2.0, abs=0.05)
    assert fit_temperature(z, np.zeros(len(z), int)) == 1.0  # one label only: left alone


def test_softmax_refit_fits_a_temperature_after_the_prior_correction():
    correction = PriorCorrection('softmax', (0.9, 0.1), (0.5, 0.5))
    # Corrected, a [0.5, 0.5] score is [0.9, 0.1]; on the eval split class 0 is right 80% of the
    # time, so the temperature is log(9) / log(4) and the served score [0.8, 0.2].
    scores = np.array([[0.5, 0.5]] * 10)
    refitted = correction.refit(scores, [0] * 8 + [1] * 2)
    assert refitted.temperature == pytest.approx(math.log(9) / math.log(4), rel=1e-9)
    assert refitted.apply_numpy([[0.5, 0.5]]) == pytest.approx(np.array([[0.8, 0.2]]))
    served = np.asarray(refitted.apply(np.float32([[0.5, 0.5], [0.3, 0.7]])))
    assert served == pytest.approx(refitted.apply_numpy([[0.5, 0.5], [0.3, 0.7]]), abs=1e-6)
    assert refitted.to_json()['temperature'] == refitted.temperature
    assert 'temperature' not in correction.to_json()  # not refitted: the json as before
    # The fit lowers the eval split's log loss (never raises it).
    before = log_loss_and_ece(correction.apply_numpy(scores), [0] * 8 + [1] * 2)[0]
    after = log_loss_and_ece(refitted.apply_numpy(scores), [0] * 8 + [1] * 2)[0]
    assert after < before


def test_served_model_refitted_on_the_eval_split(tmp_path):
    import tensorflow as tf
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(2,), name='x')
    dense = keras.layers.Dense(2, activation='softmax')
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.eye(2, dtype=np.float32), np.zeros(2, np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='x')])
    def serve(x):
        return {'outputs': model(x)}

    files = write_plan(
        str(tmp_path / 'plan'), make_plan('train', 'label', 0, {0: 50, 1: 50}), {'0': 90, '1': 10}
    )
    eval_x = np.float32([[0.0, 0.0]] * 8 + [[1.0, 0.0]] * 2)
    refit_on = (model(eval_x).numpy(), [0] * 6 + [1] * 2 + [0, 0])
    path = str(tmp_path / 'model')
    signatures = with_prior_correction({'serving_default': serve}, files, refit_on=refit_on)
    model.save(path, save_format='tf', signatures=signatures)
    served = tf.saved_model.load(path).signatures['serving_default']
    x = np.float32([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    out = {k: v.numpy() for k, v in served(x=tf.constant(x)).items()}
    expected = PriorCorrection('softmax', (0.9, 0.1), (0.5, 0.5)).refit(*refit_on)
    assert expected.temperature != 1.0
    assert out[keys.PROBABILITIES] == pytest.approx(expected.apply_numpy(model(x)), abs=1e-6)
    assert out[keys.BALANCED_PROBABILITIES] == pytest.approx(model(x).numpy())
