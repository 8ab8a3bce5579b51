"""Multi-label StratifiedSplitter vs iterative-stratification and a random split (issue 24).

On the workloads of ``benchmarks.common.multilabel_data`` (100 labels, Zipf-like shares, ~3 labels
per example; independent or correlated labels; label ids or multi-hot), three splits 8:1:1:

- ``ours``: the StratifiedSplitter executor with ``multi_label='ids'`` (or ``'multi_hot'``),
  exactly as in the single-label section (``benchmarks.splitter.jobs.splitter_job``), timed
  against the I/O floor (``benchmarks.common.floor.floor_job``) on the same data. Its
  quality is counted from the records it wrote (not from its ``split_counts.json``).
- ``iterstrat``: ``MultilabelStratifiedShuffleSplit`` as a user runs it for 8:1:1, two calls (20%
  off for eval + test, then that half and half), on the ``bool [n, 100]`` label matrix (the least
  memory it can be given), ``random_state=0``; time of the two calls, peak RSS of its own process
  (no TensorFlow imported there).
- ``random``: the I/O floor's own split (a seeded hash of each record's bytes into 8:1:1), the
  reference a stratified split is measured against.

Quality: LD, missing pairs and max relative deviation
(``tfx_balance.core.split.quality.split_quality``).

The splitter and the floor of one size run in one process (imports paid once), alternating
(ours, floor, floor, ours, ...; ours first, so its first run has a clean peak RSS and pays the
process's warm-up); iterstrat runs in its own process per data set.
"""

from __future__ import annotations

import json
import os

import numpy as np

from benchmarks import common, harness
from benchmarks.common import floor
from benchmarks.common import multilabel_data as data
from benchmarks.splitter import jobs as splitter_jobs

SPLIT_NAMES = [name for name, _ in floor.SPLITS]
WEIGHTS = dict(floor.SPLITS)
ITERSTRAT_SEED = 0
METHODS = ('ours', 'iterstrat', 'random')


# --------------------------------------------------------------------------------------------
# Jobs (each runs in a benchmark process; see benchmarks/harness).


def _label_counts(batch: list, encoding: str) -> np.ndarray:
    import tensorflow as tf

    parsed = tf.io.parse_example(batch, {data.LABEL_FEATURE: tf.io.VarLenFeature(tf.int64)})
    values = parsed[data.LABEL_FEATURE].values.numpy()
    if encoding == 'multi_hot':
        return values.reshape(-1, data.NUM_LABELS).sum(axis=0)
    return np.bincount(values, minlength=data.NUM_LABELS)


def count_output(out_dir: str, encoding: str) -> dict:
    """Per split, the examples and the examples carrying each label, read from the written
    records: ``{'label_counts': {split: [100 counts]}, 'split_sizes': {split: n}}``."""
    import tensorflow as tf

    from tfx_balance.core.common.records import read_file_batches

    counts, sizes = {}, {}
    for name in SPLIT_NAMES:
        total, size = np.zeros(data.NUM_LABELS, dtype=np.int64), 0
        for path in tf.io.gfile.glob(os.path.join(out_dir, f'Split-{name}', '*')):
            for batch in read_file_batches(path, batch_size=8192):
                size += len(batch)
                total += _label_counts(batch, encoding)
        counts[name], sizes[name] = total.tolist(), size
    return {'label_counts': counts, 'split_sizes': sizes}


def ours_job(data_dir: str, out_dir: str, beam_args: list, encoding: str, count: bool) -> dict:
    """The StratifiedSplitter executor with ``multi_label=encoding``; with ``count``, the label
    counts of what it wrote (checked to add up to the input). A failure is returned, not raised,
    so the other methods are still measured."""
    try:
        result = splitter_jobs.splitter_job(
            data_dir,
            out_dir,
            beam_args,
            verify=not count,
            label_feature=data.LABEL_FEATURE,
            multi_label=encoding,
        )
    except Exception as error:  # noqa: BLE001 - reported in RESULTS.md
        return {'seconds': None, 'examples_written': 0, 'error': f'{type(error).__name__}: {error}'}
    if count:
        result.update(count_output(out_dir, encoding))
        written = sum(result['split_sizes'].values())
        expected = floor.workload_size(data_dir)
        if written != expected:
            raise RuntimeError(
                f'splitter wrote {written} records to {out_dir}, expected {expected}'
            )
        result['examples_written'] = written
    return result


