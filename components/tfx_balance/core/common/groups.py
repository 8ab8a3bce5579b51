"""Group ids (``group_feature``): the one rule StratifiedSplitter (splits and folds) and
LeakageCheck read them by, so that both agree on what a group is.

An example's group id is the one value of its ``group_feature``; the same id is one group
whatever its type (int64 ``123``, bytes ``b'123'``, float ``123.0``; a float is the id its
shortest decimal spells). ``read_group_id`` gives ``(group, seed key)``: examples are grouped
by ``group``, the group's hash within a span is of its least ``seed key`` (the id as its kind
spells it), and across spans a group is named by ``group_key`` (the seeded hash of ``group``).
The rules and the ids refused: docs/stratified_splitter.md, "`group_feature`".

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
    """``(group, seed key)`` of a parsed ``tf.train.Example`` (see the module docstring), or the
    ``DataError`` naming ``group_feature`` and the example: ``describe()`` says which (e.g.
    ``"(fingerprint 0a1b...) of class 'x'"``), called only for an error, and ``where`` where it
    was read (e.g. ``"split 'train'"``)."""
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
    """``(group, seed key)`` of every serialized example of ``records``: the values and errors of
    ``read_group_id`` of each (``describe(i)`` says which example ``i`` is).
    The group feature of the whole batch is decoded in C++ (``labels.decode_feature``); a batch
    whose examples do not all hold one value of one kind is read example by example (ids of
    several kinds are one rule, but not one decoding), so the error is the first bad example's.
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
    """``(kind, values)`` of a batch whose examples each hold one value of one kind, decoded in
    C++; else None."""
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
    """``(group, seed key)`` of a group feature's one ``value``, of ``kind`` (its ``Feature``
    field: ``INT64``, ``BYTES`` or ``FLOAT``), or the ``DataError`` of a float that names no
    group."""
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
    """The key a group is known by across spans: the seeded hash of its id, ``group`` (of
    ``read_group_id``: one spelling for every kind), so that a group whose id changes type
    between spans is still found. StratifiedSplitter writes and pins its assignments by it
    (``Unit.key``)."""
    return seeded_hash(seed, GROUP_KEY_PREFIX + group)


def group_name(group: bytes) -> str:
    """A group id as reports and errors show it."""
    return group.decode('utf-8', errors='backslashreplace')
