"""Group ids (``group_feature``), read by one rule for StratifiedSplitter and LeakageCheck.

An example's group id is the one value of its ``group_feature``, the same group whatever its
type (int64 ``123``, bytes ``b'123'``, float ``123.0``). ``read_group_id`` gives ``(group, seed
key)``: examples are grouped by ``group``, a group's hash within a span is of its least ``seed
key``, and across spans a group is named by ``group_key``. docs/stratified_splitter.md,
"`group_feature`".

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> def user(kind, value):
    ...     e = example_pb2.Example()
    ...     getattr(e.features.feature['user'], kind).value.append(value)
    ...     return e
    >>> read_group_id(user('int64_list', 123), 'user')
    (b'123', b'int64_list:123')
    >>> read_group_id(user('bytes_list', b'123'), 'user')[0]
    b'123'
    >>> read_group_id(user('float_list', 123.0), 'user')[0]
    b'123'
    >>> read_group_id(user('float_list', 0.3), 'user')[0]
    b'0.3'
    >>> read_group_ids([user('int64_list', 7).SerializeToString()], 'user')  # a batch, in C++
    [(b'7', b'int64_list:7')]
    >>> group_key(0, b'7') == group_key(0, read_group_id(user('float_list', 7.0), 'user')[0])
    True
"""

from __future__ import annotations

import math
from typing import Tuple

import numpy as np

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import seeded_hash
from tfx_balance.core.common.labels import decode_feature, float_name

FLOAT_EXACT_LIMIT = 2**24  # float32 holds every integer up to this exactly
# a group id's kind: the tf.train.Feature field holding it (spelt so in seed keys)
INT64, BYTES, FLOAT = 'int64_list', 'bytes_list', 'float_list'
# What group_key puts before the id it hashes. No seed key (``<kind>:...``, whose hashes keyed
# groups in assignments of format 1) starts so: a group's two keys never meet.
GROUP_KEY_PREFIX = b'group:'


def read_group_id(
    example, group_feature: str, describe=lambda: '', where: str = ''
) -> Tuple[bytes, bytes]:
    """``(group, seed key)`` of a parsed ``tf.train.Example``, or the ``DataError`` naming
    ``group_feature``, the example (``describe()``, called only for an error) and ``where``."""
    feature = example.features.feature.get(group_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    values = list(getattr(feature, kind).value) if kind else []
    if len(values) != 1:
        in_where = f' in {where}' if where else ''
        raise DataError(
            f"group_feature '{group_feature}' must have exactly one value per example, found "
            f'{len(values)} in an example {describe()}{in_where}. Give every example one group '
            'id, or leave group_feature unset.'
        )
    return _group_id(kind, values[0], group_feature, describe, where)


def read_group_ids(records, group_feature: str, describe=lambda i: '', where: str = '') -> list:
    """``read_group_id`` of every serialized example of ``records`` (``describe(i)`` says which
    example ``i`` is), decoded in C++ where the batch holds one value of one kind each, else
    example by example.
    """
    if not len(records):
        return []
    decoded = _decode_ids(records, group_feature)
    if decoded is not None:
        kind, values = decoded
        return [
            _group_id(kind, value, group_feature, lambda i=i: describe(i), where)
            for i, value in enumerate(values)
        ]
    from tensorflow.core.example import example_pb2

    return [
        read_group_id(
            example_pb2.Example.FromString(record), group_feature, lambda i=i: describe(i), where
        )
        for i, record in enumerate(records)
    ]


def _decode_ids(records, group_feature: str):
    """``(kind, values)`` of a batch with one value of one kind each, decoded in C++; else None."""
    import tensorflow as tf

    for kind, dtype in ((BYTES, tf.string), (INT64, tf.int64), (FLOAT, tf.float32)):
        decoded = decode_feature(records, group_feature, dtype)
        if decoded is not None:  # the kind of every example's values (or of none)
            values, splits = decoded
            if len(values) != len(records) or (np.diff(splits) != 1).any():
                return None
            return kind, values.tolist()
    return None


def _group_id(kind: str, value, group_feature: str, describe, where: str) -> Tuple[bytes, bytes]:
    """``(group, seed key)`` of one ``value`` of ``kind``, or the ``DataError`` of a float that
    names no group."""
    seed_key = f'{kind}:{value!r}'.encode()
    if kind == INT64:
        return str(value).encode(), seed_key
    if kind == BYTES:
        return bytes(value), seed_key
    if not math.isfinite(value):
        problem = f'the float {value!r}, which names no group'
    elif value.is_integer() and abs(value) > FLOAT_EXACT_LIMIT:
        problem = (
            f'the float {value!r}, beyond 2**24: float32 (a tf.Example float) cannot hold such '
            'ids exactly, so two ids could have become one'
        )
    else:
        return float_name(value).encode(), seed_key
    in_where = f' in {where}' if where else ''
    raise DataError(
        f"group_feature '{group_feature}' is {problem}, in an example {describe()}{in_where}. "
        'Store group ids as int64 or bytes (string) upstream, e.g. in ExampleGen or a '
        'preprocessing step.'
    )


def group_key(seed: int, group: bytes) -> int:
    """The key a group is known by across spans: the seeded hash of its id ``group``, one
    spelling for every kind, so a group whose id changes type between spans is still found."""
    return seeded_hash(seed, GROUP_KEY_PREFIX + group)


def group_name(group: bytes) -> str:
    """A group id as reports and errors show it."""
    return group.decode('utf-8', errors='backslashreplace')
