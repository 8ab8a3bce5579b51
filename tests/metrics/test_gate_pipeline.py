"""The balanced model gate under LocalDagRunner: Evaluator (with balanced_eval_config) and Pusher,
on two tiny fixed-weight Keras models imported as Model artifacts.

The baseline never predicts the rare class 2: its own gate (macro recall and min class recall)
does not bless it and its Pusher ships nothing. The balanced model passes the absolute gate and
beats the baseline (the Evaluator's baseline_model) by more than ``min_improvement``: it is blessed
and pushed.

With ``confidence=0.95`` the same gates apply to lower bounds. ImportExampleGen's default 2:1 hash
split leaves 4 examples of the rare class in 'eval': the paired improvement's interval, about
[+0.05, +0.45] around +1/3, clears +0.02 (IntervalEvaluator) but not +0.1
(StrictIntervalEvaluator), which the point estimate would; its verdict says the data cannot decide.
"""

import base64
import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.support.examples import example

pytestmark = pytest.mark.e2e
COUNTS = {0: 60, 1: 30, 2: 10}  # class 2 is rare
INTERVAL_GATES = {'IntervalEvaluator': 0.02, 'StrictIntervalEvaluator': 0.1}  # min_improvement


def write_data(folder):
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    with tf.io.TFRecordWriter(os.path.join(folder, 'data.tfrecord')) as writer:
        for label, count in COUNTS.items():
            for _ in range(count):
                x = np.eye(3)[label] + rng.uniform(0, 0.3, size=3)
                writer.write(example(label=label, x=[float(v) for v in x]))


def save_model(path, bias):
    """softmax(10 x + bias) over 3 classes, serving serialized tf.Examples."""
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(3,), name='x')
    dense = keras.layers.Dense(3, activation='softmax')
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([10.0 * np.eye(3, dtype=np.float32), np.asarray(bias, np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='examples')])
    def serve(serialized):
        x = tf.io.parse_example(serialized, {'x': tf.io.FixedLenFeature([3], tf.float32)})['x']
        return {'outputs': model(x)}

    model.save(
        os.path.join(path, 'Format-Serving'),
        save_format='tf',
        signatures={'serving_default': serve},
    )
    return path


def import_data_and_models(root, models):
    """ImportExampleGen of ``<root>/data`` (one split, 'eval') and an Importer per model folder
    (``{name: uri}``); returns ``(example_gen, {name: importer})``."""
    from tfx import v1 as tfx

    example_gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name='eval', pattern='*')]),
    )
    imported = {
        name: tfx.dsl.Importer(
            source_uri=uri, artifact_type=tfx.types.standard_artifacts.Model
        ).with_id(f'Import-{name}')
        for name, uri in models.items()
    }
    return example_gen, imported


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import balanced_eval_config

    root = str(tmp_path_factory.mktemp('gate'))
    write_data(os.path.join(root, 'data'))
    models = {
        'balanced': save_model(os.path.join(root, 'models', 'balanced'), [0.0, 0.0, 0.0]),
        'baseline': save_model(os.path.join(root, 'models', 'baseline'), [0.0, 0.0, -100.0]),
    }
    example_gen, imported = import_data_and_models(root, models)
    gate = {'label_key': 'label', 'num_classes': 3, 'signature_name': 'serving_default'}
    baseline_evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs['examples'],
        model=imported['baseline'].outputs['result'],
        eval_config=balanced_eval_config(**gate, min_macro_recall=0.8, min_class_recall=0.5),
    ).with_id('BaselineEvaluator')
    evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs['examples'],
        model=imported['balanced'].outputs['result'],
        baseline_model=imported['baseline'].outputs['result'],
        eval_config=balanced_eval_config(
            **gate, min_macro_recall=0.8, min_improvement=0.1, baseline_model_name='baseline'
        ),
    )

    interval_evaluators = [
        tfx.components.Evaluator(
            examples=example_gen.outputs['examples'],
            model=imported['balanced'].outputs['result'],
            baseline_model=imported['baseline'].outputs['result'],
            eval_config=balanced_eval_config(
                **gate,
                min_macro_recall=0.8,
                min_class_recall=0.3,
                min_improvement=improvement,
                baseline_model_name='baseline',
                confidence=0.95,
            ),
        ).with_id(component_id)
        for component_id, improvement in INTERVAL_GATES.items()
    ]

    def pusher(model, blessing, name):
        return tfx.components.Pusher(
            model=model,
            model_blessing=blessing,
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(
                    base_directory=os.path.join(root, 'serving', name)
                )
            ),
        )

    components = [
        example_gen,
        *imported.values(),
        baseline_evaluator,
        evaluator,
        *interval_evaluators,
        pusher(
            imported['baseline'].outputs['result'],
            baseline_evaluator.outputs['blessing'],
            'baseline',
        ).with_id('BaselinePusher'),
        pusher(imported['balanced'].outputs['result'], evaluator.outputs['blessing'], 'balanced'),
    ]
    run_local('gate', root, components)
    return root


def output(root, component_id, key):
    (path,) = glob.glob(os.path.join(root, 'pipeline_root', component_id, key, '*'))
    return path


