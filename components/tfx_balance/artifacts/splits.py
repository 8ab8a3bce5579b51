"""Split names and folders of ``Examples`` artifacts, and finishing an output artifact."""

from __future__ import annotations

import os
from typing import Iterable, List, Sequence

import tensorflow as tf
from absl import logging
from tfx.components.example_gen import utils as example_gen_utils
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.split.allocation import validate_split_list

# ExampleGen's span and version: custom properties (TFX 1.16 sets no property of these names)


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
    return list(validate_split_list(requested, argument))  # the one rule: no split twice


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


def output_split_dir(output, split: str) -> str:
    """``<output.uri>/Split-<split>``: where a split of an output artifact is written."""
    return os.path.join(output.uri, f'Split-{split}')


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
    copy_span_and_version(examples, output)


# TFX's names, in its example_gen utils (which ExampleGen's driver and SpanRangeStrategy use).
SPAN_AND_VERSION = (example_gen_utils.SPAN_PROPERTY_NAME, example_gen_utils.VERSION_PROPERTY_NAME)


def span_or_version(artifact, name: str) -> int | None:
    """``artifact``'s span or version (``name``): the custom property TFX 1.16's ExampleGen
    records (an int, or a string in older TFX), else the property of that name, else None."""
    if artifact.has_custom_property(name):
        value = artifact.get_custom_property(name)
        return int(value) if value not in (None, '') else None
    if artifact.has_property(name):
        return int(getattr(artifact, name))
    return None


def copy_span_and_version(source, output) -> None:
    """Gives ``output`` (an artifact derived from the one input ``source``) the span and version
    ``source`` has, both as the custom property (what ExampleGen writes and SpanRangeStrategy
    reads) and as the property where ``output``'s type declares one (what StatisticsGen and the
    rolling-range resolver ops read), so TFX's span resolvers work over our outputs."""
    for name in SPAN_AND_VERSION:
        value = span_or_version(source, name)
        if value is None:
            continue
        output.set_int_custom_property(name, value)
        if name in (output.PROPERTIES or {}):
            setattr(output, name, value)


def span_of(artifact) -> int | None:
    """The artifact's span (``span_or_version``), or None."""
    return span_or_version(artifact, example_gen_utils.SPAN_PROPERTY_NAME)
