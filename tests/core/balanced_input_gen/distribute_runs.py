"""Test helper of test_distribute.py, run as its own process (``python -m
tests.core.balanced_input_gen.distribute_runs FILES OUT``): the CPU is split into two logical
devices before TensorFlow starts (that can happen only once per process), and balanced_dataset is
read under MirroredStrategy with one and two replicas, by ``experimental_distribute_dataset``,
``distribute_datasets_from_function`` and ``model.fit``. ``OUT`` gets, per case, every step's
per-replica examples (``x``) and label counts, and the same batches read without a strategy."""

import json
import os
import sys

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import tensorflow as tf  # noqa: E402

BATCH = 20
WEIGHTS = {0: 1, 1: 1, 2: 1, 3: 2}  # 4, 4, 4 and 8 of every batch of 20
STEPS = 4
BUDGETS = {'in_memory': 256 << 20, 'streamed': 0}
DEVICES = ['/cpu:0', '/cpu:1']


def main(files: str, out: str) -> None:
    (cpu,) = tf.config.list_physical_devices('CPU')
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import numpy as np
    import tf_keras

    from tests.core.balanced_input_gen.support import SCHEMA
    from tests.support.fed_batches import fed_counts, recording_model
    from tfx_balance.core import balanced_input_gen as bi

    def read(budget, input_context=None):
        return bi.balanced_dataset(
            files,
            'label',
            batch_size=BATCH,
            schema=SCHEMA,
            weights=WEIGHTS,
            memory_budget=budget,
            input_context=input_context,
        )

    def steps(strategy, distributed):
        got = []
        for features, labels in _take(distributed):
            xs = strategy.experimental_local_results(features['x'])
            ys = strategy.experimental_local_results(labels)
            got.append(
                {
                    'x': [x.numpy().ravel().tolist() for x in xs],
                    'counts': [np.bincount(y.numpy().ravel(), minlength=4).tolist() for y in ys],
                }
            )
        return got

    results = {}
    for name, budget in BUDGETS.items():
        results[f'{name}/no_strategy'] = [
            f['x'].numpy().ravel().tolist() for f, _ in read(budget).take(STEPS)
        ]
        for replicas in (1, 2):
            strategy = tf.distribute.MirroredStrategy(DEVICES[:replicas])
            case = f'{name}/{replicas}'
            results[f'{case}/experimental_distribute_dataset'] = steps(
                strategy, strategy.experimental_distribute_dataset(read(budget))
            )
            results[f'{case}/distribute_datasets_from_function'] = steps(
                strategy,
                strategy.distribute_datasets_from_function(
                    lambda ctx, budget=budget: read(budget, ctx)
                ),
            )
            with strategy.scope():
                x = tf_keras.Input(shape=(1,), name='x')
                model = recording_model({'x': x}, tf_keras.layers.Dense(4)(x), 4, STEPS)
                model.compile(
                    'adam', tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                )
            model.fit(read(budget), steps_per_epoch=STEPS, epochs=1, verbose=0)
            results[f'{case}/fit'] = fed_counts(model)
    with open(out, 'w') as f:
        json.dump(results, f)


def _take(distributed):
    iterator = iter(distributed)
    return [next(iterator) for _ in range(STEPS)]


if __name__ == '__main__':
    main(*sys.argv[1:])
