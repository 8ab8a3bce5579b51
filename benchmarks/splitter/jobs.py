"""StratifiedSplitter against the I/O floor and TFX's ExampleGen hash split (issue 8, items 1, 4).

Three jobs, each on the same gzipped tabular workload and writing three splits (8:1:1) as gzipped
TFRecords:

- ``splitter``: the real ``tfx_balance.stratified_splitter.executor.Executor`` ``Do``, on an
  ``Examples`` artifact pointing at the workload (what a pipeline user gets: two reads of the
  split's files with the C++ tf.data reader, batched label decoding, exact stratified split, the
  same gzip write as the floor, ``split_counts.json``).
- ``floor``: the I/O floor, the least a Beam split can do: TFX's raw-record read through
  tfx_bsl's TFXIO (``artifacts.ReadSplits``), a ``beam.Partition`` by a seeded hash of each
  record's bytes and the same gzip write (``artifacts.WriteRecords``).
- ``tfx_hash``: TFX's own ImportExampleGen split, built from TFX's functions: its reader
  (``ReadFromTFRecord``), its ``_PartitionFn`` (SHA-256 of the record into hash buckets 8/1/1)
  and its ``WriteSplit`` (which reshuffles before writing).

Issue 26 adds three jobs on the same workload:

- ``splitter_folds``: the executor with ``folds=5, holdout={'test': 0.1}`` (six splits).
- ``floor_folds``: the I/O floor writing the same six splits (hash partition by their weights).
- ``splitter_bins``: the executor with ``label_bins=10`` on the float feature ``f00`` (8:1:1):
  the extra read that computes the quantile edges, and classes that are bins; its cost is its
  time vs ``splitter``'s.

Issue 90 adds two jobs on the workload with an int64 ``site`` of 30 values
(``common.tabular_workload(sites=True)``):

- ``splitter_sites``: the executor, 8:1:1 stratified on the label alone.
- ``splitter_strata``: the same with ``stratify_features=['site']``; its cost is its time and peak
  RSS vs ``splitter_sites``'.

Each is measured in a fresh process (wall time of the Beam job, peak RSS of the process).
"""

from __future__ import annotations

import json
import os

from benchmarks import common, harness
from benchmarks.common.floor import (
    FOLDS,
    HOLDOUT,
    SEED,
    SPLITS,
    check_written,
    workload_size,
)

BINS, BINS_FEATURE = 10, common.FLOAT_NAMES[0]


