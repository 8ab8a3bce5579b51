"""Per-span state kept as data: 64-bit keys with a small int or two each, in fixed-size binary
records written once per span and read back as numpy by later runs (the splitter's assignments,
LeakageCheck's key index). A record is a numpy structured array (first field a 64-bit ``key``)
as bytes; ``ReadKeyRecords`` and ``read_header`` are the one reader, and a damaged file is a
``DataError`` naming it (``damaged_file_error``).

Example:
    >>> import numpy as np
    >>> PAIR = np.dtype([('key', '>u8'), ('split', '>u2')])
    >>> record = encode_entries([(2**64 - 1, 2), (7, 0)], PAIR)
    >>> len(record), decode_entries([record], PAIR).tolist()
    (20, [(18446744073709551615, 2), (7, 0)])
"""

from __future__ import annotations

import json
from typing import Iterator, List, Sequence, Tuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.records import DEFAULT_BATCH_SIZE, read_file_batches

RECORDS_PER_DECODE = 64  # records decoded at once by ReadKeyRecords


def damaged_file_error(what: str, path: str, problem: str) -> DataError:
    """The ``DataError`` of a damaged file of earlier state: ``what`` names the input.

    >>> error = damaged_file_error('previous_assignments', '/a/assignments.json', 'is missing')
    >>> str(error).split('. ')[0]
    'previous_assignments is damaged: /a/assignments.json is missing'
    """
    return DataError(
        f'{what} is damaged: {path} {problem}. Re-run the span that wrote it, or leave that span '
        f'out of the window of {what} (its Resolver).'
    )


def read_header(path: str, fields: Sequence[str], what: str) -> dict:
    """The JSON header at ``path`` (a dict with every one of ``fields``), or
    ``damaged_file_error``."""
    import tensorflow as tf

    try:  # one file-system call: on GCS or S3 each is a round trip, for every span of a window
        with tf.io.gfile.GFile(path, 'rb') as f:
            text = f.read()
    except tf.errors.NotFoundError:
        raise damaged_file_error(what, path, 'is missing') from None
    try:
        found = json.loads(text)
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise damaged_file_error(what, path, f'is not JSON ({e})') from None
    if not isinstance(found, dict):
        raise damaged_file_error(what, path, f'is not a JSON object (found {text[:40]!r})')
    missing = [name for name in fields if name not in found]
    if missing:
        raise damaged_file_error(what, path, f'lacks the field(s) {", ".join(missing)}')
    return found


def header_differences(found: dict, expected: dict, names: Sequence[str]) -> list:
    """``'<name> <found> (this run: <expected>)'`` for each of ``names`` where the earlier
    header ``found`` differs from this run's.

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


def read_entries(source, dtype: np.dtype, what: str):
    """``(tag, entries)`` per batch of the files of ``source``, a ``(tag, file pattern)`` pair;
    a pattern matching no file is ``damaged_file_error``."""
    import tensorflow as tf

    tag, pattern = source
    paths = sorted(tf.io.gfile.glob(pattern))
    if not paths:
        raise damaged_file_error(what, pattern, 'matches no file (its records are missing)')
    for entries in file_entries(paths, dtype, what):
        yield tag, entries


def file_entries(paths: Sequence[str], dtype: np.dtype, what: str):
    """A structured array of ``dtype`` per batch of up to ``RECORDS_PER_DECODE`` records of
    ``paths``, in order; a record of the wrong length is ``damaged_file_error``."""
    for path in paths:
        for batch in file_records(path, what, RECORDS_PER_DECODE):
            wrong = [len(record) for record in batch if len(record) % dtype.itemsize]
            if wrong:
                raise damaged_file_error(
                    what,
                    path,
                    f'holds a record of {wrong[0]} bytes, not a multiple of the '
                    f'{dtype.itemsize} bytes of an entry',
                )
            yield decode_entries(batch, dtype)


def file_records(
    path: str, what: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[List[bytes]]:
    """The records of one file of earlier records (``read_file_batches``); a file it cannot
    read is ``damaged_file_error``."""
    import tensorflow as tf

    try:
        yield from read_file_batches(path, batch_size)
    except tf.errors.OpError as e:  # read_file_batches' messages start with the path
        detail = e.message.removeprefix(f'{path}: ')
        raise damaged_file_error(what, path, f'cannot be read ({detail})') from e


@beam.ptransform_fn
def ReadKeyRecords(  # noqa: N802
    pipeline, sources: Sequence[Tuple[object, str]], dtype: np.dtype, what: str
):
    """``(tag, entries)`` per batch of up to ``RECORDS_PER_DECODE`` records of ``sources``,
    ``[(tag, file pattern)]`` (e.g. one per earlier span), in one stage; ``entries`` is a
    structured array of ``dtype``; ``what`` names the input in a damaged file's error."""
    return (
        pipeline
        | 'Sources' >> beam.Create(list(sources), reshuffle=False)
        | 'ReadEntries' >> beam.FlatMap(read_entries, dtype, what)
    )
