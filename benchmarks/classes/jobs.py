"""Benchmark: balanced_dataset as the number of classes grows (10 / 100 / 1,000 / 10,000).

One data set per class count, all of the same total size (``TOTAL`` examples of 20 floats and an
int64 label, Zipf-like class sizes ``n_k ~ 1 / (k + 1)``, at least one example per class), written
as ``FILES`` gzipped files with the classes interleaved at random (the plain reads' input) and
laid out per class by ``BalancedLayout`` (balanced_dataset's input), once, under ``classes/`` of
the run's work folder (``--work-dir``, by default ``benchmarks/_work/``). Per class count, runs
alternating between the methods (forward then reverse order):

- time to first batch: building the dataset and taking its first batch (eagerly);
- steady rate: examples/s of about ``STEADY_EXAMPLES`` examples (``steady_batches``: 150
  batches of 1,024, 20 of 10,240) after the first ``CHUNK`` batches, consumed in
  graph mode as ``model.fit`` does (``benchmarks.dataset.reads.graph_consumer``);
- the best-tuned plain read without a record shuffle (one reader, ``parse_example`` on 10
  batches at once) and with one (the same after ``shuffle(10_000)`` of the records);
- growth of the process's resident memory over the balanced run.

Batches are ``max(1024, K)`` rounded up to a multiple of 1,024; with uniform weights each class
gets ``floor`` or ``ceil`` of ``B / K`` per batch, which every balanced batch is checked for.
``model.fit`` steps/s at 1,000 classes (one softmax layer over the 20 features) compares the two
inputs the same way.

A window of spans (issue 51), at 1,000 and 10,000 classes: the same examples written as
``WINDOW_SPANS`` files, one a span, each laid out on its own (its own class files and plan, as
BalancedInputGen lays out each span once in a daily run); balanced_dataset reads the list of the
spans' patterns, as a Trainer reads ``fn_args.train_files`` of a window, and merges their plans
at read time. The same measures, every batch checked over the union of the spans' classes; the
plain reads read the spans' files.

Run: ``python -m benchmarks.classes.jobs [--smoke] [--runs N]``; ``run(smoke)`` returns a dict.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

from benchmarks import common  # noqa: E402
from benchmarks.dataset import (
    reads,  # noqa: E402
    training,  # noqa: E402
    workloads,  # noqa: E402
)
from benchmarks.dataset.workloads import LABEL, Workload, zipf_counts  # noqa: E402

FOLDER = 'classes'  # of the work folder
TOTAL = 200_000
CLASSES = (10, 100, 1_000, 10_000)
FILES = 4
RUNS = 3
STEADY_EXAMPLES = 150 * 1024  # examples of the steady-rate window, whatever the batch size
CHUNK = 10  # batches per graph-mode call of the consumer
SHUFFLE = 10_000
FIT_CLASSES = 1_000
WINDOW_SPANS = 7
WINDOW_CLASSES = (1_000, 10_000)  # the class counts measured over a window too
FIT_STEPS = 150
# A smoke run (``run(smoke=True)``): one class count of 4,000 examples, which the fit reuses
# (one layout), 1 run.
SMOKE_CLASSES, SMOKE_TOTAL = 10, 4_000


def batch_size_for(classes: int) -> int:
    return 1024 * max(1, math.ceil(classes / 1024))


def steady_batches(batch: int) -> int:
    """Batches of the steady-rate window: ``STEADY_EXAMPLES`` rounded up to whole ``CHUNK``s."""
    return CHUNK * max(1, math.ceil(STEADY_EXAMPLES / (batch * CHUNK)))


def workload(classes: int, total: int = TOTAL) -> Workload:
    return Workload(
        f'zipf-{classes}',
        total,
        classes,
        batch_size_for(classes),
        tuple((f'f{j:02d}', 1) for j in range(20)),
        sizes='zipf',
        shards=FILES,
    )


def prepare(w: Workload, work_dir: str, spans: int = 1) -> tuple:
    """Generates and lays out ``w`` once under ``work_dir/classes``; returns (raw files,
    laid-out pattern: with ``spans`` > 1 one per span, each span laid out on its own)."""
    return workloads.prepare(w, work_dir, FOLDER, spans)


def plain_shuffled(files, w: Workload):
    """One reader, ``shuffle(10_000)`` of the records, parse 10 batches at once, rebatch."""
    import tensorflow as tf

    return (
        reads.read_records(files)
        .repeat()
        .shuffle(SHUFFLE, seed=0)
        .batch(10 * w.batch)
        .map(reads.example_parser(w), num_parallel_calls=tf.data.AUTOTUNE)
        .rebatch(w.batch)
        .prefetch(tf.data.AUTOTUNE)
    )


PLAIN = 'plain read (no shuffle)'
PLAIN_SHUFFLED = 'plain read + shuffle(10,000)'
BALANCED = 'balanced_dataset'
STREAMED = 'balanced_dataset, streamed (memory_budget=0)'
STREAMED_MAX_CLASSES = 100  # the streamed path (one stream per class) only up to this many


def _rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def _check_batches(got, w: Workload) -> None:
    low, high = w.batch // w.classes, -(-w.batch // w.classes)
    assert ((got >= low) & (got <= high)).all(), f'{w.name}: balanced batch off the rule'
    assert (got.sum(axis=1) == w.batch).all()


def measure(make, w: Workload, batches: int, check: bool) -> dict:
    """Time to first batch, steady examples/s and RSS growth of one run of ``make()``."""
    take = reads.graph_consumer(w.classes)
    rss = _rss_mib()
    start = time.perf_counter()
    iterator = iter(make())
    next(iterator)
    first = time.perf_counter() - start
    take(iterator, CHUNK)  # warm-up (and tracing, for the first run of a kind)
    counts, n, start = [], 0, time.perf_counter()
    while n < batches:
        counts.append(take(iterator, CHUNK))
        n += CHUNK
    steady = n * w.batch / (time.perf_counter() - start)
    growth = _rss_mib() - rss
    if check:
        for got in counts:
            _check_batches(got.numpy(), w)
    del iterator
    return {'first_s': first, 'rate': steady, 'rss_growth_mib': growth}


def streamed(pattern, w: Workload):
    """balanced_dataset with one stream per class (the reader before the in-memory path)."""
    from tfx_balance.core.balanced_input_gen import balanced_dataset

    schema = w.schema()
    return balanced_dataset(pattern, LABEL, w.batch, schema=schema, seed=0, memory_budget=0)


def measure_classes(
    w: Workload,
    runs: int,
    batches: int,
    streamed_max: int,
    work_dir: str = common.WORK_DIR,
    spans: int = 1,
) -> dict:
    """Every method on ``w``; ``spans`` > 1: over a window of spans, each laid out on its own."""
    raw_files, pattern = prepare(w, work_dir, spans)
    cases = {
        PLAIN: lambda: reads.plain_wide_parse(raw_files, w),
        PLAIN_SHUFFLED: lambda: plain_shuffled(raw_files, w),
        BALANCED: lambda: reads.balanced(pattern, w),
    }
    if w.classes <= streamed_max:
        cases[STREAMED] = lambda: streamed(pattern, w)
    got = {name: [] for name in cases}
    title = w.name + (f' ({spans} spans)' if spans > 1 else '')
    for run in range(runs):
        for name in reads.alternate(list(cases), run):
            got[name].append(measure(cases[name], w, batches, name in (BALANCED, STREAMED)))
            r = got[name][-1]
            print(
                f'{title} {name}: first batch {r["first_s"]:.2f} s, {r["rate"]:,.0f} ex/s, '
                f'RSS +{r["rss_growth_mib"]:.0f} MiB',
                flush=True,
            )
    rows = {}
    for name, rs in got.items():
        rows[name] = {
            'first_s': statistics.median(r['first_s'] for r in rs),
            'rate': statistics.median(r['rate'] for r in rs),
            'runs_first_s': [r['first_s'] for r in rs],
            'runs_rate': [r['rate'] for r in rs],
            'rss_growth_mib': max(r['rss_growth_mib'] for r in rs),
        }
    best = max((PLAIN, PLAIN_SHUFFLED), key=lambda n: rows[n]['rate'])
    ours = rows[BALANCED]
    return {
        'classes': w.classes,
        'spans': spans,
        'layout_files': sum(len(glob.glob(p)) for p in (pattern if spans > 1 else [pattern])),
        'examples': w.total,
        'batch_size': w.batch,
        'smallest_class': zipf_counts(w.total, w.classes)[-1],
        'largest_class': zipf_counts(w.total, w.classes)[0],
        'rows': rows,
        'best_plain': best,
        'first_batch_goal_s': 3 * rows[best]['first_s'] + 1,
        'rate_ratio': ours['rate'] / rows[best]['rate'],
        'runs': runs,
    }


def measure_fit(
    w: Workload, runs: int, steps: int, work_dir: str = common.WORK_DIR, warm_up: bool = True
) -> dict:
    """``model.fit`` steps/s of one softmax layer, fed by balanced_dataset vs the shuffled read
    (``benchmarks.dataset.training.timed_fits``: timed from step ``WARM_STEPS``)."""
    raw_files, pattern = prepare(w, work_dir)
    inputs = {
        PLAIN_SHUFFLED: lambda: plain_shuffled(raw_files, w),
        BALANCED: lambda: reads.balanced(pattern, w),
    }
    rows = training.timed_fits(
        inputs, lambda make: (training.one_softmax_layer(w), make()), steps, runs, w.name, warm_up
    )
    steps_per_s = {name: row['steps_per_s'] for name, row in rows.items()}
    return {
        'classes': w.classes,
        'batch_size': w.batch,
        'steps_per_s': steps_per_s,
        'runs_steps_per_s': {name: row['runs_steps_per_s'] for name, row in rows.items()},
        'ratio': steps_per_s[BALANCED] / steps_per_s[PLAIN_SHUFFLED],
        'runs': runs,
    }


def _spread(values) -> str:
    return f'{min(values):,.0f}-{max(values):,.0f}'


def _table(results: list) -> list:
    lines = [
        '| classes | batch | method | first batch (s) | steady examples/s | vs best plain '
        '| RSS growth |',
        '|---:|---:|---|---:|---:|---:|---:|',
    ]
    for r in results:
        best = r['rows'][r['best_plain']]
        for name, row in r['rows'].items():
            label = name + (' (best plain)' if name == r['best_plain'] else '')
            lines.append(
                f'| {r["classes"]:,} | {r["batch_size"]:,} | {label} | {row["first_s"]:.2f} '
                f'({min(row["runs_first_s"]):.2f}-{max(row["runs_first_s"]):.2f}) '
                f'| {row["rate"]:,.0f} ({_spread(row["runs_rate"])}) '
                f'| {row["rate"] / best["rate"]:.2f}x | {row["rss_growth_mib"]:.0f} MiB |'
            )
    return lines


def _markdown(results: list, fit: dict | None, window: list = ()) -> str:
    lines = [
        f'{results[0]["examples"]:,} examples of 20 floats per class count, Zipf-like class sizes '
        f'(`n_k ~ 1/(k+1)`), {FILES} gzipped input files for the plain reads, the '
        'BalancedInputGen layout for balanced_dataset. First batch: building the dataset and '
        f'taking one batch. Steady: {steady_batches(1024)} batches of 1,024 (at 10,240: '
        f'{steady_batches(10240)}) after a warm-up, consumed in graph '
        f'mode ({CHUNK} per `tf.function` call). Median of {results[0]["runs"]} alternating runs '
        '(spread in brackets); every balanced batch checked (`floor`/`ceil` of B/K per class). '
        'RSS growth: of the process over one run (largest of the runs).',
        '',
        *_table(results),
    ]
    if fit:
        rates = fit['runs_steps_per_s']
        lines += [
            '',
            f'`model.fit` at {fit["classes"]:,} classes (batch {fit["batch_size"]:,}, one softmax '
            f'layer): balanced_dataset {fit["steps_per_s"][BALANCED]:.1f} steps/s '
            f'({min(rates[BALANCED]):.1f}-{max(rates[BALANCED]):.1f}), plain read + shuffle '
            f'{fit["steps_per_s"][PLAIN_SHUFFLED]:.1f} ({min(rates[PLAIN_SHUFFLED]):.1f}-'
            f'{max(rates[PLAIN_SHUFFLED]):.1f}): {fit["ratio"]:.2f}x, median of {fit["runs"]} '
            'alternating runs.',
        ]
    if window:
        files = ', '.join(f'{r["classes"]:,} classes: {r["layout_files"]:,}' for r in window)
        lines += [
            '',
            f'Over a window of {window[0]["spans"]} spans (issue 51): the same examples as '
            f'{window[0]["spans"]} files, one a span, each laid out on its own (its own class '
            'files and plan, as BalancedInputGen lays out each span once in a daily run); '
            "balanced_dataset reads the spans' patterns as a Trainer reads `fn_args.train_files` "
            'of a window, merging their plans at read time, and every batch is checked over the '
            f"union of the spans' classes; the plain reads read the spans' files. Class files "
            f'of the window: {files}.',
            '',
            *_table(window),
        ]
    return '\n'.join(lines)


def run(
    smoke: bool = False,
    runs: int = RUNS,
    classes=CLASSES,
    streamed_max: int = STREAMED_MAX_CLASSES,
    fit: bool = True,
    work_dir: str = common.WORK_DIR,
) -> dict:
    """Measures every class count (data under ``work_dir/classes``), and those of
    ``WINDOW_CLASSES`` over a window of ``WINDOW_SPANS`` spans too (a smoke run: its one);
    returns ``{'classes': [...], 'fit': ..., 'window': [...], 'markdown': ...}``."""
    total = SMOKE_TOTAL if smoke else TOTAL
    runs = 1 if smoke else runs
    counts = (SMOKE_CLASSES,) if smoke else classes

    def measured(k: int, spans: int = 1) -> dict:
        batches = CHUNK if smoke else steady_batches(batch_size_for(k))
        return measure_classes(workload(k, total), runs, batches, streamed_max, work_dir, spans)

    results = [measured(k) for k in counts]
    fit_classes, fit_steps = (
        (SMOKE_CLASSES, training.WARM_STEPS + 5) if smoke else (FIT_CLASSES, FIT_STEPS)
    )
    fit_workload = workload(fit_classes, total)
    fit = measure_fit(fit_workload, runs, fit_steps, work_dir, warm_up=not smoke) if fit else None
    window = [
        measured(k, WINDOW_SPANS)
        for k in (counts if smoke else [k for k in counts if k in WINDOW_CLASSES])
    ]
    return {
        'name': 'classes',
        'smoke': smoke,
        'classes': results,
        'fit': fit,
        'window': window,
        'balanced_batches_checked': True,  # measure() asserted it batch by batch
        'markdown': _markdown(results, fit, window),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, finishes in seconds')
    parser.add_argument('--runs', type=int, default=RUNS, help='runs per method')
    parser.add_argument('--classes', type=int, nargs='+', default=list(CLASSES))
    parser.add_argument('--streamed-max', type=int, default=STREAMED_MAX_CLASSES)
    parser.add_argument('--no-fit', action='store_true', help='leave out model.fit')
    args = parser.parse_args()
    result = run(args.smoke, args.runs, tuple(args.classes), args.streamed_max, not args.no_fit)
    print(result['markdown'])


if __name__ == '__main__':
    main()
