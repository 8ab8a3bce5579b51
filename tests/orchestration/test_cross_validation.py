"""tfx_balance.cross_validation builds the fold Trainers, Evaluators, the final Trainer and the
aggregate with the right splits and ids; its argument errors are ConfigErrors with a documented
fix. (The pipeline runs in tests/cross_validation_aggregate/test_e2e.py.)"""

import json
import re

import pytest

from tfx_balance.core.common.errors import ConfigError

RUN_FN = 'tests.cross_validation_aggregate.centroid_trainer.run_fn'


def documented(message: str) -> bool:
    from tests.support.errors import documented_errors

    return any(re.search(p, message) for p in documented_errors())


@pytest.fixture(scope='module')
def examples():
    from tfx import v1 as tfx

    return tfx.components.ImportExampleGen(input_base='/nonexistent').outputs['examples']


def config(**kwargs):
    from tfx_balance import balanced_eval_config

    return balanced_eval_config('label', num_classes=3, **kwargs)


def test_fold_i_trains_on_the_other_folds_evaluates_on_fold_i_and_the_final_model_on_all(examples):
    from tfx import v1 as tfx

    from tfx_balance import cross_validation

    cv = cross_validation(
        examples,
        {'run_fn': RUN_FN, 'train_args': tfx.proto.TrainArgs(num_steps=7)},
        config(min_macro_recall=0.4, min_improvement=0.05, baseline_model_name='baseline'),
        folds=3,
        baseline_trainer_kwargs={'run_fn': RUN_FN},
        id_prefix='Cv',
    )
    assert [c.id for c in cv.components] == [
        'CvTrainerFold0',
        'CvTrainerFold1',
        'CvTrainerFold2',
        'CvBaselineTrainerFold0',
        'CvBaselineTrainerFold1',
        'CvBaselineTrainerFold2',
        'CvFinalTrainer',
        'CvEvaluatorFold0',
        'CvEvaluatorFold1',
        'CvEvaluatorFold2',
        'CvCrossValidationAggregate',
    ]
    for i, trainer in enumerate(cv.trainers + cv.baseline_trainers):
        props = trainer.exec_properties
        held_out = f'fold-{i % 3}'
        assert json.loads(props['train_args'])['splits'] == [
            f for f in ('fold-0', 'fold-1', 'fold-2') if f != held_out
        ]
        if i < 3:  # the fold models: the user's TrainArgs, plus the splits
            assert json.loads(props['train_args'])['num_steps'] == 7
        assert json.loads(props['eval_args'])['splits'] == [held_out]
    final = json.loads(cv.final_trainer.exec_properties['train_args'])
    assert final['splits'] == ['fold-0', 'fold-1', 'fold-2']
    for i, evaluator in enumerate(cv.evaluators):
        assert json.loads(evaluator.exec_properties['example_splits']) == [f'fold-{i}']
        assert evaluator.inputs['model'] is cv.trainers[i].outputs['model']
        assert evaluator.inputs['baseline_model'] is cv.baseline_trainers[i].outputs['model']
    aggregate = cv.aggregate
    assert aggregate.inputs['model'] is cv.model
    assert [aggregate.inputs[f'fold_evaluation_{i}'] for i in range(3)] == [
        e.outputs['evaluation'] for e in cv.evaluators
    ]
    assert json.loads(aggregate.exec_properties['thresholds']) == {
        'macro_recall': {'lower_bound': 0.4, 'min_change': 0.05}
    }
    assert cv.blessing is aggregate.outputs['blessing']


def test_explicit_thresholds_and_gate_on_go_to_the_aggregate(examples):
    from tfx_balance import cross_validation

    cv = cross_validation(
        examples,
        {'run_fn': RUN_FN},
        config(min_macro_recall=0.9),
        folds=['a', 'b'],
        thresholds={'recall/2': {'lower_bound': 0.3}},
        gate_on='interval',
        final_model=False,
    )
    assert cv.final_trainer is None and 'model' not in cv.aggregate.inputs
    props = cv.aggregate.exec_properties
    assert json.loads(props['thresholds']) == {'recall/2': {'lower_bound': 0.3}}
    assert (json.loads(props['folds']), props['gate_on']) == (['a', 'b'], 'interval')


def test_evaluators_and_baselines_can_read_other_examples_with_the_same_folds(examples):
    from tfx import v1 as tfx

    from tfx_balance import cross_validation

    untouched = tfx.components.ImportExampleGen(input_base='/raw').outputs['examples']
    cv = cross_validation(
        examples,
        {'run_fn': RUN_FN},
        config(baseline_model_name='baseline'),
        folds=2,
        baseline_trainer_kwargs={'run_fn': RUN_FN},
        eval_examples=untouched,
        baseline_examples=untouched,
    )
    assert all(t.inputs['examples'] is examples for t in [*cv.trainers, cv.final_trainer])
    assert all(t.inputs['examples'] is untouched for t in cv.baseline_trainers)
    assert all(e.inputs['examples'] is untouched for e in cv.evaluators)


