"""The long-tailed multi-label datasets of the model-quality benchmark (issue 41), in memory.

- ``digits``: the multi-label sample's data, from ``pipelines/multilabel/dataset.py``'s
  ``make_tiles`` on scikit-learn's ``load_digits`` (16x16 tiles showing 2-4 distinct digits, 256
  pixels in [0, 1], 10 labels; digit ``k`` drawn with weight ``0.65**k``: digit 0 on 78% of the
  tiles, digit 9 on 3.3%).
- ``hierarchy`` (SYNTHETIC, ``prototypes``): a label hierarchy with a long tail. 4 parents
  (ids 0-3) and 28 children (ids 4-31, child ``j`` under parent ``j % 4``) with Zipf-like shares
  ``1 / (j + 1)**1.3``. A labelled example carries one child, a second one with probability
  0.3, and the parents of its children; 5% of the examples carry no label. Features: 48 floats,
  the sum of the prototype vectors of the example's labels (standard normal, one per label) plus
  Gaussian noise (sd ``NOISE``): every label carries signal, and a child is told from its
  siblings only by its own prototype.

Each dataset is ``(x float32 [n, d], y int64 multi-hot [n, L])``, cut once into train and test
by a seeded permutation (``train_test``); the same ``(name, n, seed)`` gives the same data.

Example:
    >>> x, y = prototypes(1_000, seed=0)
    >>> x.shape, y.shape, int(y[:, :4].sum(axis=1).max()) <= 2
    ((1000, 48), (1000, 32), True)
"""

from __future__ import annotations

import numpy as np

DATASETS = ('digits', 'hierarchy')
PARENTS, CHILDREN, DIMS = 4, 28, 48
ZIPF = 1.3
SECOND_CHILD = 0.3
UNLABELLED = 0.05
NOISE = 1.5
TEST_SHARE = 0.3
SIZES = {'digits': 4_000, 'hierarchy': 8_000}


def prototypes(n: int, seed: int = 0) -> tuple:
    """The synthetic ``hierarchy`` dataset (module docstring): ``(x [n, 48], y [n, 32])``."""
    rng = np.random.default_rng([41, seed, n])
    centres = rng.standard_normal((PARENTS + CHILDREN, DIMS)).astype(np.float32)
    shares = 1.0 / np.arange(1, CHILDREN + 1) ** ZIPF
    shares /= shares.sum()
    y = np.zeros((n, PARENTS + CHILDREN), dtype=np.int64)
    labelled = rng.random(n) >= UNLABELLED
    second = rng.random(n) < SECOND_CHILD
    for i in np.flatnonzero(labelled):
        children = rng.choice(CHILDREN, size=2 if second[i] else 1, replace=False, p=shares)
        for child in children:
            y[i, PARENTS + child] = 1
            y[i, child % PARENTS] = 1
    x = y.astype(np.float32) @ centres + NOISE * rng.standard_normal((n, DIMS)).astype(np.float32)
    return x, y


def digit_tiles(n: int, seed: int = 0) -> tuple:
    """The multi-label sample's tiles (``make_tiles`` on ``load_digits``): ``(x [n, 256],
    y [n, 10])``."""
    from sklearn.datasets import load_digits

    from pipelines.multilabel.dataset import make_tiles

    digits = load_digits()
    return make_tiles(digits.images, digits.target, count=n, seed=seed)


def dataset(name: str, n: int | None = None, seed: int = 0) -> tuple:
    """``(x, y)`` of dataset ``name`` (``SIZES[name]`` examples unless ``n``)."""
    n = n or SIZES[name]
    return digit_tiles(n, seed) if name == 'digits' else prototypes(n, seed)


def train_test(x, y, seed: int = 0) -> tuple:
    """``(x_train, y_train, x_test, y_test)``: a seeded cut, ``TEST_SHARE`` of the examples to
    test."""
    order = np.random.default_rng([41, 7, seed]).permutation(len(x))
    cut = int(round(len(x) * (1 - TEST_SHARE)))
    train, test = order[:cut], order[cut:]
    return x[train], y[train], x[test], y[test]
