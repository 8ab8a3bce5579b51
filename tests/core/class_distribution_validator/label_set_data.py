"""Test data for the multi-label validator: examples with exact per-label counts, and their TFDV
statistics computed here (real ``tfdv.generate_statistics_from_tfrecord``, no mocks)."""

import os
import re

import tensorflow as tf
import tensorflow_data_validation as tfdv

from tests.support.examples import example


def label_sets(n: int, counts: dict, unlabeled: int = 0) -> list:
    """``n`` label lists in which label ``L`` is carried by exactly ``counts[L]`` examples and the
    last ``unlabeled`` examples carry none (labels are spread round-robin over the others)."""
    labelled = n - unlabeled
    assert all(c <= labelled for c in counts.values())
    assert sum(counts.values()) >= labelled, 'every example but the last unlabeled gets a label'
    sets = [[] for _ in range(n)]
    start = 0
    for label, count in counts.items():
        for i in range(count):
            sets[(start + i) % labelled].append(label)
        start += count
    return sets


def records(sets: list, feature: str = 'tags', mode: str = 'ids', width: int = 0) -> list:
    """Serialized examples: ``mode='ids'`` writes each list as is (an empty list: the feature is
    absent), ``'empty'`` writes an empty list as a present, empty feature, ``'multi_hot'`` writes a
    0/1 vector of ``width``; every example also has a float feature ``x``."""
    out = []
    for i, labels in enumerate(sets):
        if mode == 'multi_hot':
            values = [1 if p in labels else 0 for p in range(width)]
            out.append(example(**{feature: values, 'x': float(i)}))
        elif labels:
            out.append(example(**{feature: list(labels), 'x': float(i)}))
        elif mode == 'empty':
            ex = tf.train.Example.FromString(example(x=float(i)))
            key = 'bytes_list'
            getattr(ex.features.feature[feature], key).SetInParent()
            out.append(ex.SerializeToString())
        else:
            out.append(example(x=float(i)))
    return out


def statistics(tmp_path, name: str, serialized: list, **options):
    """TFDV's statistics (one dataset) of ``serialized`` written as a TFRecord file."""
    path = os.path.join(str(tmp_path), f'{name}.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for record in serialized:
            writer.write(record)
    stats = tfdv.generate_statistics_from_tfrecord(path, stats_options=tfdv.StatsOptions(**options))
    return stats.datasets[0]


# A stratified 4:1 split of 3 labels (prevalence 0.75, 0.25, 0.05) with 10% unlabeled examples,
# and a skewed eval split whose label 'c' has prevalence 0.2 instead of 0.05.
TRAIN = (400, {b'a': 300, b'b': 100, b'c': 20}, 40)
EVAL = (100, {b'a': 75, b'b': 25, b'c': 5}, 10)
SKEWED_EVAL = (100, {b'a': 75, b'b': 25, b'c': 20}, 10)


def assert_documented(error) -> None:
    """The error's message matches a row of the table in docs/troubleshooting.md."""
    from tests.support.errors import documented_errors

    message = str(error.value if hasattr(error, 'value') else error)
    assert any(re.search(p, message) for p in documented_errors()), f'undocumented: {message}'
