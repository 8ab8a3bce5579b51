"""Reading and writing ``Examples`` artifacts the TFX way, shared by every executor.

- Input splits are read as raw serialized records through ``tfx_bsl`` TFXIO
  (:func:`ReadSplits`), one Beam source per split, with stage labels ``Read[<split>]``, or, for
  components that work on batches, file by file with tf.data's C++ reader
  (:func:`ReadSplitBatches`).
- Output splits are gzipped TFRecords in ``Split-<name>/`` (:func:`write_records`).
- :func:`finish_examples` sets ``split_names`` with ``artifact_utils``, propagates the payload
  format, span and version from the input, and :func:`copy_split` passes a split through
  byte-for-byte.
- :func:`output_guard` removes everything an executor wrote if it fails, so an output artifact
  is never left half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from typing import Iterable, List, Sequence

import apache_beam as beam
import tensorflow as tf
from absl import logging
from tfx.components.util import examples_utils, tfxio_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from tfx_balance.core import records
from tfx_balance.core.errors import ConfigError, DataError, TfxBalanceError

RAW_RECORD_COLUMN = '__tfx_balance_raw_record__'
RECORD_FILE_PREFIX = 'data_tfrecord'


def split_names(examples) -> List[str]:
    """The split names recorded on an Examples artifact."""
    return list(artifact_utils.decode_split_names(examples.split_names))


def resolve_splits(examples, requested: Sequence[str] | None, argument: str) -> List[str]:
    """Returns ``requested`` (default: all splits), checking that each exists on ``examples``."""
    available = split_names(examples)
    if requested is None:
        return available
    if isinstance(requested, str):
        requested = [requested]
    requested = list(requested)
    if not requested:
        raise ConfigError(f'{argument} is empty; name at least one of: {", ".join(available)}.')
    missing = [s for s in requested if s not in available]
    if missing:
        raise ConfigError(
            f'{argument} names split(s) {", ".join(repr(s) for s in missing)} that the input '
            f'artifact does not have; available splits: {", ".join(available) or "(none)"}.'
        )
    if len(set(requested)) != len(requested):
        raise ConfigError(f'{argument} lists a split twice: {requested}.')
    return requested


def require_tf_example(examples, component: str) -> None:
    """Raises unless the artifact holds serialized ``tf.train.Example`` records."""
    payload = examples_utils.get_payload_format(examples)
    if payload != example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE:
        name = example_gen_pb2.PayloadFormat.Name(payload)
        raise ConfigError(
            f'{component} reads tf.train.Example records, but the input artifact has payload '
            f'format {name}. Convert the data to tf.Example (FORMAT_TF_EXAMPLE) first.'
        )


def split_file_pattern(examples, split: str) -> str:
    return os.path.join(artifact_utils.get_split_uri([examples], split), '*')


def check_split_files(examples, split: str) -> List[str]:
    """Returns the split's files; raises ``DataError`` naming the split if there are none."""
    files = sorted(tf.io.gfile.glob(split_file_pattern(examples, split)))
    if not files:
        raise DataError(
            f"split '{split}' of the input artifact has no files under "
            f'{artifact_utils.get_split_uri([examples], split)}; the upstream component wrote '
            'nothing for it. Check the upstream component or exclude this split.'
        )
    return files


def make_records_source(examples, split: str, telemetry: str):
    """Returns a PTransform reading ``split`` as serialized records through TFXIO."""
    tfxio = tfxio_utils.get_split_tfxio(
        examples=[examples],
        split=split,
        telemetry_descriptors=['tfx_balance', telemetry],
        read_as_raw_records=True,
        raw_record_column_name=RAW_RECORD_COLUMN,
    )
    return tfxio.RawRecordBeamSource()


@beam.ptransform_fn
def ReadSplitBatches(pipeline, examples, splits: Sequence[str]):  # noqa: N802
    """Reads and merges the given splits as lists of serialized records, file by file, with
    tf.data's C++ reader (:class:`~tfx_balance.core.records.ReadRecordBatches`): the fast path
    for components that process records in batches (about 4 µs per record against about 25 µs
    for Beam's ``ReadFromTFRecord`` behind :func:`ReadSplits`).
    """
    files = [path for split in splits for path in check_split_files(examples, split)]
    return pipeline | 'ReadBatches' >> records.ReadRecordBatches(files)


