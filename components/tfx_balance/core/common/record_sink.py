"""Beam's TFRecord sink, with no temp file left open by a failed job (``TFRecordFileSink``).

Beam's ``WriteToTFRecord`` keeps a failed bundle's temp file open, and so its disk space held.
``TFRecordFileSink`` writes the same bytes, closes a temp file whose write fails, and registers its
open files for ``close_abandoned_files`` (called by the executors' ``output_guard``).

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
    """``WriteToTFRecord``'s sink (same bytes), with no temp file left open after a failure;
    with ``batched=True`` each element is a list of records."""

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
        # With ``batched``, an element is a list of records, framed as Beam frames one and
        # written at once: Beam's per-element cost is paid once per list.
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
    """``records`` (bytes) framed as TFRecords, exactly as Beam's ``_TFRecordUtil.write_record``.

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
    """Closes the raw file under ``handle`` without flushing the compressor."""
    with _OPEN_LOCK:
        entry = _OPEN_FILES.pop(handle, None)
    if entry is not None:
        try:
            entry[1].close()
        except OSError:
            pass  # the write already failed; the job reports that error


def close_abandoned_files(folder: str) -> List[str]:
    """Closes and returns (sorted) the temp files under ``folder`` this process's sinks still
    have open: after a Beam job writing there failed, never while one runs."""
    prefix = folder.rstrip('/') + '/'
    with _OPEN_LOCK:
        found = [(h, path) for h, (path, _) in list(_OPEN_FILES.items()) if path.startswith(prefix)]
    for handle, _ in found:
        _abandon(handle)
    return sorted(path for _, path in found)
