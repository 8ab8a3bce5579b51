"""Fast batched reading of serialized ``tf.train.Example`` records and of their labels.

``read_file_batches`` reads a file with ``tf.data``'s C++ reader as lists of records, and
``labels.read_labels`` decodes a whole batch's labels (benchmarks/RESULTS.md, section 1).
Functions run on workers live here, not in an executor: a worker imports each function's
module, and executors import TFX.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> from tfx_balance.core.common.labels import read_labels
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['label'].int64_list.value.append(3)
    >>> read_labels([ex.SerializeToString()] * 2, 'label')
    [3, 3]
    >>> RecordBatch.of([b'x'])
    RecordBatch(where='', records=[b'x'])
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import Iterator, List, NamedTuple, Sequence

import apache_beam as beam

from tfx_balance.core.common.errors import DataError

DEFAULT_BATCH_SIZE = 1024
# A file up to this size (as stored) is read by TensorFlow's record iterator, not a tf.data
# pipeline, whose set-up per file costs more than reading such a file takes (``record_batches``).
SMALL_FILE_BYTES = 4 << 20

GZIP_MAGIC = b'\x1f\x8b'
# A TFRecord's framing: its length (RECORD_LENGTH, 8 bytes), the length's checksum (4), the record,
# the record's checksum (4).
RECORD_LENGTH = struct.Struct('<Q')
FRAMING = 16


def compression_of(path: str) -> str:
    """``'GZIP'`` if the file starts with the gzip magic bytes (whatever its name), else ``''``."""
    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'rb') as f:
        return 'GZIP' if f.read(2) == GZIP_MAGIC else ''


def first_record(path: str) -> bytes | None:
    """The first record of a gzipped TFRecord file (checksums not verified; no ``tf.data``
    set-up), or None; a ``tf.errors.DataLossError`` naming a damaged file."""
    import gzip

    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'rb') as raw, gzip.GzipFile(fileobj=raw) as f:
        try:
            header = f.read(12)  # the record's length (8 bytes) and the length's checksum (4)
            if not header:
                return None
            length = RECORD_LENGTH.unpack(header[:8])[0] if len(header) == 12 else -1
            record = f.read(length) if length >= 0 else b''
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise tf.errors.DataLossError(None, None, f'{path}: {e}') from e
        if length < 0 or len(record) < length:
            raise tf.errors.DataLossError(None, None, f'{path}: its first record is cut short')
        return record


def feature_names(record: bytes) -> set:
    """The feature names of one serialized ``tf.train.Example``."""
    from tensorflow.core.example import example_pb2

    return set(example_pb2.Example.FromString(record).features.feature.keys())


def read_file_batches(path: str, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[List[bytes]]:
    """Yields the records of one TFRecord file, in order, in lists of at most ``batch_size``; a
    damaged file raises ``tf.errors.DataLossError`` naming it. ``tf.data`` ends quietly at a cut
    gzip stream, so the records are also checked against the stream's recorded size."""
    import tensorflow as tf

    compression = compression_of(path)
    if compression != 'GZIP' and path.endswith('.gz'):
        # Empty (a writer killed before the gzip header) or not gzip: readers that go by the name
        # (Beam's, TFXIO's) cannot read it, and tf.data would read an empty file as no records.
        what = 'it is empty' if tf.io.gfile.stat(path).length == 0 else 'its data is not gzip'
        raise tf.errors.DataLossError(None, None, f'{path}: it is named *.gz but {what}')
    framed = 0  # bytes of records with their TFRecord framing: the uncompressed size
    for records in record_batches(path, compression, batch_size):
        framed += sum(map(len, records)) + FRAMING * len(records)
        yield records
    if compression == 'GZIP' and _gzip_recorded_size(path) != framed % (1 << 32):
        try:
            size = gzip_uncompressed_size(path)
        except (zlib.error, EOFError) as e:
            raise tf.errors.DataLossError(None, None, f'{path}: {e}') from e
        if size != framed:
            raise tf.errors.DataLossError(
                None, None, f'{path}: the records read hold {framed} of its {size} bytes'
            )


def record_batches(path: str, compression: str, batch_size: int) -> Iterator[List[bytes]]:
    """The records of ``path`` in lists of at most ``batch_size``, checksums checked in C++: by
    ``tf.data`` above ``SMALL_FILE_BYTES``, else by TF's record iterator (no set-up cost)."""
    import itertools

    import tensorflow as tf

    if tf.io.gfile.stat(path).length > SMALL_FILE_BYTES:
        dataset = tf.data.TFRecordDataset(path, compression_type=compression, buffer_size=1 << 20)
        for batch in dataset.batch(batch_size).prefetch(1).as_numpy_iterator():
            yield batch.tolist()
        return
    options = tf.io.TFRecordOptions(compression_type=compression)
    # The unwrapped TF 1 iterator: the same reader, without its deprecation notice in the log.
    iterator = tf.compat.v1.io.tf_record_iterator
    records = getattr(iterator, '__wrapped__', iterator)(path, options)
    try:
        while True:
            batch = list(itertools.islice(records, batch_size))
            if not batch:
                return
            yield batch
    except tf.errors.OpError as e:  # its messages do not name the file
        raise tf.errors.DataLossError(None, None, f'{path}: {e.message}') from e


