"""The long-tailed multi-label digit tiles (pipelines/multilabel/dataset.py)."""

import os

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from tensorflow.core.example import example_pb2

from pipelines.multilabel.dataset import (
    CELL,
    FILE_NAME,
    NUM_LABELS,
    TILE,
    make_tiles,
    write_digit_tiles,
)


def _read(folder):
    path = os.path.join(folder, FILE_NAME)
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(path, compression_type='GZIP')]


def test_every_tile_shows_two_to_four_distinct_digits_which_are_its_labels():
    digits = load_digits()
    tiles, labels = make_tiles(digits.images, digits.target, count=200, seed=3)
    assert tiles.shape == (200, TILE * TILE) and labels.shape == (200, NUM_LABELS)
    assert set(labels.sum(axis=1)) == {2, 3, 4}
    for tile, hot in zip(tiles.reshape(-1, TILE, TILE), labels):
        cells = [
            tile[r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL]
            for r in range(2)
            for c in range(2)
        ]
        shown = [cell for cell in cells if cell.any()]
        assert len(shown) == hot.sum()  # one non-blank cell per label
        # each shown cell is one of scikit-learn's images of one of the tile's digits
        for cell in shown:
            match = np.flatnonzero((digits.images / 16.0 == cell).all(axis=(1, 2)))
            assert set(digits.target[match]) & set(np.flatnonzero(hot))


def test_the_default_label_frequency_is_long_tailed_and_matches_the_file(tmp_path):
    counts = write_digit_tiles(str(tmp_path / 'a'))
    assert counts == {
        0: 2344,
        1: 1948,
        2: 1528,
        3: 1139,
        4: 758,
        5: 484,
        6: 324,
        7: 214,
        8: 149,
        9: 99,
    }
    records = _read(tmp_path / 'a')
    assert len(records) == 3000
    total = np.zeros(NUM_LABELS, dtype=np.int64)
    for r in records:
        f = example_pb2.Example.FromString(r).features.feature
        assert sorted(f) == ['labels', 'pixels']
        assert len(f['pixels'].float_list.value) == TILE * TILE
        total += np.array(f['labels'].int64_list.value)
    assert dict(enumerate(total.tolist())) == counts


def test_tiles_are_deterministic_and_follow_the_seed(tmp_path):
    write_digit_tiles(str(tmp_path / 'a'), count=50)
    write_digit_tiles(str(tmp_path / 'b'), count=50)
    write_digit_tiles(str(tmp_path / 'c'), count=50, seed=1)
    assert _read(tmp_path / 'a') == _read(tmp_path / 'b')
    assert _read(tmp_path / 'a') != _read(tmp_path / 'c')
