"""The I/O floor: the least a Beam split can do, the yardstick of every Beam section.

``floor_job`` reads a workload with TFX's raw-record read through tfx_bsl's TFXIO
(``artifacts.ReadSplits``; the executors read with ``records.read_file_batches``), partitions
it by a seeded hash of each record's bytes (``beam.Partition``) and writes the splits with the
same gzip write as the executors (``artifacts.WriteRecords``).
The splitter, augmenter, multilabel and smote_speed sections time their executors against it on
the same input; ``common.multilabel_data`` uses its hash as the random split.

Example::

    from benchmarks import common, harness
    from benchmarks.common import floor

    data_dir = common.tabular_workload(1_000)
    job = harness.Job('floor', 'benchmarks.common.floor:floor_job',
                      {'data_dir': data_dir, 'out_dir': '/tmp/floor',
                       'beam_args': common.IN_PROCESS_ARGS})
    print(harness.run_inprocess(job)['seconds'])
"""

from __future__ import annotations

import json
import os

from benchmarks import common, harness

SPLITS = (('train', 8), ('eval', 1), ('test', 1))
SEED = 0
# The splitter section's folds job (folds=5 and a 10% test split) and its floor.
FOLDS, HOLDOUT = 5, {'test': 0.1}


def check_written(out_dir: str, expected: int) -> int:
    written = common.count_records(os.path.join(out_dir, 'Split-*', '*'))
    if written != expected:
        raise RuntimeError(f'job wrote {written} records to {out_dir}, expected {expected}')
    return written


def workload_size(data_dir: str) -> int:
    with open(os.path.join(data_dir, 'workload.json')) as f:
        return json.load(f)['n']


def floor_partition(record: bytes, num_partitions: int, ends=(8, 9, 10)) -> int:
    from tfx_balance.core.common.hashing import seeded_hash

    bucket = seeded_hash(SEED, record) % ends[-1]
    return next(i for i, end in enumerate(ends) if bucket < end)


def floor_job(
    data_dir: str, out_dir: str, beam_args: list, verify: bool = True, mode: str = 'splits'
) -> dict:
    """The I/O floor: TFXIO raw read -> Partition by hash -> gzip write of 3 splits (of the
    six splits of ``folds=5, holdout={'test': 0.1}`` with ``mode='folds'``)."""
    from tfx_balance.core.common.folds import fold_weights
    from tfx_balance.core.split.placement import boundaries

    splits = tuple(fold_weights(FOLDS, HOLDOUT).items()) if mode == 'folds' else SPLITS
    ends = tuple(boundaries([w for _, w in splits]))
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from tfx_balance.base import artifacts

    common.reset_dir(out_dir)
    examples = common.examples_artifact(data_dir)
    output = common.examples_artifact(out_dir, [])

    def run():
        with beam.Pipeline(options=PipelineOptions(list(beam_args))) as pipeline:
            parts = (
                pipeline
                | 'Read' >> artifacts.ReadSplits(examples, [common.SPLIT], 'bench_floor')
                | 'ByHash' >> beam.Partition(floor_partition, len(splits), ends)
            )
            for i, (name, _) in enumerate(splits):
                _ = parts[i] | f'Write[{name}]' >> artifacts.WriteRecords(
                    artifacts.output_split_dir(output, name)
                )

    seconds = harness.timed(run)
    n = workload_size(data_dir)
    written = check_written(out_dir, n) if verify else n
    return {'seconds': seconds, 'examples_written': written}
