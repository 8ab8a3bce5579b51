"""Naming the input file at fault when a job fails to read it: the readers
(``records.read_file_batches``) fail on a damaged file, and ``explain_read_failure`` names it."""

from __future__ import annotations

import re
from typing import Sequence

import tensorflow as tf

from tfx_balance.base.artifacts.splits import split_file_pattern
from tfx_balance.core.common import records

__all__ = ['explain_read_failure', 'find_unreadable_file']


def find_unreadable_file(examples, splits: Sequence[str]) -> tuple | None:
    """``(split, path, error)`` of the first unreadable file of ``splits``, or None."""
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
    """A ``DataError`` naming the corrupt file of ``examples`` (one or a list), else ``error``."""
    for artifact in examples if isinstance(examples, (list, tuple)) else [examples]:
        found = find_unreadable_file(artifact, splits)
        if found is not None:
            split, path, detail = found
            return records.unreadable_file_error(path, split, detail, 'it is corrupt or truncated')
    return error