@beam.ptransform_fn
def ReadSplits(pipeline, examples, splits: Sequence[str], telemetry: str):  # noqa: N802
    """Reads and merges the given splits of an Examples artifact as serialized records."""
    parts = [
        pipeline | f'Read[{split}]' >> make_records_source(examples, split, telemetry)
        for split in splits
    ]
    if len(parts) == 1:
        return parts[0]
    return parts | 'MergeSplits' >> beam.Flatten()


def output_split_dir(output, split: str) -> str:
    """``<output.uri>/Split-<split>``: where a split of an output artifact is written."""
    return os.path.join(output.uri, f'Split-{split}')


@beam.ptransform_fn
def WriteRecords(records, output_dir: str, prefix: str = RECORD_FILE_PREFIX):  # noqa: N802
    """Writes serialized records as gzipped TFRecord shards ``<output_dir>/<prefix>-*.gz``."""
    return records | 'WriteTFRecord' >> beam.io.WriteToTFRecord(
        os.path.join(output_dir, prefix),
        file_name_suffix='.gz',
        compression_type=beam.io.filesystem.CompressionTypes.GZIP,
    )


@beam.ptransform_fn
def WriteSmallSplits(pairs, output, splits: Sequence[str], prefix: str):  # noqa: N802
    """Writes a small PCollection of ``(split, serialized record)`` pairs as one gzipped TFRecord
    file per split that has any, ``<output>/Split-<split>/<prefix>-00000-of-00001.gz``.

    Each split's records are grouped in one worker and written sorted, through a temporary file
    renamed into place: a retry rewrites the same bytes, and a failure leaves no partial file. One
    stage instead of one ``WriteRecords`` (about five stages) per split; for large parts use
    :func:`WriteRecords`.
    """
    dirs = {split: output_split_dir(output, split) for split in splits}
    return (
        pairs
        | 'GroupBySplit' >> beam.GroupByKey()
        | 'WriteSplitFile' >> beam.Map(_write_split_file, dirs, prefix)
    )


def _write_split_file(item, dirs: dict, prefix: str) -> str:
    split, split_records = item
    path = os.path.join(dirs[split], f'{prefix}-00000-of-00001.gz')
    records.write_records_file(path, sorted(split_records))
    return path


@beam.ptransform_fn
def WriteJson(pcoll, path: str):  # noqa: N802
    """Writes the single element of ``pcoll`` as pretty JSON to ``path``."""

    def _write(obj):
        write_json(path, obj)
        return path

    return pcoll | 'WriteJsonFile' >> beam.Map(_write)


def write_json(path: str, obj) -> None:
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, 'w') as f:
        f.write(json.dumps(obj, indent=2, sort_keys=False) + '\n')


def read_json(path: str):
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)


def copy_split(examples, split: str, output) -> None:
    """Copies a split's files unchanged (byte-for-byte) into the output artifact."""
    src_dir = artifact_utils.get_split_uri([examples], split)
    dst_dir = output_split_dir(output, split)
    tf.io.gfile.makedirs(dst_dir)
    for src in sorted(tf.io.gfile.glob(os.path.join(src_dir, '*'))):
        tf.io.gfile.copy(src, os.path.join(dst_dir, os.path.basename(src)), overwrite=True)
    logging.info("Passed split '%s' through unchanged: %s -> %s", split, src_dir, dst_dir)


def finish_examples(examples, output, splits: Iterable[str]) -> None:
    """Sets split names and propagates payload format, span and version onto ``output``."""
    output.split_names = artifact_utils.encode_split_names(list(splits))
    examples_utils.set_payload_format(output, examples_utils.get_payload_format(examples))
    for name in ('span', 'version'):
        if examples.has_property(name) and name in (output.PROPERTIES or {}):
            setattr(output, name, getattr(examples, name))


@contextlib.contextmanager
def output_guard(*outputs):
    """Removes the contents of the outputs' folders if the wrapped block raises."""
    try:
        yield
    except BaseException:
        for output in outputs:
            uri = output.uri
            if tf.io.gfile.exists(uri):
                for child in tf.io.gfile.listdir(uri):
                    path = os.path.join(uri, child)
                    if tf.io.gfile.isdir(path):
                        tf.io.gfile.rmtree(path)
                    else:
                        tf.io.gfile.remove(path)
                logging.error('Removed partial output under %s after a failure.', uri)
        raise


