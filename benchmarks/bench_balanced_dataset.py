"""Benchmark: examples/s of balanced_dataset vs a plain read and the usual tf.data recipes.

Workload (issue 4): 200k gzipped tf.Examples, 20 float features + an int64 label, 10 classes
with a geometric distribution from 50% down to 0.1%, uniform target, batch 100. The data is laid
out per class with the same Beam transform BalancedInputGen runs (``BalancedLayout``) and cached
in ``benchmarks/_work/`` (git-ignored).

Compared, each a median of timed runs after a warm-up (``FAST_RUNS`` alternating runs of the
first two, ``RUNS`` of the bounded ones); examples/s and examples per CPU-second:
- ``plain``: TFRecordDataset + batch + parse_example (unbalanced) over the same files.
- ``balanced_dataset``: ours, uniform weights (also checked: every batch holds 10 per class).
- ``rejection_resample``: ``Dataset.rejection_resample`` to uniform on the plain stream.
- ``filter + sample_from_datasets``: one filtered copy of the stream per class, sampled
  uniformly.
The last two are bounded by ``SLOW_BATCHES`` batches or ``SLOW_SECONDS`` per run, whichever
comes first; the measured rate is reported.

Run: ``python -m benchmarks.bench_balanced_dataset [--smoke]``; ``run(smoke)`` returns a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_work', 'balanced_dataset')
FEATURES = 20
CLASSES = 10
BATCH = 100
RUNS = 3
FAST_RUNS = 5  # plain read and balanced_dataset take seconds per run
SLOW_BATCHES, SLOW_SECONDS = 200, 15.0  # bound of each rejection_resample / filter run


def class_counts(total: int, classes: int = CLASSES) -> list:
    """Geometric class sizes from 50% down to 0.1% of ``total`` (summing exactly to it)."""
    ratio = (0.001 / 0.5) ** (1 / (classes - 1))
    shares = [0.5 * ratio**k for k in range(classes)]
    counts = [max(1, round(total * s / sum(shares))) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def _generate(raw_dir: str, counts: list, shards: int = 10) -> list:
    """Writes the examples, classes interleaved at random, as ``shards`` gzipped files."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(labels)
    values = rng.normal(size=(len(labels), FEATURES)).astype(np.float32)
    os.makedirs(raw_dir, exist_ok=True)
    files = [os.path.join(raw_dir, f'part-{s:05d}-of-{shards:05d}.gz') for s in range(shards)]
    writers = [tf.io.TFRecordWriter(f, options='GZIP') for f in files]
    for i, label in enumerate(labels):
        feature = {
            f'f{j:02d}': tf.train.Feature(float_list=tf.train.FloatList(value=[values[i, j]]))
            for j in range(FEATURES)
        }
        feature['label'] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))
        ex = tf.train.Example(features=tf.train.Features(feature=feature))
        writers[i % shards].write(ex.SerializeToString())
    for w in writers:
        w.close()
    return files


def _lay_out(raw_files: list, root: str) -> str:
    import apache_beam as beam

    from tfx_balance.core.balanced_input import PLAN_FILE, BalancedLayout, plans_to_json

    split_dir = os.path.join(root, 'Split-train')

    def write_plan(plans):
        with open(os.path.join(root, PLAN_FILE), 'w') as f:
            json.dump(plans_to_json(plans), f)

    with beam.Pipeline(argv=['--direct_num_workers=1']) as p:
        _ = (
            p
            | beam.io.ReadFromTFRecord(os.path.join(os.path.dirname(raw_files[0]), '*.gz'))
            | BalancedLayout(split_dir, 'train', 'label', seed=0)
            | beam.combiners.ToList()
            | beam.Map(write_plan)
        )
    return os.path.join(split_dir, '*')


def prepare(total: int) -> tuple:
    """Generates and lays out the data once per size; returns (raw files, laid-out pattern)."""
    import glob

    base = os.path.join(WORK, f'n{total}')
    raw_dir, root = os.path.join(base, 'raw'), os.path.join(base, 'balanced')
    done = os.path.join(base, 'DONE')
    if not os.path.exists(done):
        import shutil

        shutil.rmtree(base, ignore_errors=True)
        counts = class_counts(total)
        t = time.time()
        _generate(raw_dir, counts)
        print(f'generated {total} examples {counts} in {time.time() - t:.1f} s')
        t = time.time()
        _lay_out(sorted(glob.glob(os.path.join(raw_dir, '*.gz'))), root)
        print(f'laid out per class (BalancedLayout, DirectRunner) in {time.time() - t:.1f} s')
        open(done, 'w').close()
    return sorted(glob.glob(os.path.join(raw_dir, '*.gz'))), os.path.join(root, 'Split-train', '*')


def _spec():
    import tensorflow as tf

    spec = {f'f{j:02d}': tf.io.FixedLenFeature([1], tf.float32) for j in range(FEATURES)}
    spec['label'] = tf.io.FixedLenFeature([1], tf.int64)
    return spec


def _schema():
    from tensorflow_transform.tf_metadata import schema_utils

    return schema_utils.schema_from_feature_spec(_spec())


def _records(files):
    import tensorflow as tf

    return tf.data.TFRecordDataset(files, compression_type='GZIP')