def splitter_job(
    data_dir: str,
    out_dir: str,
    beam_args: list,
    verify: bool = True,
    mode: str = 'splits',
    label_feature: str = common.LABEL_FEATURE,
    multi_label: str | None = None,
) -> dict:
    """Runs the StratifiedSplitter executor once (``mode``: 'splits', 'folds', 'bins' or
    'strata': ``stratify_features=[SITE_FEATURE]``);
    returns its wall time. ``multi_label`` (``'ids'`` or ``'multi_hot'``) is passed only when
    set (the multi-label section)."""
    from tfx.dsl.components.base import base_beam_executor

    from tfx_balance.core.common import keys
    from tfx_balance.core.split.config import StratifiedSplitConfig
    from tfx_balance.stratified_splitter.executor import Executor

    common.reset_dir(out_dir)
    examples = common.examples_artifact(data_dir)
    output = common.examples_artifact(out_dir, [])
    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=list(beam_args), tmp_dir=os.path.join(out_dir, '.tmp')
    )
    props = {
        keys.LABEL_FEATURE_KEY: label_feature,
        keys.SPLITS_KEY: json.dumps([list(s) for s in SPLITS]),
        keys.SEED_KEY: SEED,
        keys.INPUT_SPLITS_KEY: None,
        keys.GROUP_FEATURE_KEY: None,
    }
    if mode == 'folds':
        props.update(StratifiedSplitConfig(common.LABEL_FEATURE, folds=FOLDS, holdout=HOLDOUT).validate()
                     .to_exec_properties())  # fmt: skip
    elif mode == 'bins':
        config = StratifiedSplitConfig(
            BINS_FEATURE, splits=dict(SPLITS), label_bins=BINS, seed=SEED
        )
        props.update(config.validate().to_exec_properties())
    elif mode == 'strata':
        config = StratifiedSplitConfig(
            label_feature, splits=dict(SPLITS), seed=SEED, stratify_features=[common.SITE_FEATURE]
        )
        props.update(config.validate().to_exec_properties())
    if multi_label is not None:
        props[keys.MULTI_LABEL_KEY] = multi_label
    executor = Executor(context)  # builds TFX's ephemeral sdist: a fixed cost, not timed
    seconds = harness.timed(
        lambda: executor.Do(
            {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, props
        )
    )
    n = workload_size(data_dir)
    written = check_written(out_dir, n) if verify else n
    return {'seconds': seconds, 'examples_written': written}


def tfx_hash_job(data_dir: str, out_dir: str, beam_args: list, verify: bool = True) -> dict:
    """TFX ImportExampleGen's hash split: ReadFromTFRecord -> _PartitionFn -> WriteSplit."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from tfx.components.example_gen import base_example_gen_executor as base
    from tfx.components.example_gen import write_split
    from tfx.proto import example_gen_pb2

    split_config = example_gen_pb2.SplitConfig(
        splits=[example_gen_pb2.SplitConfig.Split(name=n, hash_buckets=b) for n, b in SPLITS]
    )
    buckets, total = [], 0
    for _, b in SPLITS:
        total += b
        buckets.append(total)
    pattern = os.path.join(data_dir, f'Split-{common.SPLIT}', '*')
    common.reset_dir(out_dir)

    def run():
        with beam.Pipeline(options=PipelineOptions(list(beam_args))) as pipeline:
            parts = (
                pipeline
                | 'ReadFromTFRecord' >> beam.io.ReadFromTFRecord(file_pattern=pattern)
                | 'SplitData'
                >> beam.Partition(base._PartitionFn, len(buckets), buckets, split_config)
            )
            for i, (name, _) in enumerate(SPLITS):
                _ = parts[i] | f'WriteSplit[{name}]' >> write_split.WriteSplit(
                    os.path.join(out_dir, f'Split-{name}'), 'tfrecords_gzip'
                )

    seconds = harness.timed(run)
    n = workload_size(data_dir)
    written = check_written(out_dir, n) if verify else n
    return {'seconds': seconds, 'examples_written': written}


JOBS = {
    'splitter': 'benchmarks.splitter.jobs:splitter_job',
    'floor': 'benchmarks.common.floor:floor_job',
    'tfx_hash': 'benchmarks.splitter.jobs:tfx_hash_job',
    'leakage': 'benchmarks.splitter.leakage:leakage_job',  # LeakageCheck (issue 26)
    'splitter_folds': 'benchmarks.splitter.jobs:splitter_job',
    'floor_folds': 'benchmarks.common.floor:floor_job',
    'splitter_bins': 'benchmarks.splitter.jobs:splitter_job',
    'splitter_sites': 'benchmarks.splitter.jobs:splitter_job',
    'splitter_strata': 'benchmarks.splitter.jobs:splitter_job',
}
MODES = {
    'splitter_folds': 'folds',
    'floor_folds': 'folds',
    'splitter_bins': 'bins',
    'splitter_strata': 'strata',
}
FOLD_KINDS = ('floor_folds', 'splitter_folds', 'splitter_bins')  # issue 26, at every size
SITE_KINDS = ('splitter_sites', 'splitter_strata')  # issue 90, on the workload with sites


def job(kind: str, n: int, data_dir: str, work_dir: str, multi: bool = False) -> harness.Job:
    name = f'{kind}-n{n}' + ('-mp2' if multi else '')
    params = {
        'data_dir': data_dir,
        'out_dir': common.fresh_dir(work_dir, name),
        'beam_args': common.MULTI_PROCESS_ARGS if multi else common.IN_PROCESS_ARGS,
    }
    if kind in MODES:
        params['mode'] = MODES[kind]
    return harness.Job(name=name, function=JOBS[kind], params=params)


def run(
    sizes,
    scaling_sizes,
    multi_size: int | None,
    repeats,
    isolated: bool,
    work_dir: str = common.WORK_DIR,
    tfx_hash_max: int | None = None,
    multi_floor: bool = True,
) -> dict:
    """Measures the comparison at ``sizes``, the scaling curve and the runner modes.

    ``repeats``: runs per job, an int or a function of the size. TFX's hash split runs only at
    sizes up to ``tfx_hash_max`` (None: every size); the floor in multi-processing mode only with
    ``multi_floor``.

    Returns ``{'compare': {n: {kind: summary}}, 'scaling': {n: summary}, 'modes': {...}}``.
    """
    repeats_of = repeats if callable(repeats) else (lambda n: repeats)
    results = {'compare': {}, 'scaling': {}, 'modes': {}}
    cache = {}

    def measured(kind, n, multi=False):
        key = (kind, n, multi)
        if key not in cache:
            data_dir = common.tabular_workload(n, work_dir=work_dir, sites=kind in SITE_KINDS)
            spec = job(kind, n, data_dir, work_dir, multi)
            cache[key] = harness.measure(spec, repeats_of(n), isolated)
            _clean(work_dir, spec.name)
        return cache[key]

    for n in sizes:
        kinds = ['floor', 'splitter', 'leakage']
        if tfx_hash_max is None or n <= tfx_hash_max:
            kinds.append('tfx_hash')
        kinds += FOLD_KINDS + SITE_KINDS
        common.log(f'{" vs ".join(kinds)} at {n:,} examples')
        results['compare'][n] = {k: measured(k, n) for k in kinds}
    common.log('StratifiedSplitter scaling curve')
    for n in scaling_sizes:
        results['scaling'][n] = {k: measured(k, n) for k in ('splitter', 'floor')}
    if multi_size:
        common.log(f'StratifiedSplitter in-process vs multi-processing (2 workers), {multi_size:,}')
        results['modes'] = {
            'size': multi_size,
            'in_process': measured('splitter', multi_size),
            'multi_processing': measured('splitter', multi_size, multi=True),
        }
        if multi_floor:
            results['modes'].update(
                floor_in_process=measured('floor', multi_size),
                floor_multi_processing=measured('floor', multi_size, multi=True),
            )
    return results


def _clean(work_dir: str, name: str) -> None:
    import shutil

    shutil.rmtree(os.path.join(work_dir, 'out', name), ignore_errors=True)