def bad_calls(examples):
    from tfx import v1 as tfx

    from tfx_balance import CrossValidationAggregate, cross_validation

    ok = {'run_fn': RUN_FN}
    cv = cross_validation(examples, ok, config(min_macro_recall=0.5), folds=3)
    return {
        'trainer_kwargs not a dict': (
            lambda: cross_validation(examples, RUN_FN, config()),
            'trainer_kwargs must be a dict of tfx.components.Trainer arguments',
        ),
        'trainer sets examples': (
            lambda: cross_validation(examples, {**ok, 'examples': examples}, config()),
            r"trainer_kwargs sets \['examples'\], which cross_validation sets",
        ),
        'train_args with splits': (
            lambda: cross_validation(
                examples, {**ok, 'train_args': tfx.proto.TrainArgs(splits=['train'])}, config()
            ),
            r"train_args sets splits \['train'\], but cross_validation sets the splits",
        ),
        'eval_args not a proto': (
            lambda: cross_validation(examples, {**ok, 'eval_args': {'num_steps': 1}}, config()),
            'eval_args must be a tfx.proto.EvalArgs',
        ),
        'eval_config not a proto': (
            lambda: cross_validation(examples, ok, {'label_key': 'label'}),
            'eval_config must be a tfma.EvalConfig',
        ),
        'baseline without spec': (
            lambda: cross_validation(examples, ok, config(), baseline_trainer_kwargs=ok),
            'baseline_trainer_kwargs is set, .* but eval_config has 0 baseline ModelSpec',
        ),
        'spec without baseline': (
            lambda: cross_validation(examples, ok, config(baseline_model_name='baseline')),
            "eval_config has a baseline ModelSpec 'baseline' but no baseline_trainer_kwargs",
        ),
        'evaluator sets splits': (
            lambda: cross_validation(
                examples, ok, config(), evaluator_kwargs={'example_splits': ['x']}
            ),
            r"evaluator_kwargs sets \['example_splits'\]",
        ),
        'one fold': (
            lambda: cross_validation(examples, ok, config(), folds=1),
            'folds is 1; it must be 2 to 100',
        ),
        'bad gate_on': (
            lambda: cross_validation(examples, ok, config(), gate_on='lower'),
            "gate_on must be 'mean'",
        ),
        'bad thresholds': (
            lambda: cross_validation(examples, ok, config(), thresholds={'m': {'min': 1}}),
            "unknown kind 'min'",
        ),
        'evaluations not a list': (
            lambda: CrossValidationAggregate(evaluations=examples),
            "evaluations must be a list of the fold Evaluators' outputs",
        ),
        'folds and evaluations differ': (
            lambda: CrossValidationAggregate(evaluations=[examples] * 2, folds=['a', 'b', 'c']),
            r'folds names 3 folds \(.*\) but evaluations has 2',
        ),
        'evaluation of the wrong type': (
            lambda: CrossValidationAggregate(evaluations=[examples] * 2),
            r'evaluations\[0\] must be a channel of ModelEvaluation artifacts',
        ),
        'one evaluation twice': (  # issue 38: a copy-paste slip, counted twice before
            lambda: CrossValidationAggregate(
                evaluations=[cv.evaluators[0].outputs['evaluation']] * 2
                + [cv.evaluators[2].outputs['evaluation']]
            ),
            r'evaluations\[0\] and evaluations\[1\] are the same channel '
            r"\(EvaluatorFold0\.outputs\['evaluation'\]\)",
        ),
    }


def test_bad_arguments_are_config_errors_naming_the_argument_and_documented(examples):
    for case, (call, match) in bad_calls(examples).items():
        with pytest.raises(ConfigError) as info:
            call()
        message = str(info.value)
        assert re.search(match, message), (case, message)
        assert documented(message), (case, message)


def test_relative_or_per_slice_thresholds_in_the_eval_config_are_refused_at_build_time(examples):
    import tensorflow_model_analysis as tfma

    from tfx_balance import cross_validation

    relative = config(min_macro_recall=0.5)
    relative.metrics_specs[0].metrics[0].threshold.change_threshold.relative.value = 0.1
    sliced = config()
    sliced.metrics_specs[0].metrics[0].per_slice_thresholds.add().threshold.CopyFrom(
        tfma.MetricThreshold()
    )
    for eval_config, match in [
        (relative, "threshold on 'macro_recall' has a relative change threshold"),
        (sliced, 'the EvalConfig has per-slice or cross-slice thresholds'),
    ]:
        with pytest.raises(ConfigError, match=match) as info:
            cross_validation(examples, {'run_fn': RUN_FN}, eval_config, folds=2)
        assert documented(str(info.value))
