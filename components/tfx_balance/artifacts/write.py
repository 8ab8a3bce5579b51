"""Writing output splits as gzipped TFRecords in ``Split-<name>/``, and JSON reports."""

from __future__ import annotations

import json
import os
from typing import Sequence

import apache_beam as beam
import tensorflow as tf

from tfx_balance.artifacts.splits import output_split_dir
from tfx_balance.core import records

RECORD_FILE_PREFIX = 'data_tfrecord'


@beam.ptransform_fn
def WriteRecords(records, output_dir: str, prefix: str = RECORD_FILE_PREFIX):  # noqa: N802
    """Writes serialized records as gzipped TFRecord shards ``<output_dir>/<prefix>-*.gz``."""
    return records | 'WriteTFRecord' >> beam.io.WriteToTFRecord(
        os.path.join(output_dir, prefix),
        file_name_suffix='.gz',
        compression_type=beam.io.filesystem.CompressionTypes.GZIP,
    )


@beam.ptransform_fn
def WriteSmallSplits(pairs, output, splits: Sequence[str], prefix: str):  # noqa: N802
    """Writes a small PCollection of ``(split, serialized record)`` pairs as one gzipped TFRecord
    file per split that has any, ``<output>/Split-<split>/<prefix>-00000-of-00001.gz``.

    Each split's records are grouped in one worker and written sorted, through a temporary file
    renamed into place: a retry rewrites the same bytes, and a failure leaves no partial file. One
    stage instead of one ``WriteRecords`` (about five stages) per split; for large parts use
    :func:`WriteRecords`.
    """
    dirs = {split: output_split_dir(output, split) for split in splits}
    return (
        pairs
        | 'GroupBySplit' >> beam.GroupByKey()
        | 'WriteSplitFile' >> beam.Map(_write_split_file, dirs, prefix)
    )


def _write_split_file(item, dirs: dict, prefix: str) -> str:
    split, split_records = item
    path = os.path.join(dirs[split], f'{prefix}-00000-of-00001.gz')
    records.write_records_file(path, sorted(split_records))
    return path


@beam.ptransform_fn
def WriteJson(pcoll, path: str):  # noqa: N802
    """Writes the single element of ``pcoll`` as pretty JSON to ``path``."""

    def _write(obj):
        write_json(path, obj)
        return path

    return pcoll | 'WriteJsonFile' >> beam.Map(_write)


def write_json(path: str, obj) -> None:
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, 'w') as f:
        f.write(json.dumps(obj, indent=2, sort_keys=False) + '\n')


def read_json(path: str):
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)
