"""A long-tailed multi-label image dataset for ImportExampleGen, from scikit-learn only.

``write_digit_tiles`` builds ``count`` tiles from scikit-learn's ``load_digits`` (1,797 8x8
grayscale images, about 180 per digit, shipped with scikit-learn: no download). A tile is a 16x16
image, a 2x2 grid of 8x8 cells: 2 to 4 of the cells show a digit image, the others are blank, and
the tile's labels are the digits it shows (distinct: a tile never shows one digit twice). The
digits of a tile are drawn without replacement with weight ``decay**k`` for digit ``k``, so the
label frequency is long-tailed: with the defaults digit 0 is on 78% of the tiles and digit 9
on 3.3% (``label_counts`` gives the exact numbers). Everything (how many digits, which,
which image of each, which cells) comes from one ``numpy.random.Generator`` seeded with ``seed``:
the same seed writes the same bytes.

Each tile becomes a ``tf.train.Example`` with

- ``pixels``: 256 floats in [0, 1], the tile row by row (pixel value ``v / 16``),
- ``labels``: int64, a multi-hot vector of 10: position ``k`` is 1 when the tile shows digit
  ``k`` (``StratifiedSplitter(multi_label='multi_hot')``),

written to one gzipped TFRecord file ``<output_dir>/data.tfrecord.gz``, so
``ImportExampleGen(input_base=output_dir)`` ingests it (keep nothing else in ``output_dir``).

Example:
    >>> counts = write_digit_tiles('/tmp/tiles_data')  # doctest: +SKIP
    >>> counts[0] > counts[9]  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
from typing import Dict

import numpy as np

FILE_NAME = 'data.tfrecord.gz'
PIXELS_FEATURE = 'pixels'
LABEL_FEATURE = 'labels'
NUM_LABELS = 10
CELL = 8  # a digit image is CELL x CELL
GRID = 2  # a tile is GRID x GRID cells
TILE = CELL * GRID
DEFAULT_COUNT = 3000
DEFAULT_DECAY = 0.65
MIN_DIGITS, MAX_DIGITS = 2, 4


def digit_weights(decay: float = DEFAULT_DECAY) -> np.ndarray:
    """Probability of each digit ``k`` (``decay**k``, normalised) in a tile's first draw."""
    weights = decay ** np.arange(NUM_LABELS, dtype=np.float64)
    return weights / weights.sum()


def make_tiles(
    images: np.ndarray,
    targets: np.ndarray,
    count: int = DEFAULT_COUNT,
    seed: int = 0,
    decay: float = DEFAULT_DECAY,
) -> tuple:
    """``(tiles [count, 256] float32 in [0, 1], labels [count, 10] int64 multi-hot)`` from digit
    ``images`` ``[n, 8, 8]`` (values 0..16) and their ``targets``; deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    by_digit = [np.flatnonzero(targets == k) for k in range(NUM_LABELS)]
    weights = digit_weights(decay)
    tiles = np.zeros((count, TILE, TILE), dtype=np.float32)
    labels = np.zeros((count, NUM_LABELS), dtype=np.int64)
    for i in range(count):
        shown = int(rng.integers(MIN_DIGITS, MAX_DIGITS + 1))
        digits = rng.choice(NUM_LABELS, size=shown, replace=False, p=weights)
        cells = rng.permutation(GRID * GRID)[:shown]
        for digit, cell in zip(digits, cells):
            image = images[by_digit[digit][rng.integers(len(by_digit[digit]))]]
            row, col = divmod(int(cell), GRID)
            tiles[i, row * CELL : (row + 1) * CELL, col * CELL : (col + 1) * CELL] = image / 16.0
            labels[i, digit] = 1
    return tiles.reshape(count, TILE * TILE), labels


def label_counts(labels: np.ndarray) -> Dict[int, int]:
    """``{digit: tiles showing it}``."""
    return {k: int(n) for k, n in enumerate(labels.sum(axis=0))}


def write_digit_tiles(
    output_dir: str,
    count: int = DEFAULT_COUNT,
    seed: int = 0,
    decay: float = DEFAULT_DECAY,
) -> Dict[int, int]:
    """Writes the tiles dataset; returns ``{digit: tiles showing it}``.

    Args:
      output_dir: folder to write ``data.tfrecord.gz`` into (created if missing).
      count: number of tiles.
      seed: seed of every random choice (the same seed writes the same file).
      decay: digit ``k`` has weight ``decay**k`` when a tile's digits are drawn.
    """
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    tiles, labels = make_tiles(digits.images, digits.target, count, seed, decay)
    os.makedirs(output_dir, exist_ok=True)
    options = tf.io.TFRecordOptions(compression_type='GZIP')
    with tf.io.TFRecordWriter(os.path.join(output_dir, FILE_NAME), options) as writer:
        for pixels, hot in zip(tiles, labels):
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        PIXELS_FEATURE: tf.train.Feature(
                            float_list=tf.train.FloatList(value=pixels.tolist())
                        ),
                        LABEL_FEATURE: tf.train.Feature(
                            int64_list=tf.train.Int64List(value=hot.tolist())
                        ),
                    }
                )
            )
            writer.write(example.SerializeToString(deterministic=True))
    return label_counts(labels)
