"""The imbalanced PNG digits dataset (pipelines/digits/dataset.py)."""

import collections
import os

import numpy as np
import tensorflow as tf
from tensorflow.core.example import example_pb2

from pipelines.digits import write_imbalanced_digits
from pipelines.digits.dataset import FILE_NAME


def _read(folder):
    path = os.path.join(folder, FILE_NAME)
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(path, compression_type='GZIP')]


def test_counts_shrink_geometrically_and_match_the_file(tmp_path):
    counts = write_imbalanced_digits(str(tmp_path / 'a'))
    assert counts == {0: 178, 1: 151, 2: 122, 3: 105, 4: 86, 5: 72, 6: 59, 7: 49, 8: 39, 9: 34}
    records = _read(tmp_path / 'a')
    labels = collections.Counter()
    for r in records[:50]:
        f = example_pb2.Example.FromString(r).features.feature
        assert sorted(f) == ['image', 'label']
        image = tf.io.decode_png(f['image'].bytes_list.value[0]).numpy()
        assert image.shape == (8, 8, 1) and image.dtype == np.uint8
    for r in records:
        labels[example_pb2.Example.FromString(r).features.feature['label'].int64_list.value[0]] += 1
    assert labels == counts


def test_selection_is_deterministic_and_follows_the_seed(tmp_path):
    small = write_imbalanced_digits(str(tmp_path / 'a'), max_per_class=20)
    assert small == {0: 20, 1: 17, 2: 14, 3: 11, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10}
    write_imbalanced_digits(str(tmp_path / 'b'), max_per_class=20)
    write_imbalanced_digits(str(tmp_path / 'c'), seed=1, max_per_class=20)
    assert _read(tmp_path / 'a') == _read(tmp_path / 'b')
    assert _read(tmp_path / 'a') != _read(tmp_path / 'c')
