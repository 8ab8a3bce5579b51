"""'smote' speed (issue 28): 100k tabular examples (20 floats), a 10% minority grown to parity.

Alternating runs (floor, smote, interpolate, then the reverse order, ...) of the I/O floor
(``bench_splitter.floor_job``) and the real BalancedAugmenter executor (``bench_augmenter``), in
this process; prints each run and the ratio of time per written example to the floor's (the
floor writes 100k, the augmenter 180k), with imbalanced-learn's ``SMOTE`` on the same arrays in
memory for comparison.

Run: ``python -m benchmarks.bench_smote_speed [rounds]`` (default 2 rounds).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

from benchmarks import bench_augmenter, bench_splitter, common

N, MINORITY = 100_000, 10_000


def workload(work: str) -> tuple:
    """Writes the workload once; returns its folder and its ``(X, y)``."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    y = np.zeros(N, np.int64)
    y[rng.permutation(N)[:MINORITY]] = 1
    X = rng.normal(size=(N, common.NUM_FLOATS)).astype(np.float32) + (y[:, None] * 0.5).astype(
        np.float32
    )
    path = os.path.join(work, 'smote-speed-data')
    if not os.path.exists(os.path.join(path, 'workload.json')):
        split_dir = os.path.join(path, f'Split-{common.SPLIT}')
        os.makedirs(split_dir, exist_ok=True)
        rows = common.encode_tabular(X, y)
        options = tf.io.TFRecordOptions(compression_type='GZIP')
        for shard in range(2):
            name = os.path.join(split_dir, f'data_tfrecord-{shard:05d}-of-00002.gz')
            with tf.io.TFRecordWriter(name, options) as writer:
                for row in rows[shard::2]:
                    writer.write(row.tobytes())
        with open(os.path.join(path, 'workload.json'), 'w') as f:
            json.dump({'n': N, 'class_counts': [N - MINORITY, MINORITY]}, f)
    return path, X, y


def main(rounds: int = 2) -> None:
    work = os.environ.get('BENCH_WORK', '/tmp/tfx-balance-smote-speed')
    data, X, y = workload(work)
    out = os.path.join(work, 'out')
    jobs = {
        'floor': lambda: bench_splitter.floor_job(data, out, []),
        'smote': lambda: bench_augmenter.augmenter_job(data, out, [], 'smote'),
        'interpolate': lambda: bench_augmenter.augmenter_job(data, out, [], 'interpolate'),
    }
    times = {name: [] for name in jobs}
    for r in range(rounds):
        for name in list(jobs)[:: 1 if r % 2 == 0 else -1]:
            result = jobs[name]()
            per = result['seconds'] / result['examples_written']
            times[name].append(per)
            print(
                f'round {r} {name}: {result["seconds"]:.1f} s, {result["examples_written"]} written'
            )
    for name in ('smote', 'interpolate'):
        ratios = [a / f for a, f in zip(times[name], times['floor'])]
        print(f'{name} / floor per written example: ' + ', '.join(f'{x:.2f}' for x in ratios))
    from imblearn.over_sampling import SMOTE

    started = time.perf_counter()
    SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)
    print(f'imblearn SMOTE in memory: {time.perf_counter() - started:.2f} s')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
