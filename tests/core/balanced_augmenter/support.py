"""Shared by the BalancedAugment tests: the wine data as tf.Examples, and reading the output.

Example::

    from tests.core.balanced_augmenter.support import WINE, class_counts

    # {label: (originals, synthetic)}
    assert class_counts(WINE) == {0: (59, 0), 1: (20, 0), 2: (7, 0)}
"""

import collections

from sklearn.datasets import load_wine
from tensorflow.core.example import example_pb2


def wine_example(floats, label, extra_int=None, tag=b''):
    ex = example_pb2.Example()
    ex.features.feature['x'].float_list.value[:] = [float(v) for v in floats]
    ex.features.feature['label'].int64_list.value[:] = [int(label)]
    if extra_int is not None:
        ex.features.feature['row'].int64_list.value[:] = [int(extra_int)]
        ex.features.feature['tag'].bytes_list.value[:] = [tag]
    return ex.SerializeToString()


def wine_records(keep=(59, 20, 7)):
    """Wine (13 float features) as tf.Examples, imbalanced: first `keep[k]` rows of class k."""
    X, y = load_wine(return_X_y=True)
    records, seen = [], collections.Counter()
    for i, (x, label) in enumerate(zip(X, y)):
        if seen[label] < keep[label]:
            seen[label] += 1
            records.append(wine_example(x, label, extra_int=i, tag=b'w%d' % i))
    return records


WINE = wine_records()
WINE_COUNTS = {0: 59, 1: 20, 2: 7}


def parse(record):
    ex = example_pb2.Example.FromString(record)
    f = ex.features.feature
    return (
        f['label'].int64_list.value[0],
        f['is_synthetic'].int64_list.value[0],
        f['source_fingerprint'].bytes_list.value[0].decode() if 'source_fingerprint' in f else None,
        ex,
    )


def class_counts(records):
    """{label: (originals, synthetic)}"""
    out = collections.defaultdict(lambda: [0, 0])
    for r in records:
        label, synthetic, _, _ = parse(r)
        out[label][synthetic] += 1
    return {k: tuple(v) for k, v in out.items()}
