"""Beam's TFRecord sink, with no temp file left open by a failed job (``TFRecordFileSink``).

Beam's ``WriteImpl`` (behind ``beam.io.WriteToTFRecord``) opens one temp file per bundle in
``_WriteBundleDoFn.process`` and closes it only in ``finish_bundle``. When a write fails
(``No space left on device``), or any stage fused with the write raises, the temp file stays
open: the writer holding it is kept alive by the failed job's traceback (which a notebook keeps
as its last exception, and ``pytest.raises`` as its ``ExceptionInfo``) and by reference cycles
until the garbage collector finds them. Removing the failed output then frees no space, and a
rerun in the same process can find the disk still full.

``TFRecordFileSink`` writes the same bytes as ``WriteToTFRecord``'s sink, closes a temp
file itself when writing or closing it fails, and registers the temp files it has open in this
process, so that ``close_abandoned_files`` can close those a job failing elsewhere left open
(the executors' ``output_guard`` does, before it removes the output). It subclasses Beam's
``tfrecordio._TFRecordSink`` (Beam 2.59; its ``open``/``write_encoded_record``/``close`` are
the ``FileBasedSink`` API) so that the record framing stays Beam's own.

It is pickled to the workers, so it lives in ``core/`` (a worker imports no TFX to run it).

Example:
    >>> import apache_beam as beam
    >>> sink = TFRecordFileSink('/tmp/out/data', '.gz', CompressionTypes.GZIP)
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     _ = p | beam.Create([b'a', b'b']) | beam.io.Write(sink)
    >>> close_abandoned_files('/tmp/out')  # after a failed job; here nothing is open
    []
"""

from __future__ import annotations

import struct
import threading
import weakref
from typing import List

import apache_beam as beam
from apache_beam.io import tfrecordio
from apache_beam.io.filesystem import CompressedFile, CompressionTypes
from apache_beam.io.filesystems import FileSystems

# The temp files TFRecordFileSinks have open in this process: handle -> (path, raw file). Weak
# keys: a writer that is garbage-collected takes its entry (and its file) with it.
_OPEN_FILES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OPEN_LOCK = threading.Lock()


class TFRecordFileSink(tfrecordio._TFRecordSink):
    """The sink of ``beam.io.WriteToTFRecord(prefix, file_name_suffix=..., compression_type=...)``
    (same files, same bytes) that never leaves a temp file open after a failure (module doc).
    Write with ``records | beam.io.Write(TFRecordFileSink(prefix, '.gz', CompressionTypes.GZIP))``;
    with ``batched=True`` each element is a list of records, written in order.
    """

    def __init__(
        self, file_path_prefix: str, file_name_suffix: str, compression_type, batched=False
    ):
        self.batched = batched  # each element is a list of records (write_record)
        super().__init__(
            file_path_prefix,
            beam.coders.BytesCoder(),
            file_name_suffix,
            num_shards=0,
            shard_name_template=None,
            compression_type=compression_type,
        )

    def open(self, temp_path):
        # FileBasedSink.open is FileSystems.create(path, mime, compression); the raw file is
        # opened here, so that a failure can close it without flushing the compressor.
        compression = self.compression_type
        if compression == CompressionTypes.AUTO:
            compression = CompressionTypes.detect_compression_type(temp_path)
        raw = FileSystems.create(temp_path, self.mime_type, CompressionTypes.UNCOMPRESSED)
        handle = raw
        if compression != CompressionTypes.UNCOMPRESSED:
            handle = CompressedFile(raw, compression_type=compression)
        with _OPEN_LOCK:
            _OPEN_FILES[handle] = (temp_path, raw)
        return handle

    def write_record(self, file_handle, value):
        # With ``batched``, an element is a list of records: Beam's per-element work (a windowed
        # value, the side-input arguments of its write DoFn) is paid once per list, and so is
        # the write to the compressor: the list's records are framed as Beam frames one
        # (``frame_records``) and written at once.
        if not self.batched:
            return super().write_record(file_handle, value)
        framed = frame_records([self.coder.encode(record) for record in value])
        try:
            file_handle.write(framed)
        except BaseException:
            _abandon(file_handle)
            raise

    def write_encoded_record(self, file_handle, value):
        try:
            super().write_encoded_record(file_handle, value)
        except BaseException:
            _abandon(file_handle)
            raise

    def close(self, file_handle):
        try:
            super().close(file_handle)
        except BaseException:
            _abandon(file_handle)
            raise
        with _OPEN_LOCK:
            _OPEN_FILES.pop(file_handle, None)


def frame_records(records) -> bytes:
    """``records`` (bytes) framed as TFRecords, one after the other: each as Beam's
    ``_TFRecordUtil.write_record`` writes it (its length, the length's masked crc32c, the record,
    the record's masked crc32c, with Beam's crc32c function). The crc of a length is computed
    once per distinct length (records of a batch are mostly a few lengths).

    >>> import io
    >>> one = io.BytesIO()
    >>> for record in (b'a', b'bc'):
    ...     tfrecordio._TFRecordUtil.write_record(one, record)
    >>> frame_records([b'a', b'bc']) == one.getvalue()
    True
    """
    masked = tfrecordio._TFRecordUtil._masked_crc32c
    pack_length, pack_crc = struct.Struct('<Q').pack, struct.Struct('<I').pack
    length_parts = {}
    parts = []
    for record in records:
        size = len(record)
        head = length_parts.get(size)
        if head is None:
            encoded = pack_length(size)
            head = length_parts[size] = encoded + pack_crc(masked(encoded))
        parts += (head, record, pack_crc(masked(record)))
    return b''.join(parts)


def _abandon(handle) -> None:
    """Closes the raw file under ``handle`` without writing out what the compressor still holds
    (the temp file is discarded). A buffer that fails to flush (the disk is full) does not keep
    the file open: Python's buffered writer closes its file all the same."""
    with _OPEN_LOCK:
        entry = _OPEN_FILES.pop(handle, None)
    if entry is not None:
        try:
            entry[1].close()
        except OSError:
            pass  # the write already failed; the job reports that error


def close_abandoned_files(folder: str) -> List[str]:
    """Closes every temp file under ``folder`` that a ``TFRecordFileSink`` of this process
    still has open, and returns their paths, sorted.

    Call it once a Beam job writing under ``folder`` has failed, never while one runs: an
    in-process runner leaves open the temp files of the bundles that failed.
    """
    prefix = folder.rstrip('/') + '/'
    with _OPEN_LOCK:
        found = [(h, path) for h, (path, _) in list(_OPEN_FILES.items()) if path.startswith(prefix)]
    for handle, _ in found:
        _abandon(handle)
    return sorted(path for _, path in found)