def plain(files):
    import tensorflow as tf

    spec = _spec()

    def parse(serialized):
        features = tf.io.parse_example(serialized, spec)
        return features, features.pop('label')

    return (
        _records(files)
        .repeat()
        .batch(BATCH)
        .map(parse, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def balanced(pattern):
    from tfx_balance.core.balanced_input import balanced_dataset

    return balanced_dataset(pattern, 'label', BATCH, schema=_schema(), seed=0)


def _label_of(serialized):
    import tensorflow as tf

    return tf.io.parse_single_example(serialized, {'label': tf.io.FixedLenFeature([], tf.int64)})[
        'label'
    ]


def _parse_batch(serialized):
    import tensorflow as tf

    features = tf.io.parse_example(serialized, _spec())
    return features, features.pop('label')


def rejection_resample(files, counts):
    import tensorflow as tf

    initial = [c / sum(counts) for c in counts]
    ds = _records(files).repeat().map(lambda s: (_label_of(s), s))
    ds = ds.rejection_resample(
        lambda label, _s: tf.cast(label, tf.int32),
        target_dist=[1 / CLASSES] * CLASSES,
        initial_dist=initial,
        seed=0,
    )
    return ds.map(lambda _label, pair: pair[1]).batch(BATCH).map(_parse_batch)


def filter_sample(files):
    import tensorflow as tf

    streams = [
        _records(files).repeat().filter(lambda s, k=k: tf.equal(_label_of(s), k))
        for k in range(CLASSES)
    ]
    ds = tf.data.Dataset.sample_from_datasets(streams, [1 / CLASSES] * CLASSES, seed=0)
    return ds.batch(BATCH).map(_parse_batch)


def measure(make, batches: int, seconds: float, check=None) -> tuple:
    """(examples/s, examples per CPU-second) over ``batches`` batches (or ``seconds``).

    A 20-batch warm-up comes first. The CPU figure counts every thread of this process, so it
    is less sensitive to other work on a shared machine than the wall-clock rate.
    """
    ds = make()
    it = iter(ds)
    for _ in range(min(20, batches)):
        next(it)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while n < batches and time.perf_counter() - start < seconds:
        _, labels = next(it)
        if check is not None:
            check(labels)
        n += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n * BATCH / wall, n * BATCH / max(cpu, 1e-9)


def run(smoke: bool = False) -> dict:
    """Runs the benchmark; returns ``{'rows': [...], 'markdown': str, ...}``."""
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel('ERROR')  # rejection_resample logs its rejection rate per batch

    total = 2_000 if smoke else 200_000
    fast_batches = 20 if smoke else total // BATCH  # one full pass of the data
    slow_batches, slow_seconds = (3, 5.0) if smoke else (SLOW_BATCHES, SLOW_SECONDS)
    runs = 1 if smoke else RUNS
    fast_runs = 1 if smoke else FAST_RUNS
    counts = class_counts(total)
    raw_files, pattern = prepare(total)

    def exact(labels):
        got = np.bincount(labels.numpy().ravel(), minlength=CLASSES)
        assert (got == BATCH // CLASSES).all(), f'balanced batch not exact: {got}'

    cases = [
        ('plain read (unbalanced)', lambda: plain(raw_files), fast_batches, 1e9, None),
        ('balanced_dataset', lambda: balanced(pattern), fast_batches, 1e9, exact),
        (
            'rejection_resample',
            lambda: rejection_resample(raw_files, counts),
            slow_batches,
            slow_seconds,
            None,
        ),
        (
            'filter + sample_from_datasets',
            lambda: filter_sample(raw_files),
            slow_batches,
            slow_seconds,
            None,
        ),
    ]
    rates = {name: [] for name, *_ in cases}
    # The two fast reads alternate run by run (so background load on a shared machine hits both
    # alike), with FAST_RUNS runs each; then the bounded slow recipes, `runs` runs each.
    for group, n in ((cases[:2], fast_runs), (cases[2:], runs)):
        for _ in range(n):
            for name, make, batches, seconds, check in group:
                rates[name].append(measure(make, batches, seconds, check))
                print(f'{name}: {round(rates[name][-1][0])} examples/s', flush=True)
    rows = []
    for name, *_ in cases:
        rows.append(
            {
                'method': name,
                'examples_per_s': statistics.median(r[0] for r in rates[name]),
                'examples_per_cpu_s': statistics.median(r[1] for r in rates[name]),
                'runs': [r[0] for r in rates[name]],
            }
        )
    base, base_cpu = rows[0]['examples_per_s'], rows[0]['examples_per_cpu_s']
    for row in rows:
        row['ratio_vs_plain'] = row['examples_per_s'] / base
        row['cpu_ratio_vs_plain'] = row['examples_per_cpu_s'] / base_cpu
    lines = [
        f'{total:,} gzipped tf.Examples ({FEATURES} float features + int64 label), {CLASSES} '
        f'classes {counts[0]} ... {counts[-1]}, batch {BATCH}, uniform target; median of '
        f'{fast_runs} alternating runs (plain, balanced_dataset) and {runs} (bounded to '
        f'{slow_batches} batches or {slow_seconds:.0f} s each); balanced_dataset batches checked exact ({BATCH // CLASSES} per class).',
        '',
        '| method | examples/s | vs plain read | examples/CPU-s | vs plain (CPU) |',
        '|---|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append(
            f'| {row["method"]} | {row["examples_per_s"]:,.0f} | {row["ratio_vs_plain"]:.2f}x '
            f'| {row["examples_per_cpu_s"]:,.0f} | {row["cpu_ratio_vs_plain"]:.2f}x |'
        )
    markdown = '\n'.join(lines)
    return {
        'name': 'balanced_dataset',
        'smoke': smoke,
        'examples': total,
        'class_counts': counts,
        'batch_size': BATCH,
        'rows': rows,
        'balanced_batches_exact': True,
        'markdown': markdown,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, finishes in seconds')
    result = run(parser.parse_args().smoke)
    print(result['markdown'])


if __name__ == '__main__':
    main()