class RecordBatch(NamedTuple):
    """Serialized records of one input split; errors name ``where`` (e.g. ``"split 'train'"``)."""

    where: str
    records: List[bytes]

    @classmethod
    def of(cls, batch) -> RecordBatch:
        """An input batch (a ``RecordBatch``, a ``(where, list)`` pair or a bare list)."""
        return cls(*batch) if isinstance(batch, tuple) else cls('', batch)


def read_named_file_batches(
    where: str, path: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[RecordBatch]:
    """``read_file_batches`` of ``path`` as ``RecordBatch``es from ``where``."""
    return (RecordBatch(where, batch) for batch in read_file_batches(path, batch_size))


def _gzip_recorded_size(path: str) -> int:
    """The uncompressed size (mod 2**32) recorded in the last 4 bytes of a gzip file (its last
    member's ISIZE field), or -1 if the file is too short to have one."""
    import tensorflow as tf

    size = tf.io.gfile.stat(path).length
    if size < 18:  # a gzip member's header (10) and trailer (8)
        return -1
    with tf.io.gfile.GFile(path, 'rb') as f:
        f.seek(size - 4)
        return struct.unpack('<I', f.read(4))[0]


def gzip_uncompressed_size(path: str) -> int:
    """The uncompressed size of the gzip file ``path`` (any number of members); ``EOFError``
    when truncated, ``zlib.error`` when corrupt."""
    import tensorflow as tf

    size = 0
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with tf.io.gfile.GFile(path, 'rb') as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            while chunk:
                size += len(decompressor.decompress(chunk))
                chunk = b''
                if decompressor.eof:  # a gzip member ended; another may follow
                    chunk = decompressor.unused_data
                    if chunk:
                        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if not decompressor.eof:
        raise EOFError('the gzip stream ends early')
    return size


def unreadable_file_error(path: str, split: str, detail: str, finding: str) -> DataError:
    """The ``DataError`` for an input file of ``split`` that cannot be read as gzipped TFRecords."""
    return DataError(
        f"input file {path} of split '{split}' is not a readable gzipped TFRecord file "
        f'({detail}); {finding}. Re-run the upstream component that wrote it, or remove the file.'
    )


def write_records_file(path: str, records) -> None:
    """Writes ``records`` in order as one gzipped TFRecord file at ``path``, through a temporary
    file renamed into place: a failure leaves no partial file, a retry the same bytes."""
    import tensorflow as tf

    tf.io.gfile.makedirs(os.path.dirname(path))
    tmp = path + '.tmp'
    writer = tf.io.TFRecordWriter(tmp, tf.io.TFRecordOptions(compression_type='GZIP'))
    try:
        for record in records:
            writer.write(record)
        writer.close()
    except BaseException:
        _close_after_failure(writer)
        if tf.io.gfile.exists(tmp):
            tf.io.gfile.remove(tmp)
        raise
    tf.io.gfile.rename(tmp, path, overwrite=True)


def _close_after_failure(writer) -> None:
    """Closes a ``tf.io.TFRecordWriter`` whose write or close failed: its first ``close()`` stops
    at the error (e.g. disk full) and leaves the file open; a second call closes it."""
    import tensorflow as tf

    for _ in range(2):
        try:
            writer.close()
            return
        except tf.errors.OpError:
            pass


def fixed_batches(size: int = DEFAULT_BATCH_SIZE) -> beam.PTransform:
    """Lists of ``size`` elements (the last of a bundle shorter), not sizes tuned by timing."""
    return beam.BatchElements(min_batch_size=size, max_batch_size=size)


def unbatch(batch: List[bytes]) -> List[bytes]:
    """The records of a batch: ``beam.FlatMap(unbatch)`` (see "Functions run on workers")."""
    return batch


def write_split_file(item, dirs: dict, prefix: str) -> str:
    """Writes ``(split, records)`` sorted as ``<dirs[split]>/<prefix>-00000-of-00001.gz``."""
    split, split_records = item
    path = os.path.join(dirs[split], f'{prefix}-00000-of-00001.gz')
    write_records_file(path, sorted(split_records))
    return path


class ReadRecordBatches(beam.PTransform):
    """Reads TFRecord ``files`` (from ``PBegin``) as lists of serialized records, one worker per
    file (gzip cannot be split); records keep their order within a file.
    """

    def __init__(self, files: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE):
        super().__init__()
        self._files = sorted(files)
        self._batch_size = batch_size

    def expand(self, pipeline):
        return (
            pipeline
            | 'Files' >> beam.Create(self._files)
            | 'SpreadFiles' >> beam.Reshuffle()
            | 'ReadBatches' >> beam.FlatMap(read_file_batches, self._batch_size)
        )
