"""Test helpers: real Examples artifacts on disk, for calling executors directly."""

import os

import tensorflow as tf
from tensorflow.core.example import example_pb2, feature_pb2

from tfx_balance.core.common.wire import add_entries, feature_entry

EMPTY_EXAMPLE = b'\n\x00'  # an Example with an empty feature map, as one 'features' field


def example(**features) -> bytes:
    """Serializes a tf.Example; ints -> int64, floats -> float, str/bytes -> bytes; lists ok."""
    ex = example_pb2.Example()
    for name, value in features.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        feature = ex.features.feature[name]
        for v in values:
            if isinstance(v, bool) or isinstance(v, int):
                feature.int64_list.value.append(int(v))
            elif isinstance(v, float):
                feature.float_list.value.append(v)
            else:
                feature.bytes_list.value.append(v.encode() if isinstance(v, str) else v)
    return ex.SerializeToString()


def map_entries(record: bytes) -> list:
    """The serialized ``FeatureEntry`` messages (``name -> Feature``) of an example's feature map,
    in name order, as protobuf writes them."""
    ex = example_pb2.Example.FromString(record)
    return [
        feature_pb2.Features.FeatureEntry(
            key=name, value=ex.features.feature[name]
        ).SerializeToString()
        for name in sorted(ex.features.feature)
    ]


def reordered(record: bytes, rng) -> bytes:
    """The same example written with its feature map in another order (``rng.permutation``), as
    protobuf does in another process."""
    ex = example_pb2.Example.FromString(record)
    names = sorted(ex.features.feature)
    entries = b''.join(
        feature_entry(names[i], ex.features.feature[names[i]].SerializeToString())
        for i in rng.permutation(len(names))
    )
    return add_entries(EMPTY_EXAMPLE, entries)


def write_records(path: str, records) -> None:
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.TFRecordWriter(path, options='GZIP') as writer:
        for record in records:
            writer.write(record)


def make_examples_artifact(uri: str, splits: dict):
    """An Examples artifact at ``uri`` with ``{split: [records]}`` written as gzipped shards."""
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2
    from tfx.types import artifact_utils, standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = uri
    artifact.split_names = artifact_utils.encode_split_names(list(splits))
    examples_utils.set_payload_format(artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    for split, records in splits.items():
        split_dir = os.path.join(uri, f'Split-{split}')
        tf.io.gfile.makedirs(split_dir)
        if records:
            write_records(os.path.join(split_dir, 'data_tfrecord-00000-of-00001.gz'), records)
    return artifact


def new_output(uri: str):
    from tfx.types import standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = uri
    os.makedirs(uri, exist_ok=True)
    return artifact
