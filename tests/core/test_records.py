"""core.records: batched file reads give exactly the per-record results."""

import apache_beam as beam
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to

from tests.support.examples import example, write_records
from tfx_balance.core.records import ReadRecordBatches, read_file_batches


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


def test_read_file_batches_fails_on_a_gzip_file_cut_anywhere(tmp_path):
    # tf.data's reader alone ends quietly at about one cut in twenty (where the cut stream ends
    # between two records): every cut of 200 must raise, naming the file.
    path = str(tmp_path / 'part-0.gz')
    write_records(path, [example(label=i, x=float(i)) for i in range(2000)])
    data = open(path, 'rb').read()
    cuts = range(20, len(data), len(data) // 200)
    assert len(cuts) >= 200
    for cut in cuts:
        with open(path, 'wb') as f:
            f.write(data[:cut])
        with pytest.raises(tf.errors.DataLossError, match='part-0.gz|truncated record'):
            list(read_file_batches(path))


def test_read_file_batches_reads_every_member_of_a_concatenated_gzip_file(tmp_path):
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
