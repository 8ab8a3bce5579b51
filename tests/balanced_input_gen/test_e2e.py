"""ImportExampleGen -> BalancedInputGen -> Trainer (run_fn uses balanced_dataset) under
LocalDagRunner, on small synthetic tf.Examples and a handwritten schema."""

import json
import os

import pytest

from tests.support.examples import example

pytestmark = pytest.mark.e2e

COUNTS = {0: 60, 1: 24, 2: 9}
SCHEMA = """
feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
"""


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tests.balanced_input_gen.trainer_runs import run_trainer_on_balanced_input

    root = str(tmp_path_factory.mktemp('balanced_input_e2e'))
    records = [example(x=float(c) + i / 100, label=c) for c, n in COUNTS.items() for i in range(n)]
    return run_trainer_on_balanced_input(
        'balanced-input-e2e',
        root,
        records,
        SCHEMA,
        'trainer_module.py',
        eval_steps=2,
        label_feature='label',
        splits=['train'],
        seed=0,
    )


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
