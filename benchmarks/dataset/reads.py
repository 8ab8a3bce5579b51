"""Benchmark: examples/s of balanced_dataset vs the best-tuned plain read and the usual tf.data
balancing recipes, on every workload of ``benchmarks.dataset.workloads``.

Compared per workload, each run one pass of the data, runs alternating between the methods:
- three plain reads (unbalanced) of the input files, tuned as a user would (``PLAIN_READS``: one
  reader or parallel reads, ``parse_example`` on whole batches or on 10 batches at once, all with
  a 1 MiB read buffer, parallel parse and prefetch); the best of them is the baseline;
- ``balanced_dataset``, uniform weights, every batch checked exact.
And on the tabular workload, bounded runs of the usual recipes: ``rejection_resample`` and one
filtered copy of the stream per class with ``sample_from_datasets``.

Run: ``python -m benchmarks.dataset.reads [--smoke] [--runs N]``; ``run(smoke)`` returns
a dict.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

from benchmarks.common import WORK_DIR  # noqa: E402
from benchmarks.dataset.workloads import (  # noqa: E402
    LABEL,
    TABULAR,
    WORKLOADS,
    Workload,
    class_counts,
    prepare,
)
from benchmarks.dataset.workloads import smoke as smoke_of  # noqa: E402

BATCH = TABULAR.batch  # the tf.data recipes' workload
RUNS = 3
FAST_RUNS = 5  # the plain reads and balanced_dataset take seconds per run
# The parallel-reads recipe reads at a fifth of the others' rate: its runs are bounded to this
# many seconds (it is never the best plain read, so the bound changes no ratio).
PARALLEL_READS_SECONDS = 2.0
SLOW_BATCHES, SLOW_SECONDS = 200, 10.0  # bound of each rejection_resample / filter run
CHUNK = 100  # batches per graph-mode call of the consumer
READ_BUFFER = 1 << 20  # bytes each TFRecord reader reads ahead (tf.data's default is 256 KiB)


def read_records(files, **kwargs):
    import tensorflow as tf

    return tf.data.TFRecordDataset(
        files, compression_type='GZIP', buffer_size=READ_BUFFER, **kwargs
    )


def example_parser(workload: Workload):
    import tensorflow as tf

    spec = workload.feature_spec()

    def parse(serialized):
        features = tf.io.parse_example(serialized, spec)
        return features, features.pop(getattr(workload, 'label_feature', LABEL))

    return parse


def plain_sequential(files, workload: Workload):
    """One reader over the files in turn, batch, parse each batch in parallel, prefetch."""
    import tensorflow as tf

    return (
        read_records(files)
        .repeat()
        .batch(workload.batch)
        .map(example_parser(workload), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def plain_parallel_reads(files, workload: Workload):
    """Files read in parallel (``num_parallel_reads=AUTOTUNE``, order not kept), then as above."""
    import tensorflow as tf

    options = tf.data.Options()
    options.deterministic = False
    return (
        read_records(files, num_parallel_reads=tf.data.AUTOTUNE)
        .repeat()
        .batch(workload.batch)
        .map(example_parser(workload), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
        .with_options(options)
    )


def plain_wide_parse(files, workload: Workload):
    """One reader, parse 10 batches at a time (one ``parse_example`` per 10 batches), rebatch."""
    import tensorflow as tf

    return (
        read_records(files)
        .repeat()
        .batch(10 * workload.batch)
        .map(example_parser(workload), num_parallel_calls=tf.data.AUTOTUNE)
        .rebatch(workload.batch)
        .prefetch(tf.data.AUTOTUNE)
    )


PARALLEL_READS = 'plain read: parallel reads (AUTOTUNE, any order)'
PLAIN_READS = {
    'plain read: one reader, parse per batch': plain_sequential,
    PARALLEL_READS: plain_parallel_reads,
    'plain read: one reader, parse 10 batches at once': plain_wide_parse,
}


def balanced(pattern, workload: Workload):
    from tfx_balance.core.balanced_input_gen import balanced_dataset

    return balanced_dataset(pattern, LABEL, workload.batch, schema=workload.schema(), seed=0)


def _label_of(serialized):
    import tensorflow as tf

    spec = {LABEL: tf.io.FixedLenFeature([], tf.int64)}
    return tf.io.parse_single_example(serialized, spec)[LABEL]


def rejection_resample(files, workload: Workload):
    import tensorflow as tf

    counts = class_counts(workload.total, workload.classes)
    initial = [c / sum(counts) for c in counts]
    uniform = [1 / workload.classes] * workload.classes
    ds = read_records(files).repeat().map(lambda s: (_label_of(s), s))
    ds = ds.rejection_resample(
        lambda label, _s: tf.cast(label, tf.int32),
        target_dist=uniform,
        initial_dist=initial,
        seed=0,
    )
    return ds.map(lambda _label, pair: pair[1]).batch(workload.batch).map(example_parser(workload))


def filter_sample(files, workload: Workload):
    import tensorflow as tf

    streams = [
        read_records(files).repeat().filter(lambda s, k=k: tf.equal(_label_of(s), k))
        for k in range(workload.classes)
    ]
    uniform = [1 / workload.classes] * workload.classes
    ds = tf.data.Dataset.sample_from_datasets(streams, uniform, seed=0)
    return ds.batch(workload.batch).map(example_parser(workload))


SLOW_RECIPES = {
    'rejection_resample': rejection_resample,
    'filter + sample_from_datasets': filter_sample,
}


def graph_consumer(classes: int):
    """A ``tf.function`` that pulls ``n`` batches from an iterator in graph mode, as Keras's
    ``fit`` does, and returns each batch's class counts (so no Python runs per batch)."""
    import tensorflow as tf

    @tf.function
    def take(iterator, n):
        counts = tf.TensorArray(tf.int32, size=n)
        for i in tf.range(n):
            _, labels = iterator.get_next()
            ids = tf.cast(tf.reshape(labels, [-1]), tf.int32)
            counts = counts.write(i, tf.math.bincount(ids, minlength=classes, maxlength=classes))
        return counts.stack()

    return take


