"""The multi-label gate on real models: ``tfma.run_model_analysis`` (the Evaluator's TFMA path)
with ``balanced_eval_config(multi_label='multi_hot')``, a candidate and a baseline, two tiny fixed-weight
Keras models with sigmoid outputs that serve serialized tf.Examples.

The baseline never predicts the rare label 2. The balanced model passes the absolute gates and beats
the baseline's macro label recall by more than ``min_improvement``: TFMA validates it. With the
roles swapped, every gate refuses. A third model predicts every label on every example: the recall
gates bless it (recall 1.0 for every label), the macro-F1 gate refuses it.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
from sklearn.metrics import f1_score, recall_score

from tests.metrics import tfma_runs
from tests.support.examples import example

SHARES = [0.5, 0.3, 0.08]  # label 2 is rare
BIASES = {
    'balanced': [0.0, 0.0, 0.0],
    'baseline': [0.0, 0.0, -100.0],
    'every': [100.0, 100.0, 100.0],  # predicts every label on every example
}
RECALL_GATE = {'min_macro_recall': 0.8, 'min_label_recall': 0.5, 'min_improvement': 0.1}
F1_GATE = {'min_macro_f1': 0.6, 'min_f1_improvement': 0.0}


def write_data(path):
    """Multi-hot 'label' and features 'x' = label + noise in [0, 0.3)."""
    rng = np.random.default_rng(0)
    labels = (rng.random((200, 3)) < SHARES).astype(np.int64)
    labels[0, 2] = 1  # at least one rare example whatever the draw
    x = (labels + rng.uniform(0, 0.3, size=labels.shape)).astype(np.float32)
    with tf.io.TFRecordWriter(path) as writer:
        for label, features in zip(labels, x):
            writer.write(example(label=label.tolist(), x=features.tolist()))
    return labels, x


def sigmoid_scores(x, bias):
    return 1 / (1 + np.exp(-(10.0 * (x - 0.5) + np.asarray(bias))))


def save_model(path, bias):
    """sigmoid(10 (x - 0.5) + bias) per label, serving serialized tf.Examples."""
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(3,), name='x')
    dense = keras.layers.Dense(3, activation='sigmoid')
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([10.0 * np.eye(3, dtype=np.float32), np.asarray(bias, np.float32) - 5.0])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='examples')])
    def serve(serialized):
        x = tf.io.parse_example(serialized, {'x': tf.io.FixedLenFeature([3], tf.float32)})['x']
        return {'outputs': model(x)}

    model.save(path, save_format='tf', signatures={'serving_default': serve})
    return path


def analyse(root, data, candidate, baseline, gate=None):
    import tensorflow_model_analysis as tfma

    from tfx_balance import balanced_eval_config

    gate = gate or RECALL_GATE
    config = balanced_eval_config(
        'label',
        multi_label='multi_hot',
        num_labels=3,
        baseline_model_name='baseline',
        signature_name='serving_default',
        **gate,
    )
    models = [
        tfma.default_eval_shared_model(
            os.path.join(root, 'models', model), eval_config=config, model_name=name
        )
        for name, model in (('candidate', candidate), ('baseline', baseline))
    ]
    out = os.path.join(root, f'evaluation-{candidate}-{"-".join(gate)}')
    tfma.run_model_analysis(
        eval_shared_model=models, eval_config=config, data_location=data, output_path=out
    )
    return tfma_runs.metric_values(out), tfma.load_validation_result(out)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('multi-label-gate'))
    data = os.path.join(root, 'data.tfrecord')
    labels, x = write_data(data)
    for name, bias in BIASES.items():
        save_model(os.path.join(root, 'models', name), bias)
    return {
        'labels': labels,
        'x': x,
        'blessed': analyse(root, data, 'balanced', 'baseline'),
        'refused': analyse(root, data, 'baseline', 'balanced'),
        'every, recall gate': analyse(root, data, 'every', 'baseline'),
        'every, F1 gate': analyse(root, data, 'every', 'baseline', F1_GATE),
    }


def failures(validation):
    return {
        (m.metric_key.name, m.metric_key.is_diff)
        for per_slice in validation.metric_validations_per_slice
        for m in per_slice.failures
    }


def test_metrics_of_both_models_equal_sklearn(runs):
    labels = runs['labels']
    values, _ = runs['blessed']
    for model, name in (('candidate', 'balanced'), ('baseline', 'baseline')):
        predicted = (sigmoid_scores(runs['x'], BIASES[name]) >= 0.5).astype(np.int64)
        recall = recall_score(labels, predicted, average=None, zero_division=0)
        got = {k: v for (m, _, diff, k), v in values.items() if m == model and not diff}
        assert [got[f'recall/{i}'] for i in range(3)] == pytest.approx(recall.tolist(), abs=1e-6)
        assert got['macro_label_recall'] == pytest.approx(recall.mean(), abs=1e-6)
        assert got['macro_label_f1'] == pytest.approx(
            f1_score(labels, predicted, average='macro', zero_division=0), abs=1e-6
        )
        assert got['min_label_recall'] == pytest.approx(recall.min(), abs=1e-6)
    assert values[('baseline', False, False, 'recall/2')] == 0.0
    assert values[('candidate', False, False, 'recall/2')] == 1.0


def test_balanced_candidate_beating_the_baseline_is_validated(runs):
    values, validation = runs['blessed']
    assert validation.validation_ok, validation
    diff = values[('candidate', False, True, 'macro_label_recall')]
    assert diff == pytest.approx(
        values[('candidate', False, False, 'macro_label_recall')]
        - values[('baseline', False, False, 'macro_label_recall')]
    )
    assert diff > 0.1


def test_candidate_that_never_predicts_the_rare_label_is_refused_by_every_gate(runs):
    _, validation = runs['refused']
    assert not validation.validation_ok
    assert failures(validation) == {
        ('macro_label_recall', False),
        ('min_label_recall', False),
        ('macro_label_recall', True),
    }


def test_a_model_predicting_every_label_passes_the_recall_gates_and_fails_the_f1_gate(runs):
    labels = runs['labels']
    values, validation = runs['every, recall gate']
    assert values[('candidate', False, False, 'macro_label_recall')] == 1.0
    assert validation.validation_ok, validation  # recall alone blesses it
    values, validation = runs['every, F1 gate']
    shares = labels.mean(axis=0)
    every_f1 = values[('candidate', False, False, 'macro_label_f1')]
    assert every_f1 == pytest.approx(np.mean(2 * shares / (1 + shares)), abs=1e-9)
    assert values[('baseline', False, False, 'macro_label_f1')] == pytest.approx(2 / 3, abs=1e-9)
    assert not validation.validation_ok
    assert failures(validation) == {('macro_label_f1', False), ('macro_label_f1', True)}
