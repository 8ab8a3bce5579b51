"""Batched decoding of a multi-label feature: the fast path of ``multilabel_counts.count_labels``.

Parsing a whole ``tf.train.Example`` with protobuf to read one feature costs ~45 µs per record
(:mod:`tfx_balance.core.records`); :func:`fast_counts` decodes only the label feature of a whole
batch with ``tf.io.parse_example`` (a ragged int64 or string feature) and counts with numpy. It
returns exactly the counts of the per-record path, or ``None`` when the batch is not clean (a float
feature, int64 and bytes ids in one batch, a label listed twice in an example, multi-hot vectors
of different lengths, empty, or with entries other than 0/1): the caller then counts the batch
record by record, which raises the ``DataError`` naming the example.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['tags'].bytes_list.value.extend([b'cat', b'dog'])
    >>> counts = fast_counts([ex.SerializeToString()] * 3, 'tags', 'ids')
    >>> counts['counts'], counts['label_values'], counts['unlabeled']
    ({b'cat': 3, b'dog': 3}, 6, 0)
    >>> ex.features.feature['tags'].bytes_list.value.append(b'cat')  # 'cat' twice
    >>> fast_counts([ex.SerializeToString()], 'tags', 'ids') is None
    True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.labels import example_fingerprint


def _parse(records: Sequence[bytes], label_feature: str, kind: str):
    """``(flat values tensor, row lengths)`` of the feature decoded as ``kind``, or None."""
    import tensorflow as tf

    dtype = tf.int64 if kind == 'int64' else tf.string
    spec = {label_feature: tf.io.RaggedFeature(dtype, row_splits_dtype=tf.int64)}
    try:
        parsed = tf.io.parse_example(list(records), spec)[label_feature]
    except (tf.errors.InvalidArgumentError, ValueError):  # another dtype, or not a tf.Example
        return None
    return parsed.flat_values, np.diff(parsed.row_splits.numpy())


def _kinds_to_try(first: bytes, label_feature: str, multi_label: str) -> tuple:
    """The dtypes to decode with, the first record's own first (a failed decode costs a parse)."""
    if multi_label == 'multi_hot':
        return ('int64',)
    feature = example_pb2.Example.FromString(first).features.feature.get(label_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    return ('bytes', 'int64') if kind == 'bytes_list' else ('int64', 'bytes')


def fast_counts(records: Sequence[bytes], label_feature: str, multi_label: str) -> dict | None:
    """The counts of ``count_labels`` for a clean batch, or None (see the module doc)."""
    if not len(records):
        return None
    for kind in _kinds_to_try(records[0], label_feature, multi_label):
        decoded = _parse(records, label_feature, kind)
        if decoded is not None:
            break
    else:
        return None
    flat, lengths = decoded
    result = {'examples': len(records), 'width': None, 'first': None, 'kinds': {}}
    if multi_label == 'multi_hot':
        values = flat.numpy()
        width = int(lengths[0])
        if width == 0 or (lengths != width).any() or ((values != 0) & (values != 1)).any():
            return None
        matrix = values.reshape(len(records), width)
        per_label = matrix.sum(axis=0)
        counts = {i: int(n) for i, n in enumerate(per_label) if n}
        unlabeled = int((matrix.sum(axis=1) == 0).sum())
        result.update(width=width, first=example_fingerprint(records[0]))
    else:
        import tensorflow as tf

        unique, index = tf.unique(flat)  # hashing in C++: no sort of Python bytes objects
        labels, codes = unique.numpy(), index.numpy().astype(np.int64)
        per_label = np.bincount(codes, minlength=len(labels))
        rows = np.repeat(np.arange(len(records), dtype=np.int64), lengths)
        if len(np.unique(rows * max(len(labels), 1) + codes)) != len(codes):
            return None  # a label twice in one example: the per-record path names it
        convert = int if kind == 'int64' else bytes
        counts = {convert(label): int(n) for label, n in zip(labels, per_label)}
        unlabeled = int((lengths == 0).sum())
        if len(codes):
            first = int(np.argmax(lengths > 0))
            result['kinds'][kind] = example_fingerprint(records[first])
    result.update(label_values=int(sum(counts.values())), unlabeled=unlabeled, counts=counts)
    return result