def measure(make, batches: int, seconds: float, workload: Workload, exact: bool = False) -> tuple:
    """(examples/s, examples per CPU-second) over ``batches`` batches (or ``seconds``).

    Batches are consumed in graph mode, ``CHUNK`` at a time (``graph_consumer``), after a warm-up
    of one chunk. The CPU figure counts every thread of this process, so it is less sensitive to
    other work on a shared machine than the wall-clock rate. With ``exact``, every timed batch is
    checked to hold ``batch / classes`` examples of each class (after the clock stops).
    """
    take = graph_consumer(workload.classes)
    # never more than the run's batches: a bounded smoke run of a slow recipe (a few batches
    # a second) would spend longer warming up than measuring
    chunk = min(CHUNK if seconds > 1e6 else 5, batches)
    iterator = iter(make())
    take(iterator, chunk)
    counts = []
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while n < batches and time.perf_counter() - start < seconds:
        counts.append(take(iterator, min(chunk, batches - n)))
        n += int(counts[-1].shape[0])
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if exact:
        for got in counts:
            expected = workload.batch // workload.classes
            assert (got.numpy() == expected).all(), f'balanced batch not exact: {got.numpy()}'
    return n * workload.batch / wall, n * workload.batch / max(cpu, 1e-9)


def alternate(names: list, run: int) -> list:
    """``names`` in order on even runs and reversed on odd ones (ABBA): over the runs, a
    machine getting steadily faster or slower favours no method."""
    return names if run % 2 == 0 else names[::-1]


def result_row(method, rates) -> dict:
    return {
        'method': method,
        'examples_per_s': statistics.median(r[0] for r in rates),
        'examples_per_cpu_s': statistics.median(r[1] for r in rates),
        'runs': [r[0] for r in rates],
    }


def measure_workload(
    workload: Workload, runs: int, batches: int | None = None, work_dir: str = WORK_DIR
) -> dict:
    """The plain reads and balanced_dataset over one pass of ``workload`` each run (the
    parallel-reads recipe bounded to ``PARALLEL_READS_SECONDS``), alternating run by run, in
    forward then reverse order (so a drift of the machine's speed hits all alike); the best plain
    read is the baseline."""
    raw_files, pattern = prepare(workload, work_dir)
    batches = batches or workload.total // workload.batch
    cases = {name: (lambda f=f: f(raw_files, workload)) for name, f in PLAIN_READS.items()}
    cases['balanced_dataset'] = lambda: balanced(pattern, workload)
    rates = {name: [] for name in cases}
    for run in range(runs):
        for name in alternate(list(cases), run):
            exact = name == 'balanced_dataset'
            bound = PARALLEL_READS_SECONDS if name == PARALLEL_READS else 1e9
            rates[name].append(measure(cases[name], batches, bound, workload, exact))
            print(f'{workload.name} {name}: {rates[name][-1][0]:,.0f} examples/s', flush=True)
    rows = [result_row(name, rates[name]) for name in cases]
    best = max(rows[:-1], key=lambda r: r['examples_per_s'])
    for row in rows:
        row['ratio_vs_best_plain'] = row['examples_per_s'] / best['examples_per_s']
        row['cpu_ratio_vs_best_plain'] = row['examples_per_cpu_s'] / best['examples_per_cpu_s']
    counts = class_counts(workload.total, workload.classes)
    return {
        'workload': workload.name,
        'describe': workload.describe(),
        'examples': workload.total,
        'class_counts': counts,
        'batch_size': workload.batch,
        'best_plain': best['method'],
        'rows': rows,
        'ratio': rows[-1]['ratio_vs_best_plain'],
        'runs': runs,
    }


