"""'smote' speed (issue 28): 100k tabular examples (20 floats), a 10% minority grown to parity.

Alternating runs (floor, smote, interpolate, then the reverse order, ...) of the I/O floor
(``common.floor.floor_job``) and the real BalancedAugmenter executor (``augmenter.jobs``), in
one fresh process (imports paid once); the goal compares time per written example with the
floor's (the floor writes 100k, the augmenter 180k): ``report.SMOTE_TIME_GOAL``. 'interpolate'
(random partner, no neighbour search) is the reference for what the search costs.

imbalanced-learn's ``SMOTE(k_neighbors=5)`` runs on the same arrays in memory, in its own fresh
process per size (``imblearn_job``; no TensorFlow there, so its peak RSS is its own), at two
sizes, so the report can extrapolate where its memory passes 24 GiB (it holds the whole data set
and the synthetic rows in memory).

Run alone: ``python -m benchmarks.smote_speed.jobs [rounds]`` (default 2 rounds, in-process);
``make bench`` runs ``run`` (section ``smote_speed``).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from benchmarks import common, harness

N, MINORITY_SHARE = 100_000, 0.1
IMBLEARN_SIZES = (100_000, 1_000_000)
METHODS = ('floor', 'smote', 'interpolate')


def arrays(n: int = N) -> tuple:
    """``(X float32 [n, 20], y int64 [n])``: a seeded 10% minority (class 1) shifted by 0.5."""
    rng = np.random.default_rng(0)
    y = np.zeros(n, np.int64)
    y[rng.permutation(n)[: int(n * MINORITY_SHARE)]] = 1
    X = rng.normal(size=(n, common.NUM_FLOATS)).astype(np.float32)
    X += (y[:, None] * 0.5).astype(np.float32)
    return X, y


def workload(work: str, n: int = N) -> str:
    """Writes the workload of ``arrays`` once (2 gzipped shards); returns its folder."""
    import tensorflow as tf

    path = os.path.join(work, f'smote-speed-n{n}')
    if os.path.exists(os.path.join(path, 'workload.json')):
        return path
    X, y = arrays(n)
    split_dir = os.path.join(path, f'Split-{common.SPLIT}')
    os.makedirs(split_dir, exist_ok=True)
    rows = common.encode_tabular(X, y)
    options = tf.io.TFRecordOptions(compression_type='GZIP')
    for shard in range(2):
        name = os.path.join(split_dir, f'data_tfrecord-{shard:05d}-of-00002.gz')
        with tf.io.TFRecordWriter(name, options) as writer:
            for row in rows[shard::2]:
                writer.write(row.tobytes())
    minority = int(y.sum())
    with open(os.path.join(path, 'workload.json'), 'w') as f:
        json.dump({'n': n, 'class_counts': [n - minority, minority]}, f)
    return path


def imblearn_job(n: int) -> dict:
    """imbalanced-learn's ``SMOTE(k_neighbors=5, random_state=0).fit_resample`` on
    ``arrays`` (``n`` rows) in memory; its wall time and the rows it returns."""
    from imblearn.over_sampling import SMOTE

    X, y = arrays(n)
    out = {}

    def run():
        out['X'], out['y'] = SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)

    seconds = harness.timed(run)
    return {'seconds': seconds, 'examples_written': len(out['y'])}


def _jobs(data: str, rounds: int, work_dir: str) -> list:
    """``(method, Job)`` in alternating order: floor, smote, interpolate, then reversed, ..."""
    jobs = []
    for r in range(rounds):
        for method in METHODS[:: 1 if r % 2 == 0 else -1]:
            name = f'smote-speed-{method}'
            params = {
                'data_dir': data,
                'out_dir': os.path.join(work_dir, 'out', name),
                'beam_args': common.IN_PROCESS_ARGS,
            }
            if method == 'floor':
                fn = 'benchmarks.common.floor:floor_job'
            else:
                fn = 'benchmarks.augmenter.jobs:augmenter_job'
                params['augmentation'] = method
            jobs.append((method, harness.Job(name, fn, params)))
    return jobs


def run(
    n: int = N,
    rounds: int = 2,
    isolated: bool = True,
    work_dir: str = common.WORK_DIR,
    imblearn_sizes=IMBLEARN_SIZES,
) -> dict:
    """Measures the floor, 'smote' and 'interpolate' (``rounds`` alternating rounds) at ``n``
    and imbalanced-learn's SMOTE at ``imblearn_sizes``. Returns ``{'n', 'rounds', 'rows':
    {method: summary}, 'round_ratios': {method: [...]}, 'ratio': {method: x}, 'imblearn':
    [{'n', 'seconds', 'peak_rss_mb', ...}]}``."""
    common.log(f"'smote' vs 'interpolate' vs the I/O floor at {n:,} (10% minority to parity)")
    data = workload(work_dir, n)
    jobs = _jobs(data, rounds, work_dir)
    if isolated:
        runs = [r[0] for r in harness.run_shared([job for _, job in jobs], 1)]
    else:
        runs = [harness.run_inprocess(job) for _, job in jobs]
    by_method = {m: [r for (method, _), r in zip(jobs, runs) if method == m] for m in METHODS}
    rows = {m: harness.summarize(jobs[METHODS.index(m)][1], rs) for m, rs in by_method.items()}
    per = {m: [r['seconds'] / r['examples_written'] for r in rs] for m, rs in by_method.items()}
    result = {
        'n': n,
        'minority_share': MINORITY_SHARE,
        'rounds': rounds,
        'rows': rows,
        'round_ratios': {m: [a / f for a, f in zip(per[m], per['floor'])] for m in METHODS[1:]},
        'ratio': {m: rows['floor']['rate'] / rows[m]['rate'] for m in METHODS[1:]},
        'imblearn': [],
    }
    for size in imblearn_sizes:
        common.log(f"imbalanced-learn's SMOTE in memory at {size:,} examples")
        job = harness.Job(f'imblearn-smote-n{size}', f'{__name__}:imblearn_job', {'n': size})
        summary = harness.measure(job, 1, isolated)
        result['imblearn'].append({'n': size, **summary})
    for _, job in jobs:
        import shutil

        shutil.rmtree(job.params['out_dir'], ignore_errors=True)
    return result


def main(rounds: int = 2) -> None:
    work = os.environ.get('BENCH_WORK', '/tmp/tfx-balance-smote-speed')
    result = run(N, rounds, isolated=False, work_dir=work, imblearn_sizes=(N,))
    for method, ratios in result['round_ratios'].items():
        print(f'{method} / floor per written example: ' + ', '.join(f'{x:.2f}' for x in ratios))
    print(f'imblearn SMOTE in memory: {result["imblearn"][0]["seconds"]:.2f} s')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
