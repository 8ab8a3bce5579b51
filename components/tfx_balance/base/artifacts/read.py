"""Reading the input splits of an ``Examples`` artifact as serialized records."""

from __future__ import annotations

from typing import Sequence

import apache_beam as beam
from tfx.components.util import tfxio_utils

from tfx_balance.base.artifacts.spans import as_window
from tfx_balance.base.artifacts.splits import check_split_files
from tfx_balance.core.common import records

RAW_RECORD_COLUMN = '__tfx_balance_raw_record__'


def make_records_source(examples, split: str, telemetry: str):
    """A PTransform reading ``split`` of ``examples`` (an artifact or a window) through TFXIO."""
    tfxio = tfxio_utils.get_split_tfxio(
        examples=as_window(examples),
        split=split,
        telemetry_descriptors=['tfx_balance', telemetry],
        read_as_raw_records=True,
        raw_record_column_name=RAW_RECORD_COLUMN,
    )
    return tfxio.RawRecordBeamSource()


def names_tell_compression(files: Sequence[str]) -> bool:
    """True if every file is gzipped exactly when its name ends in ``.gz``, as TFXIO assumes."""
    return all(path.endswith('.gz') == (records.compression_of(path) == 'GZIP') for path in files)


@beam.ptransform_fn
def ReadSplitBatches(pipeline, examples, splits: Sequence[str]):  # noqa: N802
    """Reads the given splits as lists of serialized records with tf.data's C++ reader
    (``records.ReadRecordBatches``), cheaper per record than ``ReadSplits``' Beam reader
    (benchmarks/RESULTS.md, section 1, `splitter`)."""
    files = [path for split in splits for path in check_split_files(examples, split)]
    return pipeline | 'ReadBatches' >> records.ReadRecordBatches(files)


@beam.ptransform_fn
def ReadSplits(pipeline, examples, splits: Sequence[str], telemetry: str):  # noqa: N802
    """Reads and merges the given splits of ``examples`` (an artifact or a window) as serialized
    records, through TFXIO; a split whose file names misstate their compression is read with the
    batch reader, which detects it from the data."""
    parts = []
    for split in splits:
        files = check_split_files(examples, split)
        if names_tell_compression(files):
            parts.append(
                pipeline | f'Read[{split}]' >> make_records_source(examples, split, telemetry)
            )
        else:
            parts.append(
                pipeline
                | f'Read[{split}]' >> records.ReadRecordBatches(files)
                | f'Unbatch[{split}]' >> beam.FlatMap(records.unbatch)
            )
    if len(parts) == 1:
        return parts[0]
    return parts | 'MergeSplits' >> beam.Flatten()
