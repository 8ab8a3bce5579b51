"""Naming the input file at fault when a job fails to read it.

Every component reads its input with ``records.read_file_batches``, which
checks each record's checksum, a gzip file's recorded size (and, if it differs, the whole
stream) and that a ``*.gz`` file is gzip: a damaged file fails the job, and
``explain_read_failure`` then names it, so no separate pass over the input checks it first.
"""

from __future__ import annotations

import re
from typing import Sequence

import tensorflow as tf

from tfx_balance.artifacts.splits import split_file_pattern
from tfx_balance.core import records

__all__ = ['explain_read_failure', 'find_unreadable_file']


def find_unreadable_file(examples, splits: Sequence[str]) -> tuple | None:
    """Reads every file of ``splits`` and returns ``(split, path, error)`` for the first one that
    is not a readable TFRecord file, or None. Used only after a failure, to name the file.
    """
    for split in splits:
        for path in sorted(tf.io.gfile.glob(split_file_pattern(examples, split))):
            try:  # read_file_batches also catches a gzip stream cut between two records
                for _ in records.read_file_batches(path):
                    pass
            except (tf.errors.OpError, ValueError) as e:
                detail = re.sub(r'\{\{.*?\}\}\s*|\s*\[Op:.*$', '', str(e).split('\n')[0])
                return split, path, detail.removeprefix(f'{path}: ').strip(" '")
    return None


def explain_read_failure(error: Exception, examples, splits: Sequence[str]) -> Exception:
    """Turns a low-level read failure into a ``DataError`` naming the corrupt file, if any;
    ``examples`` is one artifact or a list of them (LeakageCheck over a window of spans)."""
    for artifact in examples if isinstance(examples, (list, tuple)) else [examples]:
        found = find_unreadable_file(artifact, splits)
        if found is not None:
            split, path, detail = found
            return records.unreadable_file_error(path, split, detail, 'it is corrupt or truncated')
    return error
