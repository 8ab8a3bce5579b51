"""A cross-validation pipeline (tfx_balance.cross_validation + Pusher) compiles for Kubeflow: one
task per fold Trainer and Evaluator, and CrossValidationAggregate's fold inputs, model input and
custom output type in the spec, checked offline as the KFP backend reads it."""

import pytest

from tests.orchestration.kubeflow.conftest import TEST_IMAGE, executor_of, load_yaml

RUN_FN = 'tests.cross_validation_aggregate.centroid_trainer.run_fn'


@pytest.fixture(scope='module')
def spec(tmp_path_factory):
    from tfx import v1 as tfx

    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.local_dag import make_pipeline
    from tfx_balance import StratifiedSplitter, balanced_eval_config, cross_validation
    from tfx_balance.orchestration import kubeflow

    root = str(tmp_path_factory.mktemp('cv-kfp'))
    example_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='payment_type',
        splits={'fold-0': 1, 'fold-1': 1, 'fold-2': 1},
    )
    cv = cross_validation(
        splitter.outputs['examples'],
        {'run_fn': RUN_FN},
        balanced_eval_config('payment_type', num_classes=7, min_macro_recall=0.4),
        folds=3,
    )
    pusher = tfx.components.Pusher(
        model=cv.model,
        model_blessing=cv.blessing,
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory='gs://b/serving')
        ),
    )
    pipeline = make_pipeline(
        'tfx-balance-cv-test', root, [example_gen, splitter, *cv.components, pusher]
    )
    done = kubeflow.compile_pipeline(pipeline, root + '/out', image=TEST_IMAGE)
    return load_yaml(done.yaml_path)


def test_every_fold_trainer_evaluator_and_the_aggregate_is_a_task(spec):
    tasks = spec['root']['dag']['tasks']
    for i in range(3):
        assert {f'TrainerFold{i}', f'EvaluatorFold{i}'} <= set(tasks)
    assert {'FinalTrainer', 'CrossValidationAggregate', 'Pusher'} <= set(tasks)


def test_the_aggregate_reads_one_evaluation_per_fold_and_the_final_model(spec):
    task = spec['root']['dag']['tasks']['CrossValidationAggregate']
    inputs = {
        key: (
            value['taskOutputArtifact']['producerTask'],
            value['taskOutputArtifact']['outputArtifactKey'],
        )
        for key, value in task['inputs']['artifacts'].items()
    }
    assert inputs == {
        'fold_evaluation_0': ('EvaluatorFold0', 'evaluation'),
        'fold_evaluation_1': ('EvaluatorFold1', 'evaluation'),
        'fold_evaluation_2': ('EvaluatorFold2', 'evaluation'),
        'model': ('FinalTrainer', 'model'),
    }
    pusher = spec['root']['dag']['tasks']['Pusher']['inputs']['artifacts']['model_blessing']
    assert pusher['taskOutputArtifact'] == {
        'producerTask': 'CrossValidationAggregate',
        'outputArtifactKey': 'blessing',
    }
    component = spec['components'][task['componentRef']['name']]
    outputs = component['outputDefinitions']['artifacts']
    schemas = {
        key: value['artifactType'].get('instanceSchema', value['artifactType'].get('schemaTitle'))
        for key, value in outputs.items()
    }
    assert schemas == {
        'cross_validation': 'title: tfx_balance.CrossValidationResult\ntype: object\n',
        'blessing': 'title: tfx.ModelBlessing\ntype: object\n',
        'html_report': 'system.HTML',  # drawn on the run's page
    }
    args = executor_of(spec, 'CrossValidationAggregate')['container']['args']
    assert 'tfx_balance.cross_validation_aggregate.executor.Executor' in ' '.join(args)
