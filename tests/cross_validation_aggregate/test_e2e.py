"""tfx_balance.cross_validation under LocalDagRunner: StratifiedSplitter into 3 folds, 3 fold
Trainers and 3 baseline Trainers (a nearest-centroid model fitted on the other folds; the
baseline never predicts the rare class 2), 3 Evaluators, a Trainer on all folds, and two
CrossValidationAggregates over the same 3 evaluations: the helper's (the EvalConfig's thresholds
on the mean: blessed, pushed) and a strict one (on the lower end of the 95% interval: refused,
nothing pushed). The aggregate is checked against the fold evaluations read back by hand.
"""

import glob
import math
import os
import statistics

import numpy as np
import pytest
import tensorflow as tf

from tests.support.artifacts import read_json
from tests.support.examples import example

pytestmark = pytest.mark.e2e
COUNTS = {0: 30, 1: 18, 2: 9}  # class 2 is rare: 3 examples per fold
FOLDS = ['fold-0', 'fold-1', 'fold-2']
# t(0.975, 2 degrees of freedom), 3 folds: with 2 degrees of freedom t_p = (2p - 1) / sqrt(2p(1 - p))
# exactly. scipy's t.ppf is 4e-11 off it in scipy 1.12 (TFX 1.16), exact in 1.18 (TFX 1.21).
T_975_2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
RUN_FN = 'tests.cross_validation_aggregate.centroid_trainer.run_fn'
MIN_MACRO_RECALL, MIN_IMPROVEMENT = 0.5, 0.1  # the EvalConfig's gate (on the mean)
STRICT_MACRO_RECALL = 0.87  # the strict gate: on the lower end of the 95% interval


def write_data(folder):
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    with tf.io.TFRecordWriter(os.path.join(folder, 'data.tfrecord')) as writer:
        for label, count in COUNTS.items():
            for _ in range(count):
                x = np.eye(3)[label] + rng.normal(0, 0.45, size=3)
                writer.write(example(label=label, x=[float(v) for v in x]))


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    import tensorflow_model_analysis as tfma
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import (
        CrossValidationAggregate,
        StratifiedSplitter,
        balanced_eval_config,
        cross_validation,
    )

    root = str(tmp_path_factory.mktemp('cv'))
    write_data(os.path.join(root, 'data'))
    example_gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name='all', pattern='*')]),
    )
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='label',
        splits={fold: 1 for fold in FOLDS},
        seed=0,
    )
    cv = cross_validation(
        examples=splitter.outputs['examples'],
        trainer_kwargs={'run_fn': RUN_FN},
        baseline_trainer_kwargs={'run_fn': RUN_FN, 'custom_config': {'drop_class': 2}},
        eval_config=balanced_eval_config(
            'label',
            num_classes=3,
            min_macro_recall=MIN_MACRO_RECALL,
            min_improvement=MIN_IMPROVEMENT,
            baseline_model_name='baseline',
            signature_name='serving_default',
            metrics=[tfma.MetricConfig(class_name='ExampleCount')],
        ),
        folds=3,
    )
    strict = CrossValidationAggregate(
        evaluations=[e.outputs['evaluation'] for e in cv.evaluators],
        model=cv.model,
        thresholds={'macro_recall': {'lower_bound': STRICT_MACRO_RECALL}},
        gate_on='interval',
    ).with_id('StrictAggregate')

    def pusher(blessing, name):
        return tfx.components.Pusher(
            model=cv.model,
            model_blessing=blessing,
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(
                    base_directory=os.path.join(root, 'serving', name)
                )
            ),
        ).with_id(f'Pusher-{name}')

    components = [
        example_gen,
        splitter,
        *cv.components,
        strict,
        pusher(cv.blessing, 'cv'),
        pusher(strict.outputs['blessing'], 'strict'),
    ]
    return run_local('cv', root, components)


def fold_metrics(run, fold: int) -> dict:
    """``{(model name, is_diff, metric): value}`` of fold ``fold``'s evaluation, read by hand."""
    from tests.metrics.tfma_runs import metric_values

    values = metric_values(run.output(f'EvaluatorFold{fold}', 'evaluation'))
    return {(m, d, n): v for (m, _, d, n), v in values.items() if not isinstance(v, str)}


def aggregate_json(run, component_id='CrossValidationAggregate') -> dict:
    return read_json(
        os.path.join(run.output(component_id, 'cross_validation'), 'cross_validation.json')
    )


def blessed(run, component_id) -> bool:
    uri = run.output(component_id, 'blessing')
    found = os.listdir(uri)
    assert found in (['BLESSED'], ['NOT_BLESSED']), found
    mlmd = run.mlmd_artifacts()[uri]
    assert mlmd.custom_properties['blessed'].int_value == (found == ['BLESSED'])
    return found == ['BLESSED']


