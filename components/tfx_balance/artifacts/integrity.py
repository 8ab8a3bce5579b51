"""Checking input files: every gzip stream verified inside the job; failures name the file."""

from __future__ import annotations

import re
from typing import Sequence

import apache_beam as beam
import tensorflow as tf

from tfx_balance.artifacts.splits import split_file_pattern
from tfx_balance.core import records
from tfx_balance.core.records import verify_gzip_file

__all__ = ['VerifyInputFiles', 'explain_read_failure', 'find_unreadable_file', 'verify_gzip_file']


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
    """Turns a low-level read failure into a ``DataError`` naming the corrupt file, if any."""
    found = find_unreadable_file(examples, splits)
    if found is None:
        return error
    split, path, detail = found
    return records.unreadable_file_error(path, split, detail, 'it is corrupt or truncated')


def _is_gzip(path: str) -> bool:
    """A file is checked as gzip if its data says so, or its name does (then it must be)."""
    return path.endswith('.gz') or records.compression_of(path) == 'GZIP'


@beam.ptransform_fn
def VerifyInputFiles(pipeline, examples, splits: Sequence[str]):  # noqa: N802
    """Checks every gzip file of ``splits`` on the workers
    (:func:`~tfx_balance.core.records.verify_gzip_file`: a core function, so that a
    multi-processing worker imports no TFX to run it).

    A failure fails the Beam job, and the executor's ``output_guard`` removes any output.
    """
    files = [
        (path, split)
        for split in splits
        for path in sorted(tf.io.gfile.glob(split_file_pattern(examples, split)))
        if _is_gzip(path)
    ]
    return (
        pipeline
        | 'InputFiles' >> beam.Create(files)
        | 'SpreadFiles' >> beam.Reshuffle()
        | 'VerifyGzip' >> beam.MapTuple(records.verify_gzip_file)
    )
