"""Writing output splits as gzipped TFRecords in ``Split-<name>/``."""

from __future__ import annotations

import os
from typing import Sequence

import apache_beam as beam

from tfx_balance.base.artifacts.splits import output_split_dir
from tfx_balance.core.common import records
from tfx_balance.core.common.record_sink import TFRecordFileSink

RECORD_FILE_PREFIX = 'data_tfrecord'


@beam.ptransform_fn
def WriteRecords(  # noqa: N802
    records, output_dir: str, prefix: str = RECORD_FILE_PREFIX, batched: bool = False
):
    """Writes serialized records (``batched``: lists of them) as gzipped TFRecord shards
    ``<output_dir>/<prefix>-*.gz`` through ``TFRecordFileSink``, which leaves no temp file open."""
    sink = TFRecordFileSink(
        os.path.join(output_dir, prefix),
        '.gz',
        beam.io.filesystem.CompressionTypes.GZIP,
        batched=batched,
    )
    return records | 'WriteTFRecord' >> beam.io.Write(sink)


@beam.ptransform_fn
def WriteSmallSplits(pairs, output, splits: Sequence[str], prefix: str):  # noqa: N802
    """Writes a small PCollection of ``(split, serialized record)`` as one sorted gzipped
    TFRecord file per split (``records.write_split_file``); for large parts, ``WriteRecords``."""
    dirs = {split: output_split_dir(output, split) for split in splits}
    return (
        pairs
        | 'GroupBySplit' >> beam.GroupByKey()
        | 'WriteSplitFile' >> beam.Map(records.write_split_file, dirs, prefix)
    )
