"""A failed executor leaves no output behind and raises the tfx-balance error that caused it."""

from __future__ import annotations

import contextlib
import os
from typing import Sequence

import tensorflow as tf
from absl import logging

from tfx_balance.base.artifacts.integrity import explain_read_failure
from tfx_balance.core.common.errors import TfxBalanceError, find_balance_error
from tfx_balance.core.common.record_sink import close_abandoned_files


@contextlib.contextmanager
def output_guard(*outputs):
    """Empties the outputs' folders (a value artifact's file) if the block raises (closing files
    a failed job left open)."""
    try:
        yield
    except BaseException:
        for output in outputs:
            uri = output.uri
            closed = close_abandoned_files(uri)
            if closed:
                logging.info(
                    'Closed %d temp file(s) the failed job left open under %s.', len(closed), uri
                )
            if tf.io.gfile.exists(uri) and not tf.io.gfile.isdir(uri):
                # A value artifact (an HtmlReport): the URI is the file. It is emptied, not
                # removed: TFX's launcher removes every output after a failure, and raises
                # NotFoundError for a value artifact without its file, hiding this error.
                with tf.io.gfile.GFile(uri, 'wb'):
                    pass
            elif tf.io.gfile.exists(uri):
                for child in tf.io.gfile.listdir(uri):
                    path = os.path.join(uri, child)
                    if tf.io.gfile.isdir(path):
                        tf.io.gfile.rmtree(path)
                    else:
                        tf.io.gfile.remove(path)
                logging.error('Removed partial output under %s after a failure.', uri)
        raise


def unwrap_error(error: Exception) -> Exception:
    """Returns the tfx-balance error inside a Beam-wrapped exception, else ``error`` itself."""
    found = find_balance_error(error)
    if found is not None:
        return type(found)(str(found).split('\n')[0].split(" [while running '")[0])
    message = str(error)
    for cls in TfxBalanceError.__subclasses__():
        marker = f'{cls.__name__}: '
        if marker in message:
            text = message.split(marker, 1)[1].split('\n')[0].split(" [while running '")[0]
            return cls(text)
    return error


@contextlib.contextmanager
def checked_beam_pipeline(make_pipeline, examples, splits: Sequence[str]):
    """Yields ``make_pipeline()`` (run on exit) over ``splits`` of ``examples``; a failure is
    re-raised as the tfx-balance error that caused it, alone, or as a ``DataError`` naming an
    unreadable input file (``explain_read_failure``). Use it inside ``output_guard``."""
    try:
        with make_pipeline() as pipeline:
            yield pipeline
    except Exception as e:
        error = unwrap_error(e)
        if not isinstance(error, TfxBalanceError):
            error = explain_read_failure(error, examples, splits)
        if error is e:
            raise
        logging.debug('The Beam job failed with:', exc_info=e)
        raise error from None