def iterstrat_job(data_dir: str) -> dict:
    """iterstrat's 8:1:1 as two ``MultilabelStratifiedShuffleSplit`` calls; returns the time of
    the two calls and the label counts of the three parts."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    y = data.dense_labels(data.load_labels(data_dir))
    n = len(y)
    parts = {}

    def run():
        x = np.zeros((n, 1), dtype=np.uint8)  # iterstrat only reads len(X)
        first = MultilabelStratifiedShuffleSplit(
            n_splits=1, test_size=0.2, random_state=ITERSTRAT_SEED
        )
        train, rest = next(first.split(x, y))
        second = MultilabelStratifiedShuffleSplit(
            n_splits=1, test_size=0.5, random_state=ITERSTRAT_SEED
        )
        eval_, test = next(second.split(x[rest], y[rest]))
        parts.update(train=train, eval=rest[eval_], test=rest[test])

    seconds = harness.timed(run)
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(n))
    return {
        'seconds': seconds,
        'examples_written': n,
        'label_counts': {s: y[parts[s]].sum(axis=0).tolist() for s in SPLIT_NAMES},
        'split_sizes': {s: len(parts[s]) for s in SPLIT_NAMES},
    }


# --------------------------------------------------------------------------------------------
# Measuring.


def quality(label_counts: dict, split_sizes: dict) -> dict:
    """LD, missing pairs and max relative deviation (``split_quality``) of per-split counts."""
    from tfx_balance.core.split.quality import split_quality

    counts = {s: dict(enumerate(label_counts[s])) for s in SPLIT_NAMES}
    return split_quality(counts, split_sizes, WEIGHTS)._asdict()


def random_split(data_dir: str) -> dict:
    """The floor's seeded-hash split of the workload (from ``labels.npz``) and its quality."""
    labels = data.load_labels(data_dir)
    counts, sizes = data.counts_by_split(labels, labels['random_split'], SPLIT_NAMES)
    label_counts = {s: [counts[s].get(j, 0) for j in range(data.NUM_LABELS)] for s in SPLIT_NAMES}
    return {'label_counts': label_counts, 'split_sizes': sizes}


def _summary(name: str, runs: list) -> dict:
    """Median time and peak RSS of a method's runs; the first run's peak RSS and any error."""
    for i, r in enumerate(runs):
        rss = f', peak RSS {r["peak_rss_mb"]:.0f} MiB' if r.get('peak_rss_mb') else ''
        what = r['error'] if r.get('error') else f'{r["seconds"]:.2f} s{rss}'
        common.log(f'  {name} [{i + 1}/{len(runs)}]: {what}')
    ok = [r for r in runs if r.get('seconds') is not None]
    summary = {'name': name, 'runs': [r['seconds'] for r in ok]}
    if not ok:
        return {**summary, 'error': runs[0].get('error', 'failed')}
    counted = next((r for r in ok if 'label_counts' in r), {})
    summary.update(
        seconds=harness.median_of(ok, 'seconds'),
        peak_rss_mb=harness.median_of(ok, 'peak_rss_mb'),
        first_peak_rss_mb=ok[0].get('peak_rss_mb'),
        first_baseline_rss_mb=ok[0].get('baseline_rss_mb'),
        baseline_rss_mb=harness.median_of(ok, 'baseline_rss_mb'),
        examples_written=ok[0]['examples_written'],
        label_counts=counted.get('label_counts'),
        split_sizes=counted.get('split_sizes'),
    )
    return summary


def _run(jobs: list, isolated: bool) -> list:
    if isolated:
        return harness.run_shared(jobs, 1)
    return [[harness.run_inprocess(job)] for job in jobs]


