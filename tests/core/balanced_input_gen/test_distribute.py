"""balanced_dataset under tf.distribute (core/balanced_input_gen/dataset.py, streams.py): every
step's batches, over all replicas, are exactly one planned global batch.

MirroredStrategy with two replicas needs two logical CPUs, set before TensorFlow starts, so those
cases run in one process of their own (distribute_runs.py) and the tests read what it saw."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.core.balanced_input_gen.distribute_runs import BATCH, BUDGETS, STEPS, WEIGHTS
from tests.core.balanced_input_gen.support import SCHEMA
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
PLANNED = [4, 4, 4, 8]  # WEIGHTS of a batch of 20
PER_REPLICA = {1: [PLANNED], 2: [[2, 2, 2, 4], [2, 2, 2, 4]]}  # each class spread over the batch


@pytest.fixture(scope='module')
def runs(laid_out, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('distribute') / 'runs.json')
    done = subprocess.run(
        [sys.executable, '-m', 'tests.core.balanced_input_gen.distribute_runs', laid_out, out],
        cwd=os.path.abspath(ROOT),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    with open(out) as f:
        return json.load(f)


@pytest.mark.parametrize(
    'how', ['experimental_distribute_dataset', 'distribute_datasets_from_function']
)
@pytest.mark.parametrize('replicas', [1, 2])
@pytest.mark.parametrize('budget', sorted(BUDGETS))
def test_each_step_under_mirrored_strategy_is_exactly_one_global_batch(runs, budget, replicas, how):
    steps = runs[f'{budget}/{replicas}/{how}']
    assert len(steps) == STEPS
    for step, alone in zip(steps, runs[f'{budget}/no_strategy']):
        assert sum(step['x'], []) == alone  # the same examples as without a strategy, in order
        assert step['counts'] == PER_REPLICA[replicas]


@pytest.mark.parametrize('replicas', [1, 2])
@pytest.mark.parametrize('budget', sorted(BUDGETS))
def test_model_fit_under_mirrored_strategy_is_fed_exact_batches(runs, budget, replicas):
    assert runs[f'{budget}/{replicas}/fit'] == [PER_REPLICA[replicas]] * STEPS


@pytest.mark.parametrize('budget', sorted(BUDGETS.values()))
def test_input_pipelines_of_several_workers_together_serve_each_global_batch(laid_out, budget):
    def read(**kwargs):
        return bi.balanced_dataset(
            laid_out, 'label', BATCH, schema=SCHEMA, weights=WEIGHTS, memory_budget=budget, **kwargs
        )

    alone = [f['x'].numpy().ravel() for f, _ in read().take(3)]
    pipelines = []  # 2 workers of 2 replicas: each pipeline serves 2 batches of 5 per step
    for i in range(2):
        context = tf.distribute.InputContext(2, i, num_replicas_in_sync=4)
        batches = [
            (f['x'].numpy().ravel(), y.numpy().ravel())
            for f, y in read(input_context=context).take(6)
        ]
        assert [len(x) for x, _ in batches] == [5] * 6
        pipelines.append(batches)
    for step, global_batch in enumerate(alone):
        replicas = pipelines[0][2 * step : 2 * step + 2] + pipelines[1][2 * step : 2 * step + 2]
        assert np.concatenate([x for x, _ in replicas]).tolist() == global_batch.tolist()
        labels = np.concatenate([y for _, y in replicas])
        assert np.bincount(labels, minlength=4).tolist() == PLANNED


@pytest.mark.parametrize(
    'context, fragment',
    [
        (
            tf.distribute.InputContext(1, 0, num_replicas_in_sync=3),
            'not divisible by the 3 replicas',
        ),
        (
            tf.distribute.InputContext(3, 0, num_replicas_in_sync=4),
            '3 input pipelines for 4 replicas',
        ),
    ],
)
def test_an_input_context_that_cannot_share_the_batches_exactly_is_refused(
    laid_out, context, fragment
):
    with pytest.raises(ConfigError, match=fragment):
        bi.balanced_dataset(laid_out, 'label', BATCH, schema=SCHEMA, input_context=context)


def test_the_dataset_asks_tf_distribute_to_shard_by_data_not_by_file(laid_out):
    # FILE sharding would give each worker some of every class's files: other class counts.
    ds = bi.balanced_dataset(laid_out, 'label', BATCH, schema=SCHEMA)
    policy = ds.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA
