"""Per-span state kept as data: 64-bit keys with a small int or two each, in fixed-size binary
records, written once per span and read back as numpy by later runs.

Two components keep such state so that a daily run over a window of spans reads the earlier
spans' keys, not their examples:

- StratifiedSplitter's assignments (core/split/assignments.py): each unit's key and split.
- LeakageCheck's key index (core/leakage_check/index.py): each example's content key, split
  and synthetic flag.

A record is a numpy structured array (a dtype of fixed-size, big-endian fields, the first a
64-bit ``key``) as bytes: the entries of one batch in one gzipped TFRecord, so a writer and a
reader handle one element per batch, never one per key. ``ReadKeyRecords`` reads files of them
back as numpy arrays, a batch of records decoded at once.

Example:
    >>> import numpy as np
    >>> PAIR = np.dtype([('key', '>u8'), ('split', '>u2')])
    >>> record = encode_entries([(2**64 - 1, 2), (7, 0)], PAIR)
    >>> len(record), decode_entries([record], PAIR).tolist()
    (20, [(18446744073709551615, 2), (7, 0)])
"""

from __future__ import annotations

from typing import Sequence, Tuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.records import read_file_batches

RECORDS_PER_DECODE = 64  # records decoded at once by ReadKeyRecords


def header_differences(found: dict, expected: dict, names: Sequence[str]) -> list:
    """``'<name> <found> (this run: <expected>)'`` for each of ``names`` where the header
    written beside earlier records (``found``) differs from this run's (``expected``): what
    makes their keys or indexes mean something else.

    >>> header_differences({'format': 1, 'seed': 3}, {'format': 1, 'seed': 0}, ['format', 'seed'])
    ['seed 3 (this run: 0)']
    """
    return [
        f'{name} {found.get(name)!r} (this run: {expected[name]!r})'
        for name in names
        if found.get(name) != expected[name]
    ]


def encode_entries(entries, dtype: np.dtype) -> bytes:
    """Entries (a structured array of ``dtype``, or tuples of its fields) as one record."""
    if isinstance(entries, np.ndarray) and entries.dtype == dtype:
        return entries.tobytes()
    return np.array(list(entries), dtype=dtype).tobytes()


def decode_entries(records: Sequence[bytes], dtype: np.dtype) -> np.ndarray:
    """The entries of ``records`` (``encode_entries``'), concatenated, as a structured array."""
    return np.frombuffer(b''.join(records), dtype=dtype)


def read_entries(source, dtype: np.dtype):
    """``(tag, entries)`` per batch of up to ``RECORDS_PER_DECODE`` records of the files of
    ``source``, a ``(tag, file pattern)`` pair, read with TensorFlow's C++ reader
    (``records.read_file_batches``)."""
    import tensorflow as tf

    tag, pattern = source
    for entries in file_entries(sorted(tf.io.gfile.glob(pattern)), dtype):
        yield tag, entries


def file_entries(paths: Sequence[str], dtype: np.dtype):
    """The entries of the files ``paths``, in order: a structured array of ``dtype`` per batch
    of up to ``RECORDS_PER_DECODE`` records."""
    for path in paths:
        for batch in read_file_batches(path, RECORDS_PER_DECODE):
            yield decode_entries(batch, dtype)


@beam.ptransform_fn
def ReadKeyRecords(pipeline, sources: Sequence[Tuple[object, str]], dtype: np.dtype):  # noqa: N802
    """``(tag, entries)`` per batch of up to ``RECORDS_PER_DECODE`` records of ``sources``:
    ``[(tag, file pattern)]``, e.g. one per earlier span (its tag: what the caller needs to know
    of the span's entries: an order, a name). ``entries``: a structured array of ``dtype``. One
    stage for every source, not a read per source (key records are small: 10 bytes a key)."""
    return (
        pipeline
        | 'Sources' >> beam.Create(list(sources), reshuffle=False)
        | 'ReadEntries' >> beam.FlatMap(read_entries, dtype)
    )