def _pair_jobs(data_dir, name, encoding, repeats, with_floor, work_dir) -> list:
    """(method, job) pairs: ours and the floor alternating (ours, floor, floor, ours, ...)."""
    jobs = []
    for i in range(repeats):
        order = ('ours', 'floor') if i % 2 == 0 else ('floor', 'ours')
        for method in order:
            if method == 'floor' and not with_floor:
                continue
            job_name = f'ml-{method}-{name}'
            out = common.fresh_dir(work_dir, job_name)
            args = common.IN_PROCESS_ARGS
            if method == 'ours':
                params = dict(
                    data_dir=data_dir, out_dir=out, beam_args=args, encoding=encoding, count=i == 0
                )
                jobs.append((method, harness.Job(job_name, f'{__name__}:ours_job', params)))
            else:
                params = dict(data_dir=data_dir, out_dir=out, beam_args=args)
                fn = 'benchmarks.common.floor:floor_job'
                jobs.append((method, harness.Job(job_name, fn, params)))
    return jobs


def datasets(n: int, smallest: bool) -> list:
    """``(kind, encoding, with_floor, with_iterstrat)`` measured at ``n`` examples: independent
    and correlated ids at every size (the floor on independent data only), multi-hot at the
    smallest size."""
    rows = [('independent', 'ids', True, True), ('correlated', 'ids', False, True)]
    if smallest:
        rows.append(('independent', 'multi_hot', True, False))
    return rows


def run(sizes, repeats: int, isolated: bool, work_dir: str = common.WORK_DIR) -> dict:
    """Measures every method on every data set of ``datasets(n)`` for ``n`` in ``sizes``;
    ``repeats`` runs of ours and of the floor (alternating). Returns ``{'rows': [...],
    'workloads': {...}}``; each row has per method its times, peak RSS, counts and quality."""
    rows, workloads = [], {}
    for n in sorted(sizes):
        common.log(f'Multi-label split at {n:,} examples: ours vs floor vs iterstrat vs random')
        plan, jobs = [], []
        for kind, encoding, with_floor, with_iterstrat in datasets(n, n == min(sizes)):
            data_dir = data.workload(kind, encoding, n, work_dir=work_dir)
            with open(os.path.join(data_dir, 'workload.json')) as f:
                workloads[os.path.basename(data_dir)] = json.load(f)
            name = f'{kind}-{encoding}-n{n}'
            pairs = _pair_jobs(data_dir, name, encoding, repeats, with_floor, work_dir)
            plan.append((kind, encoding, data_dir, with_iterstrat, len(jobs), len(pairs)))
            jobs += pairs
        results = _run([job for _, job in jobs], isolated)
        for kind, encoding, data_dir, with_iterstrat, start, count in plan:
            row = {'kind': kind, 'encoding': encoding, 'n': n, 'methods': {}}
            mine = list(zip(jobs[start : start + count], results[start : start + count]))
            for method in ('ours', 'floor'):
                runs = [r[0] for (m, _), r in mine if m == method]
                if runs:
                    row['methods'][method] = _summary(f'{method} {kind} {encoding}', runs)
            if with_iterstrat:
                job = harness.Job(f'iterstrat-{kind}-n{n}', f'{__name__}:iterstrat_job', {})
                job.params['data_dir'] = data_dir
                row['methods']['iterstrat'] = _summary(job.name, _run([job], isolated)[0])
            row['methods']['random'] = random_split(data_dir)
            for summary in row['methods'].values():
                if summary.get('label_counts'):
                    summary['quality'] = quality(summary['label_counts'], summary['split_sizes'])
            rows.append(row)
        for _, job in jobs:
            _clean(work_dir, job.name)
    return {'rows': rows, 'workloads': workloads, 'repeats': repeats}


def _clean(work_dir: str, name: str) -> None:
    import shutil

    shutil.rmtree(os.path.join(work_dir, 'out', name), ignore_errors=True)
