"""core.records: batched file reads give exactly the per-record results."""

import gzip

import apache_beam as beam
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to

from tests.support.examples import example, write_records
from tfx_balance.core.common import records as records_module
from tfx_balance.core.common.records import (
    ReadRecordBatches,
    feature_names,
    first_record,
    read_file_batches,
)


def test_read_file_batches_keeps_file_order_in_batches_of_the_given_size(tmp_path):
    records = [example(label=i % 3, x=float(i)) for i in range(2500)]
    path = str(tmp_path / 'part-0.gz')
    write_records(path, records)
    batches = list(read_file_batches(path, batch_size=1000))
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert [r for b in batches for r in b] == records


def test_read_file_batches_reads_uncompressed_files_by_name(tmp_path):
    records = [example(label=1), example(label=2)]
    path = str(tmp_path / 'part-0.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    assert [r for b in read_file_batches(path) for r in b] == records


@pytest.mark.parametrize('reader', ['record iterator', 'tf.data'])
def test_read_file_batches_fails_on_a_gzip_file_cut_anywhere(tmp_path, monkeypatch, reader):
    # tf.data's reader alone ends quietly at about one cut in twenty (where the cut stream ends
    # between two records): every cut of 200 must raise, naming the file. A file this small is
    # read by the record iterator; over SMALL_FILE_BYTES (here 0), by tf.data (every 10th cut).
    if reader == 'tf.data':
        monkeypatch.setattr(records_module, 'SMALL_FILE_BYTES', 0)
    path = str(tmp_path / 'part-0.gz')
    write_records(path, [example(label=i, x=float(i)) for i in range(2000)])
    data = open(path, 'rb').read()
    cuts = range(20, len(data), len(data) // 200)
    assert len(cuts) >= 200
    for cut in cuts[:: 10 if reader == 'tf.data' else 1]:
        with open(path, 'wb') as f:
            f.write(data[:cut])
        with pytest.raises(tf.errors.DataLossError, match='part-0.gz|truncated record'):
            list(read_file_batches(path))


@pytest.mark.parametrize('reader', ['record iterator', 'tf.data'])
def test_read_file_batches_reads_every_member_of_a_concatenated_gzip_file(
    tmp_path, monkeypatch, reader
):
    if reader == 'tf.data':
        monkeypatch.setattr(records_module, 'SMALL_FILE_BYTES', 0)
    records = [example(label=i % 3, x=float(i)) for i in range(300)]
    write_records(str(tmp_path / 'a.gz'), records[:100])
    write_records(str(tmp_path / 'b.gz'), records[100:])
    path = tmp_path / 'part-0.gz'
    path.write_bytes((tmp_path / 'a.gz').read_bytes() + (tmp_path / 'b.gz').read_bytes())
    assert [r for b in read_file_batches(str(path), batch_size=64) for r in b] == records


@pytest.mark.parametrize(
    'content, what', [('empty', 'it is empty'), ('plain', 'its data is not gzip')]
)
def test_read_file_batches_fails_on_a_gz_file_that_is_not_gzip(tmp_path, content, what):
    # An empty '*.gz' file (a writer killed before the gzip header) would read as no records;
    # uncompressed TFRecords named '*.gz' cannot be read by readers that go by the name.
    path = str(tmp_path / 'part-0.gz')
    with tf.io.TFRecordWriter(path) as writer:
        for record in [example(label=1)] * (content == 'plain'):
            writer.write(record)
    with pytest.raises(tf.errors.DataLossError, match=rf'part-0.gz: it is named \*.gz but {what}'):
        list(read_file_batches(path))


def test_read_record_batches_reads_every_record_of_every_file_once(tmp_path):
    files, expected = [], []
    for i in range(3):
        records = [example(label=f'c{j % 2}', x=float(100 * i + j)) for j in range(50 + i)]
        path = str(tmp_path / f'part-{i}.gz')
        write_records(path, records)
        files.append(path)
        expected += records
    with beam.Pipeline() as p:
        records = p | ReadRecordBatches(files, batch_size=16) | beam.FlatMap(lambda b: b)
        assert_that(records, equal_to(expected))


def test_first_record_is_the_files_first_record_and_none_for_a_file_without_records(tmp_path):
    records = [example(label=1, x=2.0), example(label=0)]
    write_records(str(tmp_path / 'part-0.gz'), records)
    assert first_record(str(tmp_path / 'part-0.gz')) == records[0]
    assert feature_names(records[0]) == {'label', 'x'}
    write_records(str(tmp_path / 'empty.gz'), [])
    assert first_record(str(tmp_path / 'empty.gz')) is None


def test_first_record_names_a_file_cut_inside_its_first_record(tmp_path):
    path = tmp_path / 'part-0.gz'
    write_records(str(path), [example(label=1, x=float(i)) for i in range(3)])
    whole = gzip.decompress(path.read_bytes())
    for cut in (5, 20):  # inside the length field; inside the record
        path.write_bytes(gzip.compress(whole[:cut]))
        with pytest.raises(tf.errors.DataLossError, match='part-0.gz: its first record is cut'):
            first_record(str(path))
    path.write_bytes(whole)  # TFRecords, not gzipped
    with pytest.raises(tf.errors.DataLossError, match='part-0.gz: Not a gzipped file'):
        first_record(str(path))


def test_a_small_file_is_read_without_tensorflows_deprecation_notice(tmp_path):
    """The record iterator that reads small files is deprecated in TF 1 terms; its notice (once
    per process, so checked in a fresh one) must not reach a user's log."""
    import os
    import subprocess
    import sys

    path = str(tmp_path / 'small.gz')
    write_records(path, [example(x=i) for i in range(3)])
    script = (
        'from tfx_balance.core.common.records import read_file_batches\n'
        f'print(sum(len(b) for b in read_file_batches({path!r})))\n'
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    done = subprocess.run(
        [sys.executable, '-c', script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ['3']
    assert 'tf_record_iterator' not in done.stderr, done.stderr
