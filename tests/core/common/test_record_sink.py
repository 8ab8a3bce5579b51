"""TFRecordFileSink writes WriteToTFRecord's bytes and leaves no temp file open after a failure
(issue 22 item 2; the full-disk runs of every component: tests/reliability/test_disk_full.py)."""

import os

import apache_beam as beam
import pytest
from apache_beam.io.filesystem import CompressionTypes

from tests.support.open_files import open_files_under
from tfx_balance.core.common.record_sink import TFRecordFileSink, close_abandoned_files

RECORDS = [b'record-%d' % i * (i % 7 + 1) for i in range(500)]


def _files(folder) -> dict:
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def test_writes_the_files_and_bytes_of_write_to_tfrecord(tmp_path):
    ours, beams = tmp_path / 'ours', tmp_path / 'beams'
    with beam.Pipeline() as p:
        records = p | beam.Create(RECORDS)
        _ = records | 'Ours' >> beam.io.Write(
            TFRecordFileSink(str(ours / 'data'), '.gz', CompressionTypes.GZIP)
        )
        _ = records | 'Beams' >> beam.io.WriteToTFRecord(
            str(beams / 'data'), file_name_suffix='.gz', compression_type=CompressionTypes.GZIP
        )
    assert _files(ours) == _files(beams)
    assert list(_files(ours)) == ['data-00000-of-00001.gz']


def test_batched_lists_write_the_bytes_of_write_to_tfrecord(tmp_path):
    ours, beams = tmp_path / 'ours', tmp_path / 'beams'
    lists = [RECORDS[i : i + 64] for i in range(0, len(RECORDS), 64)]
    with beam.Pipeline() as p:
        _ = (
            p
            | 'Lists' >> beam.Create([lists])  # one element: the lists stay in order
            | 'Each' >> beam.FlatMap(lambda parts: parts)
            | 'Ours'
            >> beam.io.Write(
                TFRecordFileSink(str(ours / 'data'), '.gz', CompressionTypes.GZIP, batched=True)
            )
        )
        _ = (
            p
            | 'Records' >> beam.Create([RECORDS])
            | 'EachRecord' >> beam.FlatMap(lambda records: records)
            | 'Beams'
            >> beam.io.WriteToTFRecord(
                str(beams / 'data'), file_name_suffix='.gz', compression_type=CompressionTypes.GZIP
            )
        )
    assert _files(ours) == _files(beams)


def _fail_at(record):
    if record == RECORDS[300]:
        raise ValueError('a stage fused with the write failed')
    return record


def test_a_failure_fused_with_the_write_leaves_a_temp_file_open_until_closed_here(tmp_path):
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match='fused with the write') as failure:
        with beam.Pipeline() as p:
            _ = (
                p
                | beam.Create(RECORDS, reshuffle=False)
                | beam.Map(_fail_at)
                | beam.io.Write(TFRecordFileSink(str(out / 'data'), '.gz', CompressionTypes.GZIP))
            )
    left_open = open_files_under(str(out))  # Beam's writer, reachable from the failure
    assert len(left_open) == 1 and '/beam-temp-data-' in left_open[0]

    assert close_abandoned_files(str(tmp_path / 'elsewhere')) == []
    assert close_abandoned_files(str(out)) == [left_open[0]]
    assert open_files_under(str(out)) == []
    assert close_abandoned_files(str(out)) == []
    assert failure.value is not None  # still alive: the file was closed, not collected
