"""The calibration gate under LocalDagRunner: TFX's Evaluator with
``balanced_eval_config(calibration=CalibrationGate(...))`` on served models with the two outputs
``probabilities`` and ``balanced_probabilities`` (``with_probabilities`` of
``tfx_balance.core.balanced_input_gen.prior``, which ``tfx_balance.with_prior_correction`` calls).

All three models share one network (softmax(10 x) over 3 classes: every decision right), so the
macro recall of ``balanced_probabilities`` ties and the recall gate (no worse than the baseline)
passes for both candidates. The calibrated candidate's ``probabilities`` are its own scores; the
miscalibrated one's are re-weighted towards the rare class 2 (factors 0.001 : 0.001 : 998), so its ECE
and log loss are far above the baseline's: it is not blessed and its Pusher ships nothing.

With ``confidence=0.95`` the log loss bound applies to the lower bound of the paired increase over
the baseline (``log_loss_increase_lower_95``: the increase the data show): 0 for the calibrated
twin of the baseline, far above 0.02 for the miscalibrated one.
"""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.metrics.test_gate_pipeline import import_data_and_models, write_data
from tfx_balance.core.common import keys

pytestmark = pytest.mark.e2e


def save_model(path, correction):
    import tf_keras as keras

    from tfx_balance.core.balanced_input_gen.prior import with_probabilities

    inputs = keras.layers.Input(shape=(3,), name='x')
    dense = keras.layers.Dense(3, activation='softmax')
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([10.0 * np.eye(3, dtype=np.float32), np.zeros(3, np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='examples')])
    def serve(serialized):
        x = tf.io.parse_example(serialized, {'x': tf.io.FixedLenFeature([3], tf.float32)})['x']
        return {'outputs': model(x)}

    signatures = with_probabilities({'serving_default': serve}, correction)
    model.save(os.path.join(path, 'Format-Serving'), save_format='tf', signatures=signatures)
    return path


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import balanced_eval_config
    from tfx_balance.core.balanced_input_gen.prior import PriorCorrection
    from tfx_balance.metrics import CalibrationGate

    root = str(tmp_path_factory.mktemp('calibration_gate'))
    write_data(os.path.join(root, 'data'))
    skewed = PriorCorrection('softmax', (0.001, 0.001, 0.998), (1.0, 1.0, 0.001))
    models = {
        'baseline': save_model(os.path.join(root, 'models', 'baseline'), None),
        'calibrated': save_model(os.path.join(root, 'models', 'calibrated'), None),
        'miscalibrated': save_model(os.path.join(root, 'models', 'miscalibrated'), skewed),
    }
    example_gen, imported = import_data_and_models(root, models)
    config = balanced_eval_config(
        'label',
        num_classes=3,
        signature_name='serving_default',
        min_improvement=0.0,
        baseline_model_name='baseline',
        calibration=CalibrationGate(max_ece_increase=0.01, max_log_loss_increase=0.02),
    )
    interval_config = balanced_eval_config(
        'label',
        num_classes=3,
        signature_name='serving_default',
        baseline_model_name='baseline',
        calibration=CalibrationGate(max_ece_increase=0.01, max_log_loss_increase=0.02),
        confidence=0.95,
    )
    components = [example_gen, *imported.values()]
    for name in ('calibrated', 'miscalibrated'):
        for evaluator_id, eval_config in (
            ('Evaluator', config),
            ('IntervalEvaluator', interval_config),
        ):
            components.append(
                tfx.components.Evaluator(
                    examples=example_gen.outputs['examples'],
                    model=imported[name].outputs['result'],
                    baseline_model=imported['baseline'].outputs['result'],
                    eval_config=eval_config,
                ).with_id(f'{evaluator_id}-{name}')
            )
        evaluator = components[-2]
        pusher = tfx.components.Pusher(
            model=imported[name].outputs['result'],
            model_blessing=evaluator.outputs['blessing'],
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(
                    base_directory=os.path.join(root, 'serving', name)
                )
            ),
        ).with_id(f'Pusher-{name}')
        components += [evaluator, pusher]
    run_local('calibration_gate', root, components)
    return root


def output(root, component_id, key):
    (path,) = glob.glob(os.path.join(root, 'pipeline_root', component_id, key, '*'))
    return path


def failures(evaluation):
    import tensorflow_model_analysis as tfma

    validation = tfma.load_validation_result(evaluation)
    return {
        (f.metric_key.output_name, f.metric_key.name)
        for per_slice in validation.metric_validations_per_slice
        for f in per_slice.failures
    }


def test_calibrated_candidate_is_blessed_and_pushed(run):
    evaluation = output(run, 'Evaluator-calibrated', 'evaluation')
    assert failures(evaluation) == set()
    assert os.path.exists(os.path.join(output(run, 'Evaluator-calibrated', 'blessing'), 'BLESSED'))
    assert os.listdir(os.path.join(run, 'serving', 'calibrated'))


def test_miscalibrated_candidate_is_not_blessed_on_calibration_alone(run):
    evaluation = output(run, 'Evaluator-miscalibrated', 'evaluation')
    assert failures(evaluation) == {
        (keys.PROBABILITIES, keys.EXPECTED_CALIBRATION_ERROR),
        (keys.PROBABILITIES, keys.LOG_LOSS),
    }
    blessing = output(run, 'Evaluator-miscalibrated', 'blessing')
    assert os.path.exists(os.path.join(blessing, 'NOT_BLESSED'))
    assert not os.path.exists(os.path.join(run, 'serving', 'miscalibrated'))


def test_interval_gate_bounds_the_paired_log_loss_increase(run):
    import tensorflow_model_analysis as tfma

    calibrated = output(run, 'IntervalEvaluator-calibrated', 'evaluation')
    assert failures(calibrated) == set()
    values = dict(tfma.load_eval_result(calibrated, model_name='candidate').slicing_metrics)[()]
    increase = values[keys.PROBABILITIES]['']
    assert increase['log_loss_increase_lower_95']['doubleValue'] == 0.0  # the baseline's twin
    assert increase['log_loss_increase_upper_95']['doubleValue'] == 0.0
    miscalibrated = output(run, 'IntervalEvaluator-miscalibrated', 'evaluation')
    assert failures(miscalibrated) == {
        (keys.PROBABILITIES, keys.EXPECTED_CALIBRATION_ERROR),
        (keys.PROBABILITIES, 'log_loss_increase_lower_95'),
    }