def metrics(evaluation_dir, model_name):
    import tensorflow_model_analysis as tfma

    result = tfma.load_eval_result(evaluation_dir, model_name=model_name)
    values = dict(result.slicing_metrics)[()]['']['']
    return {k: v['doubleValue'] for k, v in values.items() if 'doubleValue' in v}


def test_baseline_that_never_predicts_the_rare_class_is_not_blessed(run):
    import tensorflow_model_analysis as tfma

    blessing = output(run, 'BaselineEvaluator', 'blessing')
    assert os.path.exists(os.path.join(blessing, 'NOT_BLESSED'))
    values = metrics(output(run, 'BaselineEvaluator', 'evaluation'), None)
    assert values['recall/2'] == 0.0 and values['min_class_recall'] == 0.0
    assert values['macro_recall'] == pytest.approx(2 / 3)
    validation = tfma.load_validation_result(output(run, 'BaselineEvaluator', 'evaluation'))
    assert not validation.validation_ok
    failing = {
        m.metric_key.name
        for per_slice in validation.metric_validations_per_slice
        for m in per_slice.failures
    }
    assert failing == {'macro_recall', 'min_class_recall'}
    assert not os.path.exists(os.path.join(run, 'serving', 'baseline'))


def test_balanced_model_is_blessed_and_pushed(run):
    import tensorflow_model_analysis as tfma

    assert os.path.exists(os.path.join(output(run, 'Evaluator', 'blessing'), 'BLESSED'))
    evaluation = output(run, 'Evaluator', 'evaluation')
    assert tfma.load_validation_result(evaluation).validation_ok
    balanced = metrics(evaluation, 'candidate')
    baseline = metrics(evaluation, 'baseline')
    assert balanced['recall/2'] == 1.0 and balanced['macro_recall'] == 1.0
    assert baseline['macro_recall'] == pytest.approx(2 / 3)
    (version,) = os.listdir(os.path.join(run, 'serving', 'balanced'))
    assert os.path.exists(os.path.join(run, 'serving', 'balanced', version, 'saved_model.pb'))


def failures(evaluation):
    import tensorflow_model_analysis as tfma

    validation = tfma.load_validation_result(evaluation)
    found = {
        m.metric_key.name: m.metric_value.double_value.value
        for per_slice in validation.metric_validations_per_slice
        for m in per_slice.failures
    }
    return validation.validation_ok, found


def test_interval_gate_blesses_a_gain_its_lower_bound_clears(run):
    evaluation = output(run, 'IntervalEvaluator', 'evaluation')
    assert os.path.exists(os.path.join(output(run, 'IntervalEvaluator', 'blessing'), 'BLESSED'))
    assert failures(evaluation) == (True, {})
    values = metrics(evaluation, 'candidate')
    assert 0.02 < values['macro_recall_improvement_lower_95'] < 0.1
    assert values['macro_recall_improvement_upper_95'] > 1 / 3
    assert values['macro_recall_improvement_lower_95/estimate'] == pytest.approx(1 / 3)
    # Every class right: each recall's lower bound is Clopper-Pearson's (alpha/2)^(1/n).
    counts = eval_counts(run)
    assert counts[2] == 4 and sum(counts.values()) < sum(COUNTS.values())
    for cls, count in counts.items():
        assert values[f'recall_lower_95/{cls}'] == pytest.approx(0.025 ** (1 / count))
        assert values[f'recall_upper_95/{cls}'] == 1.0
    assert values['min_class_recall_lower_95'] == pytest.approx(0.025 ** (1 / 4))
    assert 0.8 < values['macro_recall_lower_95'] < values['macro_recall_upper_95'] <= 1.0
    assert 'macro_recall_improvement_lower_95' not in metrics(evaluation, 'baseline')


def test_interval_gate_refuses_a_gain_only_its_point_estimate_clears(run):
    import tensorflow_model_analysis as tfma

    evaluation = output(run, 'StrictIntervalEvaluator', 'evaluation')
    blessing = output(run, 'StrictIntervalEvaluator', 'blessing')
    assert os.path.exists(os.path.join(blessing, 'NOT_BLESSED'))
    ok, failed = failures(evaluation)
    assert not ok and set(failed) == {'macro_recall_improvement_lower_95'}
    assert failed['macro_recall_improvement_lower_95'] < 0.1
    result = tfma.load_eval_result(evaluation, model_name='candidate')
    diagnostics = dict(result.slicing_metrics)[()]['']['']
    verdict = diagnostics['macro_recall_improvement_lower_95/verdict']['bytesValue']
    assert base64.b64decode(verdict).decode().startswith('undecided: the interval [+0.05')
    needed = diagnostics['macro_recall_improvement_lower_95/examples_per_class_needed']
    assert needed['doubleValue'] > 4


def eval_counts(root) -> dict:
    """Examples per class in ImportExampleGen's 'eval' split."""
    counts = {}
    for path in glob.glob(
        os.path.join(output(root, 'ImportExampleGen', 'examples'), 'Split-eval', '*')
    ):
        for record in tf.data.TFRecordDataset(path, compression_type='GZIP'):
            parsed = tf.train.Example.FromString(record.numpy())
            label = parsed.features.feature['label'].int64_list.value[0]
            counts[label] = counts.get(label, 0) + 1
    return counts
