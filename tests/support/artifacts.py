"""Test helpers: reading what a LocalDagRunner pipeline wrote (real files, no mocks)."""

import collections
import glob
import json
import os

import tensorflow as tf
from tensorflow.core.example import example_pb2


def latest_artifact_dir(pipeline_root: str, component_id: str, output_key: str = 'examples') -> str:
    """The newest ``<pipeline_root>/<component>/<output>/<execution id>`` folder."""
    dirs = glob.glob(os.path.join(pipeline_root, component_id, output_key, '*'))
    if not dirs:
        raise AssertionError(f'no output {output_key!r} for component {component_id!r}')
    return max(dirs, key=lambda d: int(os.path.basename(d)))


def read_split(artifact_dir: str, split: str) -> list:
    """All serialized records of ``Split-<split>`` (gzipped TFRecords), in file order."""
    files = sorted(glob.glob(os.path.join(artifact_dir, f'Split-{split}', '*')))
    assert files, f'no files in {artifact_dir}/Split-{split}'
    return [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type='GZIP')]


def label_counts(records, label_feature: str) -> dict:
    counts = collections.Counter()
    for record in records:
        feature = example_pb2.Example.FromString(record).features.feature[label_feature]
        kind = feature.WhichOneof('kind')
        value = getattr(feature, kind).value[0]
        counts[value.decode() if isinstance(value, bytes) else int(value)] += 1
    return dict(counts)


def read_json(path: str):
    with open(path) as f:
        return json.load(f)
