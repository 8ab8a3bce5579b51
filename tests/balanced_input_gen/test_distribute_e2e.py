"""ImportExampleGen -> BalancedInputGen -> Trainer whose run_fn fits on balanced_dataset under
MirroredStrategy with one replica (its default on a machine without GPUs) and with two (two
logical CPUs, as two GPUs), under LocalDagRunner: the model is fed exactly balanced batches,
each replica its share of each one.

The CPU can be split only before TensorFlow starts, so the pipeline runs in a process of its
own: this module, run as ``python -m tests.balanced_input_gen.test_distribute_e2e ROOT``."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNTS = {0: 60, 1: 24, 2: 9}
SCHEMA = """
feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
"""
TRAIN_STEPS = 5  # trainer_runs.py; the second step is the first of a group of batches (memory.py)


def run_pipeline(root: str) -> None:
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices('CPU')
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tests.balanced_input_gen.trainer_runs import run_trainer_on_balanced_input
    from tests.support.examples import example

    records = [example(x=float(c) + i / 100, label=c) for c, n in COUNTS.items() for i in range(n)]
    run_trainer_on_balanced_input(
        'balanced-input-mirrored',
        root,
        records,
        SCHEMA,
        'mirrored_trainer_module.py',
        eval_steps=1,
        label_feature='label',
        splits=['train'],
        seed=0,
    )


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('balanced_input_mirrored'))
    done = subprocess.run(
        [sys.executable, '-m', 'tests.balanced_input_gen.test_distribute_e2e', root],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return os.path.join(root, 'pipeline_root')


def test_trainer_under_mirrored_strategy_is_fed_exactly_balanced_batches(run):
    from tests.support.artifacts import latest_artifact_dir

    with open(
        os.path.join(latest_artifact_dir(run, 'Trainer', 'model_run'), 'fed_batches.json')
    ) as f:
        fed = json.load(f)
    # Batch 6, 3 classes: 2 of each class per step; with 2 replicas 1 of each on each replica.
    assert fed == {
        'one_replica': {'replicas': 1, 'fed': [[[2, 2, 2]]] * TRAIN_STEPS},
        'every_device': {'replicas': 2, 'fed': [[[1, 1, 1], [1, 1, 1]]] * TRAIN_STEPS},
    }
    model_dir = latest_artifact_dir(run, 'Trainer', 'model')
    assert os.path.exists(os.path.join(model_dir, 'Format-Serving', 'saved_model.pb'))


if __name__ == '__main__':
    run_pipeline(sys.argv[1])
