"""The prior correction: known frequencies in, known probabilities out; the served outputs."""

import json
import os

import numpy as np
import pytest

from tfx_balance.core.balanced_input_gen import make_plan, plans_to_json
from tfx_balance.core.balanced_input_gen.plan import make_multilabel_plan
from tfx_balance.core.balanced_input_gen.prior import (
    PriorCorrection,
    prior_correction,
    with_prior_correction,
)
from tfx_balance.core.calibration import log_loss_and_ece
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError


def write_plan(root, plan, data_counts=None):
    """``balance_plan.json`` of ``plan`` under ``root``, and the files it names (empty: only the
    counts matter here); returns the Trainer's file pattern."""
    import tensorflow as tf

    split_dir = os.path.join(root, 'Split-train')
    os.makedirs(split_dir, exist_ok=True)
    for name in (f for files in plan.files for f in files):
        tf.io.TFRecordWriter(os.path.join(split_dir, name), 'GZIP').close()
    doc = plans_to_json([plan], (), {'train': data_counts} if data_counts else None)
    with open(os.path.join(root, keys.BALANCE_PLAN_FILE), 'w') as f:
        json.dump(doc, f)
    return os.path.join(split_dir, '*')


def test_softmax_correction_reweights_by_data_over_trained_frequency():
    correction = PriorCorrection('softmax', (0.9, 0.1), (0.5, 0.5))
    assert correction.factors == pytest.approx((1.8, 0.2))
    # 0.5 * 1.8 : 0.5 * 0.2, renormalised; 0.1 * 1.8 : 0.9 * 0.2 = 0.18 : 0.18.
    assert correction.apply_numpy([[0.5, 0.5], [0.1, 0.9]]) == pytest.approx(
        np.array([[0.9, 0.1], [0.5, 0.5]])
    )
    assert np.asarray(correction.apply(np.float32([[0.5, 0.5]]))) == pytest.approx(
        np.array([[0.9, 0.1]])
    )


def test_sigmoid_correction_reweights_each_labels_odds():
    correction = PriorCorrection('sigmoid', (0.1, 0.5), (0.5, 0.5))
    # label 0: odds 1 x (0.1/0.9) / (0.5/0.5) = 1/9 -> 0.1; label 1 unchanged.
    assert correction.apply_numpy([[0.5, 0.7]]) == pytest.approx(np.array([[0.1, 0.7]]))
    assert np.asarray(correction.apply(np.float32([[0.5, 0.7]]))) == pytest.approx(
        np.array([[0.1, 0.7]])
    )


@pytest.mark.parametrize(
    'kind, ops',
    [('softmax', ['Mul', 'Sum', 'DivNoNan']), ('sigmoid', ['Mul', 'Sub', 'AddV2', 'DivNoNan'])],
)
def test_served_correction_is_a_few_elementwise_ops_and_keeps_a_zero_row_zero(kind, ops):
    import tensorflow as tf

    correction = PriorCorrection(kind, (0.9, 0.1), (0.5, 0.5))
    graph = (
        tf.function(correction.apply)
        .get_concrete_function(tf.TensorSpec([None, 2], tf.float32))
        .graph
    )
    computed = [
        op.type
        for op in graph.get_operations()
        if op.type not in ('Placeholder', 'Const', 'Identity')
    ]
    assert sorted(computed) == sorted(ops)
    zero_row = np.float32([[0.0, 0.0]])
    assert np.asarray(correction.apply(zero_row)).tolist() == [[0.0, 0.0]]
    assert correction.apply_numpy(zero_row).tolist() == [[0.0, 0.0]]


def test_plan_gives_uniform_trained_and_pre_augmentation_data_frequencies(tmp_path):
    # Laid out after augmentation and a Transform: class ids 0..2, 100 each; the data before
    # augmentation named the classes by their raw value: a 80 / b 15 / c 5.
    plan = make_plan('train', 'label', 0, {0: 100, 1: 100, 2: 100})
    files = write_plan(str(tmp_path), plan, {'a': 80, 'b': 15, 'c': 5})
    correction = prior_correction(files, class_names=['a', 'b', 'c'])
    assert correction.kind == 'softmax'
    assert correction.data_frequencies == pytest.approx((0.8, 0.15, 0.05))
    assert correction.trained_frequencies == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert correction.apply_numpy([[1 / 3, 1 / 3, 1 / 3]]) == pytest.approx(
        np.array([[0.8, 0.15, 0.05]])
    )
    weighted = prior_correction(files, weights={0: 2, 1: 1, 2: 1}, class_names=['a', 'b', 'c'])
    assert weighted.trained_frequencies == pytest.approx((0.5, 0.25, 0.25))


