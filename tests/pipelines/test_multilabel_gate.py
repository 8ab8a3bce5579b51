"""The multi-label sample's model gate cannot be passed by predicting every label (issue 41).

A real TFMA run (``tfma.run_model_analysis``, the Evaluator's path) of the sample's own EvalConfig
(``pipelines.common.pipeline.eval_config(SAMPLE)``) on the labels of the sample's seed-0 tiles:
the candidate is a saved model that scores every label 0.99 on every example, the baseline one
that scores every label 0.01. The sample's old gate (macro recall over the labels >= 0.66 and
>= the baseline's + 0.03) blesses the candidate: its recall is 1.0 for every label. The sample's
gate on macro F1 refuses it: a label on a share p of the tiles gets F1 2p / (1 + p).
"""

import dataclasses
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.support.examples import example

OLD_MIN_MACRO_RECALL, OLD_MIN_IMPROVEMENT = 0.66, 0.03  # the sample's gate before issue 41


def save_constant_model(path: str, score: float) -> str:
    """A model serving serialized tf.Examples that scores every one of the 10 labels ``score``
    (both outputs the sample's gate reads: the decision and the served probabilities)."""
    from tfx_balance.core.common import keys

    class Constant(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='examples')])
        def serve(self, serialized):
            scores = tf.fill([tf.shape(serialized)[0], 10], score)
            return {keys.PROBABILITIES: scores, keys.BALANCED_PROBABILITIES: scores}

    model = Constant()
    tf.saved_model.save(model, path, signatures={'serving_default': model.serve})
    return path


def failures(validation) -> set:
    return {
        (m.metric_key.name, m.metric_key.is_diff)
        for per_slice in validation.metric_validations_per_slice
        for m in per_slice.failures
    }


def evaluate(root: str, data: str, sample, name: str):
    """TFMA of the sample's EvalConfig (balanced: every label, baseline: none) on ``data``."""
    import tensorflow_model_analysis as tfma

    from pipelines.common.pipeline import eval_config
    from pipelines.common.summary import BALANCED_MODEL, BASELINE_MODEL

    config = eval_config(sample)
    models = [
        tfma.default_eval_shared_model(
            os.path.join(root, 'models', model), eval_config=config, model_name=model_name
        )
        for model_name, model in ((BALANCED_MODEL, 'every'), (BASELINE_MODEL, 'none'))
    ]
    out = os.path.join(root, name)
    tfma.run_model_analysis(
        eval_shared_model=models, eval_config=config, data_location=data, output_path=out
    )
    values = {}
    for per_slice in tfma.load_metrics(out):
        for entry in per_slice.metric_keys_and_values:
            if entry.value.WhichOneof('type') == 'double_value':
                key = (entry.key.model_name, entry.key.is_diff, entry.key.name)
                values[key] = entry.value.double_value.value
    return values, tfma.load_validation_result(out)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    from sklearn.datasets import load_digits

    from pipelines.multilabel import dataset
    from pipelines.multilabel.pipeline import SAMPLE

    root = str(tmp_path_factory.mktemp('multilabel-gate'))
    digits = load_digits()
    _, labels = dataset.make_tiles(digits.images, digits.target, seed=0)
    data = os.path.join(root, 'labels.tfrecord')
    with tf.io.TFRecordWriter(data) as writer:
        for hot in labels:
            writer.write(example(**{dataset.LABEL_FEATURE: hot.tolist()}))
    save_constant_model(os.path.join(root, 'models', 'every'), 0.99)
    save_constant_model(os.path.join(root, 'models', 'none'), 0.01)
    old = dataclasses.replace(
        SAMPLE,
        min_macro_recall=OLD_MIN_MACRO_RECALL,
        min_improvement=OLD_MIN_IMPROVEMENT,
        min_macro_f1=None,
        min_f1_improvement=None,
    )
    return {
        'labels': labels,
        'new': evaluate(root, data, SAMPLE, 'new-gate'),
        'old': evaluate(root, data, old, 'old-gate'),
    }


def test_predicting_every_label_has_recall_one_and_the_f1_of_the_label_shares(runs):
    labels = runs['labels']
    values, _ = runs['new']
    shares = labels.sum(axis=0) / len(labels)
    assert values[('balanced', False, 'macro_label_recall')] == 1.0
    assert values[('balanced', False, 'macro_label_f1')] == pytest.approx(
        np.mean(2 * shares / (1 + shares)), abs=1e-9
    )
    for k, share in enumerate(shares):
        assert values[('balanced', False, f'precision/{k}')] == pytest.approx(share, abs=1e-9)
        assert values[('balanced', False, f'f1/{k}')] == pytest.approx(
            2 * share / (1 + share), abs=1e-9
        )
    assert values[('baseline', False, 'macro_label_f1')] == 0.0


def test_the_old_recall_gate_blesses_a_model_that_predicts_every_label(runs):
    values, validation = runs['old']
    failed = failures(validation)
    assert not {key for key in failed if key[0].startswith('macro_label_recall')}, failed
    # Even on the 95% bounds of macro label recall (SAMPLE.confidence).
    assert values[('balanced', False, 'macro_label_recall_lower_95')] >= OLD_MIN_MACRO_RECALL
    assert values[('balanced', False, 'macro_label_recall_improvement_lower_95')] >= 0.9


def test_the_samples_gate_refuses_a_model_that_predicts_every_label(runs):
    from pipelines.multilabel.pipeline import MIN_MACRO_F1

    values, validation = runs['new']
    assert values[('balanced', False, 'macro_label_f1')] < MIN_MACRO_F1 - 0.1
    assert not validation.validation_ok
    # The gate is on the 95% lower bound (SAMPLE.confidence); the paired gain over a baseline
    # that predicts nothing passes (the calibration gate refuses the constant scores too).
    failed = {name for name, _ in failures(validation)}
    assert failed - {'expected_calibration_error', 'log_loss_increase_lower_95'} == {
        'macro_label_f1_lower_95'
    }
    assert values[('balanced', False, 'macro_label_f1_lower_95')] < MIN_MACRO_F1 - 0.1
