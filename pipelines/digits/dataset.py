"""An imbalanced, PNG-encoded digits dataset for ImportExampleGen, from scikit-learn only.

``write_imbalanced_digits`` takes scikit-learn's ``load_digits`` (1,797 8x8 grayscale images,
about 180 per digit, shipped with scikit-learn: no download) and keeps a geometrically shrinking
share of each digit: digit ``k`` keeps ``max(min_count, round(n_k * decay**k))`` of its ``n_k``
images (with the defaults: all 178 zeros, ..., 34 nines; 895 images in total). Which images are
kept is deterministic: the ones with the smallest ``seeded_hash(seed, index)``.

Each image becomes a ``tf.train.Example`` with

- ``image``: bytes, the 8x8 image as a grayscale 8-bit PNG (pixel value ``min(255, v * 16)``),
- ``label``: int64, the digit ``0..9``,

written in sklearn order to one gzipped TFRecord file ``<output_dir>/data.tfrecord.gz``, so
``ImportExampleGen(input_base=output_dir)`` ingests it (keep nothing else in ``output_dir``).

Example:
    >>> counts = write_imbalanced_digits('/tmp/digits_data')  # doctest: +SKIP
    >>> counts[0], counts[9]  # doctest: +SKIP
    (178, 34)
"""

from __future__ import annotations

import os
from typing import Dict

import numpy as np

from tfx_balance.core.common.hashing import seeded_hash

FILE_NAME = 'data.tfrecord.gz'
IMAGE_FEATURE = 'image'
LABEL_FEATURE = 'label'
DEFAULT_DECAY = 0.83
DEFAULT_MIN_COUNT = 10


def kept_indices(
    labels: np.ndarray,
    seed: int = 0,
    decay: float = DEFAULT_DECAY,
    min_count: int = DEFAULT_MIN_COUNT,
    max_per_class: int | None = None,
) -> np.ndarray:
    """Indices (in sklearn order) of the images kept for the imbalanced dataset."""
    keep = []
    for k in sorted(set(int(v) for v in labels)):
        members = np.flatnonzero(labels == k)
        n = len(members) if max_per_class is None else min(len(members), max_per_class)
        wanted = min(len(members), max(min_count, int(round(n * decay**k))))
        ranked = sorted(members, key=lambda i: seeded_hash(seed, str(int(i)).encode()))
        keep.extend(ranked[:wanted])
    return np.array(sorted(keep), dtype=np.int64)


def write_imbalanced_digits(
    output_dir: str,
    seed: int = 0,
    decay: float = DEFAULT_DECAY,
    min_count: int = DEFAULT_MIN_COUNT,
    max_per_class: int | None = None,
) -> Dict[int, int]:
    """Writes the imbalanced digits dataset; returns ``{digit: count}``.

    Args:
      output_dir: folder to write ``data.tfrecord.gz`` into (created if missing).
      seed: which images of a digit are kept (deterministic for a seed).
      decay: digit ``k`` keeps ``decay**k`` of its images (at least ``min_count``).
      min_count: smallest number of images kept per digit.
      max_per_class: optional cap applied before the decay, for smaller test data (e.g. 60
        gives 60, 50, 41, ..., 11).
    """
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    labels = digits.target.astype(np.int64)
    pixels = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    indices = kept_indices(labels, seed, decay, min_count, max_per_class)
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, FILE_NAME)
    counts: Dict[int, int] = {}
    options = tf.io.TFRecordOptions(compression_type='GZIP')
    with tf.io.TFRecordWriter(path, options) as writer:
        for i in indices:
            png = tf.io.encode_png(pixels[i][:, :, None]).numpy()
            label = int(labels[i])
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        IMAGE_FEATURE: tf.train.Feature(bytes_list=tf.train.BytesList(value=[png])),
                        LABEL_FEATURE: tf.train.Feature(
                            int64_list=tf.train.Int64List(value=[label])
                        ),
                    }
                )
            )
            writer.write(example.SerializeToString(deterministic=True))
            counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))
