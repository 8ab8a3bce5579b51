"""Split names and folders of ``Examples`` artifacts (one, or a window, or a folder), and finishing
an output."""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Sequence

import tensorflow as tf
from absl import logging
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from tfx_balance.base.artifacts.spans import (
    as_window,
    copy_span_and_version,
    file_prefix,
    message_names,
    source_names,
)
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.split_names import validate_split_list


def split_names(examples) -> List[str]:
    """The split names recorded on an Examples artifact (a window's first artifact)."""
    return list(artifact_utils.decode_split_names(as_window(examples)[0].split_names))


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
    return list(validate_split_list(requested, argument))  # the one rule: no split twice


def require_tf_example(examples, component: str) -> None:
    """Raises unless every artifact holds serialized ``tf.train.Example`` records."""
    window = as_window(examples)
    names = message_names(window)
    for name, artifact in zip(names, window):
        payload = examples_utils.get_payload_format(artifact)
        if payload != example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE:
            raise ConfigError(
                f'{component} reads tf.train.Example records, but {name} has payload format '
                f'{example_gen_pb2.PayloadFormat.Name(payload)}. Convert the data to tf.Example '
                '(FORMAT_TF_EXAMPLE) first.'
            )


def split_file_pattern(examples, split: str) -> str:
    return os.path.join(artifact_utils.get_split_uri([examples], split), '*')


def check_split_files(examples, split: str) -> List[str]:
    """The split's files (a window's: every artifact's), or a ``DataError`` naming the split."""
    window = as_window(examples)
    names = message_names(window)
    files = []
    for name, artifact in zip(names, window):
        found = sorted(tf.io.gfile.glob(split_file_pattern(artifact, split)))
        if not found:
            raise DataError(
                f"split '{split}' of {name} has no files under "
                f'{artifact_utils.get_split_uri([artifact], split)}; the upstream component '
                'wrote nothing for it. Check the upstream component or exclude this split.'
            )
        files += found
    return files


def split_folders(uri: str) -> Dict[str, str]:
    """``{split name: folder}`` of the ``Split-<name>`` folders in the artifact folder ``uri``
    (what TFX writes, whatever ``split_names`` says), sorted by name."""
    names = sorted(n.rstrip('/') for n in tf.io.gfile.listdir(uri) if n.startswith('Split-'))
    return {name[len('Split-') :]: os.path.join(uri, name) for name in names}


def output_split_dir(output, split: str) -> str:
    """``<output.uri>/Split-<split>``: where a split of an output artifact is written."""
    return os.path.join(output.uri, f'Split-{split}')


def copy_split(examples, split: str, output) -> None:
    """Copies a split's files unchanged into ``output`` (a window's prefixed ``span-3-...``)."""
    window = as_window(examples)
    prefixes = [file_prefix(name) for name in source_names(window)] if len(window) > 1 else ['']
    dst_dir = output_split_dir(output, split)
    tf.io.gfile.makedirs(dst_dir)
    for prefix, artifact in zip(prefixes, window):
        src_dir = artifact_utils.get_split_uri([artifact], split)
        for src in sorted(tf.io.gfile.glob(os.path.join(src_dir, '*'))):
            dst = os.path.join(dst_dir, prefix + os.path.basename(src))
            tf.io.gfile.copy(src, dst, overwrite=True)
        logging.info("Passed split '%s' through unchanged: %s -> %s", split, src_dir, dst_dir)


def finish_examples(examples, output, splits: Iterable[str]) -> None:
    """Sets ``output``'s split names, payload format, span and version (a window's: its latest)."""
    output.split_names = artifact_utils.encode_split_names(list(splits))
    payload = examples_utils.get_payload_format(as_window(examples)[0])
    examples_utils.set_payload_format(output, payload)
    copy_span_and_version(examples, output)