def test_without_recorded_data_counts_the_laid_out_counts_are_the_data(tmp_path):
    plan = make_plan('train', 'label', 0, {0: 30, 1: 10})
    correction = prior_correction(write_plan(str(tmp_path), plan))
    assert correction.data_frequencies == pytest.approx((0.75, 0.25))


def test_a_data_class_without_a_score_position_is_named(tmp_path):
    plan = make_plan('train', 'label', 0, {0: 10, 1: 10})
    files = write_plan(str(tmp_path), plan, {'Cash': 5, 'Card': 5})
    with pytest.raises(DataError, match="'Card'.*class_names"):
        prior_correction(files)


def test_multi_label_plan_gives_label_frequencies_in_data_and_stream(tmp_path):
    rows = [[0]] * 8 + [[1]] * 2 + [[0, 1]] * 2 + [[]] * 8  # 20 examples
    plan = make_multilabel_plan('train', 'tags', 0, 'ids', [0, 1], rows)
    correction = prior_correction(write_plan(str(tmp_path), plan))
    assert correction.kind == 'sigmoid'
    assert correction.data_frequencies == pytest.approx((10 / 20, 4 / 20))
    assert correction.trained_frequencies == pytest.approx(tuple(plan.expected_frequencies()))


def test_served_model_outputs_probabilities_and_balanced_probabilities(tmp_path):
    import tensorflow as tf
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(2,), name='x')
    dense = keras.layers.Dense(2, activation='softmax')
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.eye(2, dtype=np.float32), np.zeros(2, np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='x')])
    def serve(x):
        return {'outputs': model(x)}

    plan = make_plan('train', 'label', 0, {0: 50, 1: 50})
    files = write_plan(str(tmp_path / 'plan'), plan, {'0': 90, '1': 10})
    path = str(tmp_path / 'model')
    model.save(
        path, save_format='tf', signatures=with_prior_correction({'serving_default': serve}, files)
    )
    served = tf.saved_model.load(path).signatures['serving_default']
    assert set(served.structured_outputs) == {keys.PROBABILITIES, keys.BALANCED_PROBABILITIES}
    x = np.float32([[0.0, 0.0], [1.0, 0.0]])
    out = {k: v.numpy() for k, v in served(x=tf.constant(x)).items()}
    own = model(x).numpy()
    assert out[keys.BALANCED_PROBABILITIES] == pytest.approx(own)
    expected = PriorCorrection('softmax', (0.9, 0.1), (0.5, 0.5)).apply_numpy(own)
    assert out[keys.PROBABILITIES] == pytest.approx(expected, abs=1e-6)
    assert out[keys.PROBABILITIES][0] == pytest.approx([0.9, 0.1], abs=1e-6)

    baseline = with_prior_correction({'serving_default': serve}, None)['serving_default']
    same = baseline(tf.constant(x))
    assert same[keys.PROBABILITIES].numpy() == pytest.approx(own)


def test_log_loss_and_ece_of_known_scores():
    loss, ece = log_loss_and_ece([[0.9, 0.1], [0.6, 0.4]], [0, 1], bins=2)
    assert loss == pytest.approx((-np.log(0.9) - np.log(0.4)) / 2)
    assert ece == pytest.approx(0.25)  # one bin: mean confidence 0.75, accuracy 0.5
    loss, ece = log_loss_and_ece([[0.5, 0.0]], [[1, 0]], bins=2)
    assert ece == pytest.approx(0.5 * 0.5 + 0.5 * 0.0)  # bin 1: 0.5 vs 1; bin 0: ~0 vs 0


def test_refit_scales_each_labels_log_odds_to_the_eval_data():
    correction = PriorCorrection('sigmoid', (0.5, 0.5), (0.5, 0.5))
    # Label 0: scores 0.5 and 0.9, positive 20% and 60% of the time; label 1: never positive.
    scores = np.array([[0.5, 0.5]] * 500 + [[0.9, 0.5]] * 500)
    labels = np.array([[1, 0]] * 100 + [[0, 0]] * 400 + [[1, 0]] * 300 + [[0, 0]] * 200)
    refitted = correction.refit(scores, labels)
    q = refitted.apply_numpy([[0.5, 0.5], [0.9, 0.5]])
    assert q[:, 0] == pytest.approx([0.2, 0.6], abs=0.01)  # Platt: both points fitted
    assert (refitted.refit_slopes[1], refitted.refit_biases[1]) == (1.0, 0.0)  # left alone
    assert q[:, 1] == pytest.approx([0.5, 0.5])
    served = np.asarray(refitted.apply(np.float32([[0.5, 0.5], [0.9, 0.5]])))
    assert served == pytest.approx(q, abs=1e-5)
    rare = correction.refit(np.full((1000, 2), 0.5), [[1, 1]] + [[0, 1]] * 999)
    assert rare.refit_biases[0] == -3.0  # clipped