def find_unreadable_file(examples, splits: Sequence[str]) -> tuple | None:
    """Reads every file of ``splits`` and returns ``(split, path, error)`` for the first one that
    is not a readable gzipped TFRecord file, or None. Used only after a failure, to name the file.
    """
    for split in splits:
        for path in sorted(tf.io.gfile.glob(split_file_pattern(examples, split))):
            try:
                for _ in tf.data.TFRecordDataset(path, compression_type='GZIP'):
                    pass
            except (tf.errors.OpError, ValueError) as e:
                detail = re.sub(r'\{\{.*?\}\}\s*|\s*\[Op:.*$', '', str(e).split('\n')[0])
                return split, path, detail.strip(" '")
    return None


def explain_read_failure(error: Exception, examples, splits: Sequence[str]) -> Exception:
    """Turns a low-level read failure into a ``DataError`` naming the corrupt file, if any."""
    found = find_unreadable_file(examples, splits)
    if found is None:
        return error
    split, path, detail = found
    return DataError(
        f"input file {path} of split '{split}' is not a readable gzipped TFRecord file "
        f'({detail}); it is corrupt or truncated. Re-run the upstream component that wrote it, '
        'or remove the file.'
    )


def verify_gzip_file(path: str, split: str) -> int:
    """Decompresses ``path`` to its end and returns its uncompressed size; raises ``DataError``
    naming the file if the gzip stream is truncated or corrupt (its CRC is checked by zlib).

    Beam's TFRecord reader can stop silently at a truncated gzip stream and lose the rest of the
    file, so every Beam component checks its input files with this, in parallel.
    """
    import zlib

    size = 0
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
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
            complete = decompressor.eof
    except zlib.error as e:
        raise DataError(
            f"input file {path} of split '{split}' is not a readable gzipped TFRecord file "
            f'({e}); it is corrupt. Re-run the upstream component that wrote it, or remove it.'
        ) from e
    if not complete:
        raise DataError(
            f"input file {path} of split '{split}' is not a readable gzipped TFRecord file "
            '(the gzip stream ends early); it is truncated. Re-run the upstream component that '
            'wrote it, or remove the file.'
        )
    return size


@beam.ptransform_fn
def VerifyInputFiles(pipeline, examples, splits: Sequence[str]):  # noqa: N802
    """Checks every gzip file of ``splits`` on the workers (see :func:`verify_gzip_file`).

    A failure fails the Beam job, and the executor's :func:`output_guard` removes any output.
    """
    files = [
        (split, path)
        for split in splits
        for path in sorted(tf.io.gfile.glob(split_file_pattern(examples, split)))
        if path.endswith('.gz')
    ]
    return (
        pipeline
        | 'InputFiles' >> beam.Create(files)
        | 'SpreadFiles' >> beam.Reshuffle()
        | 'VerifyGzip' >> beam.MapTuple(lambda split, path: verify_gzip_file(path, split))
    )


def unwrap_error(error: Exception) -> Exception:
    """Returns the tfx-balance error inside a Beam-wrapped exception, else ``error`` itself."""
    seen = error
    while seen is not None:
        if isinstance(seen, TfxBalanceError):
            return type(seen)(str(seen).split('\n')[0].split(" [while running '")[0])
        seen = seen.__cause__ or seen.__context__
    message = str(error)
    for cls in TfxBalanceError.__subclasses__():
        marker = f'{cls.__name__}: '
        if marker in message:
            text = message.split(marker, 1)[1].split('\n')[0].split(" [while running '")[0]
            return cls(text)
    return error


@contextlib.contextmanager
def checked_beam_pipeline(make_pipeline, examples, splits: Sequence[str]):
    """Yields the executor's Beam pipeline (``make_pipeline()``, run on exit) over ``splits`` of
    ``examples``, with the checks every tfx-balance Beam job needs:

    - every input gzip file is verified inside the job (:func:`VerifyInputFiles`);
    - a failure is re-raised as the tfx-balance error that caused it, without Beam's wrapping,
      or as a ``DataError`` naming the input file when an unreadable file is the cause.

    Use it inside :func:`output_guard`, so that a failed job leaves no output behind.
    """
    try:
        with make_pipeline() as pipeline:
            yield pipeline
            _ = pipeline | 'VerifyInputFiles' >> VerifyInputFiles(examples, splits)
    except Exception as e:
        error = unwrap_error(e)
        if not isinstance(error, TfxBalanceError):
            error = explain_read_failure(error, examples, splits)
        if error is e:
            raise
        raise error from e