def test_each_fold_model_trains_on_the_other_folds_and_is_evaluated_on_its_fold(run):
    split_counts = read_json(os.path.join(run.output('StratifiedSplitter'), 'split_counts.json'))
    for i, fold in enumerate(FOLDS):
        for trainer in (f'TrainerFold{i}', f'BaselineTrainerFold{i}'):
            splits = read_json(os.path.join(run.output(trainer, 'model_run'), 'splits.json'))
            trained = sorted(p.split('Split-')[1].split('/')[0] for p in splits['train'])
            assert trained == [f for f in FOLDS if f != fold]
            assert [p.split('Split-')[1].split('/')[0] for p in splits['eval']] == [fold]
        fold_size = sum(per_split[fold] for per_split in split_counts.values())
        assert fold_metrics(run, i)[('candidate', False, 'example_count')] == fold_size
    final = read_json(os.path.join(run.output('FinalTrainer', 'model_run'), 'splits.json'))
    assert sorted(p.split('Split-')[1].split('/')[0] for p in final['train']) == FOLDS


def test_aggregate_is_mean_sample_std_and_t_interval_of_the_fold_evaluations(run):
    folds = [fold_metrics(run, i) for i in range(3)]
    result = aggregate_json(run)
    assert result['folds'] == FOLDS
    sections = {
        ('candidate', False): result['models']['candidate']['metrics'],
        ('baseline', False): result['models']['baseline']['metrics'],
        ('candidate', True): result['differences'],
    }
    assert result['models']['baseline']['name'] == 'baseline'
    checked = 0
    for (model, is_diff), metrics in sections.items():
        names = {n for fold in folds for (m, d, n) in fold if (m, d) == (model, is_diff)}
        assert set(metrics) == names
        for name in names:
            values = [fold[(model, is_diff, name)] for fold in folds]
            est = metrics[name]
            mean, std = statistics.mean(values), statistics.stdev(values)
            half = T_975_2 * std / math.sqrt(3)
            assert est['values'] == values and est['n'] == 3
            assert est['mean'] == pytest.approx(mean, abs=1e-12)
            assert est['std'] == pytest.approx(std, abs=1e-12)
            assert est['interval'] == pytest.approx([mean - half, mean + half], rel=1e-10)
            checked += 1
    macro = sections[('candidate', False)]['macro_recall']
    assert macro['std'] > 0  # the folds differ: the spread is real
    assert {'recall/2', 'balanced_accuracy', 'example_count'} <= set(sections[('baseline', False)])
    assert sections[('baseline', False)]['recall/2']['values'] == [0.0, 0.0, 0.0]
    assert checked == 3 * 7  # 7 metrics (6 of balanced_eval_config and example_count) per section
    html = open(
        os.path.join(
            run.output('CrossValidationAggregate', 'cross_validation'), 'cross_validation.html'
        )
    ).read()
    assert 'macro_recall' in html and 'blessed the model.' in html  # its picture


def test_gate_on_the_mean_blesses_and_the_pusher_ships_the_model_trained_on_all_folds(run):
    result = aggregate_json(run)
    mean_macro = result['models']['candidate']['metrics']['macro_recall']['mean']
    mean_gain = result['differences']['macro_recall']['mean']
    assert mean_macro >= MIN_MACRO_RECALL and mean_gain >= MIN_IMPROVEMENT
    assert [(c['rule'], c['passed']) for c in result['gate']['checks']] == [
        (f'macro_recall >= {MIN_MACRO_RECALL:g}', True),
        (f'macro_recall - baseline >= {MIN_IMPROVEMENT:g}', True),
    ]
    assert result['gate']['checks'][0]['value'] == mean_macro
    assert blessed(run, 'CrossValidationAggregate')
    blessing = run.mlmd_artifacts()[run.output('CrossValidationAggregate', 'blessing')]
    assert blessing.custom_properties['current_model'].string_value == run.output(
        'FinalTrainer', 'model'
    )
    (version,) = os.listdir(os.path.join(run.root, 'serving', 'cv'))
    assert glob.glob(os.path.join(run.root, 'serving', 'cv', version, 'saved_model.pb'))


def test_gate_on_the_interval_refuses_what_the_mean_would_pass_and_nothing_is_pushed(run):
    strict = aggregate_json(run, 'StrictAggregate')
    macro = strict['models']['candidate']['metrics']['macro_recall']
    low, _ = macro['interval']
    assert low < STRICT_MACRO_RECALL <= macro['mean']  # the mean passes, the interval does not
    (check,) = strict['gate']['checks']
    assert check == {
        'metric': 'macro_recall',
        'rule': f'macro_recall >= {STRICT_MACRO_RECALL:g}',
        'compared': 'lower end of the 95% interval',
        'value': low,
        'passed': False,
        'folds': 3,
    }
    assert not blessed(run, 'StrictAggregate')
    assert not os.path.exists(os.path.join(run.root, 'serving', 'strict'))
