"""ImportExampleGen -> BalancedInputGen(multi_label='ids', policy='repeat_factor') -> Trainer
(run_fn reads balanced_dataset's multi-hot label) under LocalDagRunner: the one e2e run of the
multi-label input (the plain single-label one is test_e2e.py)."""

import json
import os

import pytest

from tests.support.examples import example

pytestmark = pytest.mark.e2e

SCHEMA = """
feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
feature { name: "tags" type: INT value_count { min: 0 max: 2 } }
"""
# Label 7 on 6 examples (3 with label 2), label 2 on 60, 24 without a label.
SETS = [[2]] * 57 + [[2, 7]] * 3 + [[7]] * 3 + [[]] * 24


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tests.balanced_input_gen.trainer_runs import run_trainer_on_balanced_input

    root = str(tmp_path_factory.mktemp('multilabel_input_e2e'))
    records = [example(x=float(i), tags=tags) for i, tags in enumerate(SETS)]
    return run_trainer_on_balanced_input(
        'multilabel-input-e2e',
        root,
        records,
        SCHEMA,
        'multilabel_trainer_module.py',
        eval_steps=1,
        label_feature='tags',
        multi_label='ids',
        policy='repeat_factor',
        repeat_threshold=0.5,
    )


def test_trainer_reads_the_multi_hot_label_of_the_repeat_factor_layout(run):
    from tests.support.artifacts import latest_artifact_dir, read_split

    balanced = latest_artifact_dir(run, 'BalancedInputGen')
    with open(os.path.join(balanced, 'balance_plan.json')) as f:
        ml = json.load(f)['splits']['train']['multi_label']
    assert ml['policy'] == 'repeat_factor' and ml['repeat_threshold'] == 0.5
    assert [g['group'] for g in ml['groups']] == ['2', '7', '']
    train = read_split(balanced, 'train')
    assert sum(g['count'] for g in ml['groups']) == len(train)

    with open(
        os.path.join(latest_artifact_dir(run, 'Trainer', 'model_run'), 'balance_check.json')
    ) as f:
        check = json.load(f)
    assert check['label_names'] == ['2', '7']
    assert check['shapes'] == [[8, 2]] and check['dtypes'] == ['int64']
    # Label 7 is on ~7% of the examples and repeated about sqrt(0.5 / 0.07) = 2.7 times.
    draws = {g['group']: g['draws_per_epoch'] for g in ml['groups']}
    assert draws['7'] > 2 * next(g['count'] for g in ml['groups'] if g['group'] == '7')
    model_dir = latest_artifact_dir(run, 'Trainer', 'model')
    assert os.path.exists(os.path.join(model_dir, 'Format-Serving', 'saved_model.pb'))
