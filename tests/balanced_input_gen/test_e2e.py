"""ImportExampleGen -> BalancedInputGen -> Trainer (run_fn uses balanced_dataset) under
LocalDagRunner, on small synthetic tf.Examples and a handwritten schema."""

import json
import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

COUNTS = {0: 60, 1: 24, 2: 9}
SCHEMA = """
feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
"""


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedInputGen

    root = str(tmp_path_factory.mktemp('balanced_input_e2e'))
    records = [example(x=float(c) + i / 100, label=c) for c, n in COUNTS.items() for i in range(n)]
    write_records(os.path.join(root, 'data', 'examples.tfrecord.gz'), records)
    schema_file = os.path.join(root, 'schema', 'schema.pbtxt')
    os.makedirs(os.path.dirname(schema_file))
    with open(schema_file, 'w') as f:
        f.write(SCHEMA)

    example_gen = tfx.components.ImportExampleGen(input_base=os.path.join(root, 'data'))
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_file)
    balanced = BalancedInputGen(
        examples=example_gen.outputs['examples'], label_feature='label', splits=['train'], seed=0
    )
    trainer = tfx.components.Trainer(
        module_file=os.path.join(os.path.dirname(__file__), 'testdata', 'trainer_module.py'),
        examples=balanced.outputs['examples'],
        schema=schema_gen.outputs['schema'],
        train_args=tfx.proto.TrainArgs(num_steps=5),
        eval_args=tfx.proto.EvalArgs(num_steps=2),
    )
    components = [example_gen, schema_gen, balanced, trainer]
    return run_local('balanced-input-e2e', root, components).pipeline_root


def test_trainer_gets_exactly_balanced_batches_and_saves_a_model(run):
    from tests.support.artifacts import label_counts, latest_artifact_dir, read_split

    balanced = latest_artifact_dir(run, 'BalancedInputGen')
    train_counts = label_counts(read_split(balanced, 'train'), 'label')
    source = latest_artifact_dir(run, 'ImportExampleGen')
    assert train_counts == label_counts(read_split(source, 'train'), 'label')
    assert set(train_counts) == set(COUNTS)

    with open(
        os.path.join(latest_artifact_dir(run, 'Trainer', 'model_run'), 'balance_check.json')
    ) as f:
        check = json.load(f)
    assert check['batches'] == [[2, 2, 2]] * 5  # batch 6, 3 classes
    assert check['counts'] == [train_counts[c] for c in sorted(train_counts)]
    assert check['steps_per_epoch'] == -(-max(train_counts.values()) // 2)

    model_dir = latest_artifact_dir(run, 'Trainer', 'model')
    assert os.path.exists(os.path.join(model_dir, 'Format-Serving', 'saved_model.pb'))


def test_eval_split_passes_through_unchanged(run):
    from tests.support.artifacts import latest_artifact_dir, read_split

    balanced = latest_artifact_dir(run, 'BalancedInputGen')
    source = latest_artifact_dir(run, 'ImportExampleGen')
    assert read_split(balanced, 'eval') == read_split(source, 'eval')