def measure_recipes(
    workload: Workload, runs: int, batches: int, seconds: float, work_dir: str = WORK_DIR
) -> list:
    """The usual tf.data balancing recipes, bounded runs, rates relative to the best plain read."""
    raw_files, _ = prepare(workload, work_dir)
    rows = []
    for name, recipe in SLOW_RECIPES.items():
        rates = [
            measure(lambda r=recipe: r(raw_files, workload), batches, seconds, workload)
            for _ in range(runs)
        ]
        print(f'{workload.name} {name}: {rates[-1][0]:,.0f} examples/s', flush=True)
        rows.append(result_row(name, rates))
    return rows


def _markdown(results: list, recipes: list, fast_runs: int, runs: int, bound: tuple) -> str:
    lines = [
        'Each workload: gzipped tf.Examples with classes from 50% down to 0.1%, uniform target. '
        'The plain reads (unbalanced) read the 10 input files; balanced_dataset reads the same '
        'examples as BalancedInputGen lays them out. Each plain read is tuned as a user would '
        f'tune it (read buffer {READ_BUFFER >> 20} MiB, `parse_example` on whole batches in '
        'parallel, prefetch); the best of them per workload is the baseline. One run = one pass '
        f'of the data, consumed in graph mode as `model.fit` consumes it ({CHUNK} batches per '
        f'`tf.function` call, no Python per batch; the parallel-reads recipe, at a fifth of the '
        f"others' rate, bounded to {PARALLEL_READS_SECONDS:.0f} s per run); median of {fast_runs} "
        'runs, alternating between the methods run by run, in forward then reverse order. '
        'balanced_dataset batches are checked exact (batch / classes per class) in every run.',
        '',
        *(
            f'- {r["workload"]}: {r["examples"]:,} examples, {r["describe"]}; class sizes '
            f'{r["class_counts"][0]:,} ... {r["class_counts"][-1]:,}.'
            for r in results
        ),
        '',
        '| workload | method | examples/s | vs best plain read | examples/CPU-s | vs best plain (CPU) |',
        '|---|---|---:|---:|---:|---:|',
    ]
    for result in results:
        for row in result['rows']:
            label = row['method'] + (
                ' (best plain)' if row['method'] == result['best_plain'] else ''
            )
            lines.append(
                f'| {result["workload"]} | {label} '
                f'| {row["examples_per_s"]:,.0f} | {row["ratio_vs_best_plain"]:.2f}x '
                f'| {row["examples_per_cpu_s"]:,.0f} | {row["cpu_ratio_vs_best_plain"]:.2f}x |'
            )
    if recipes:
        tabular = results[0]
        best = next(r for r in tabular['rows'] if r['method'] == tabular['best_plain'])
        lines += [
            '',
            f'The usual tf.data recipes on the {tabular["workload"]} workload (median of {runs} '
            f'runs, each bounded to {bound[0]} batches or {bound[1]:.0f} s):',
            '',
            '| method | examples/s | vs best plain read |',
            '|---|---:|---:|',
        ]
        for row in recipes:
            ratio = row['examples_per_s'] / best['examples_per_s']
            lines.append(f'| {row["method"]} | {row["examples_per_s"]:,.0f} | {ratio:.3f}x |')
    return '\n'.join(lines)


def run(
    smoke: bool = False, runs: int = FAST_RUNS, recipe_runs: int = RUNS, work_dir: str = WORK_DIR
) -> dict:
    """Runs the benchmark on every workload (generated and laid out under ``work_dir``);
    returns ``{'workloads': [...], 'markdown': ...}``."""
    import tensorflow as tf

    tf.get_logger().setLevel('ERROR')  # rejection_resample logs its rejection rate per batch
    workloads = [smoke_of(w) for w in WORKLOADS] if smoke else list(WORKLOADS)
    fast_runs = 1 if smoke else runs
    slow_runs = 1 if smoke else recipe_runs
    bound = (1, 5.0) if smoke else (SLOW_BATCHES, SLOW_SECONDS)
    results = [measure_workload(w, fast_runs, 20 if smoke else None, work_dir) for w in workloads]
    recipes = measure_recipes(workloads[0], slow_runs, *bound, work_dir)
    return {
        'name': 'balanced_dataset',
        'smoke': smoke,
        'workloads': results,
        'recipes': recipes,
        'balanced_batches_exact': True,  # measure() asserted it batch by batch
        'markdown': _markdown(results, recipes, fast_runs, slow_runs, bound),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, finishes in seconds')
    parser.add_argument('--runs', type=int, default=FAST_RUNS, help='runs per method')
    args = parser.parse_args()
    print(run(args.smoke, args.runs)['markdown'])


if __name__ == '__main__':
    main()
