"""Serialized ``tf.train.Example`` records built from protobuf wire-format parts (no parsing), and
the fields of a serialized message walked without parsing it (``fields``).

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> record = feature_entry('a', int64_feature(1))
    >>> record = delimited(ENTRY_TAG, record)  # an Example with the one feature 'a'
    >>> added = add_entries(record, feature_entry('b', bytes_feature(b'x')))
    >>> sorted(example_pb2.Example.FromString(added).features.feature)
    ['a', 'b']
"""

from __future__ import annotations

import functools
from typing import Iterable, List, Tuple

from tensorflow.core.example import feature_pb2

ENTRY_TAG = b'\n'  # field 1, length-delimited: Example.features, Features.feature, map key
VALUE_TAG = b'\x12'  # field 2, length-delimited: map value, Feature.float_list


def varint(value: int) -> bytes:
    """The base-128 varint encoding of a non-negative ``value``."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(data: bytes, pos: int) -> Tuple[int, int]:
    """The varint at ``data[pos]`` and the position after it (an ``IndexError`` past the end)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


LENGTH_DELIMITED = 2  # the wire type of bytes, strings and messages


def fields(data: bytes, start: int, end: int):
    """``(number, wire type, field start, value start, end)`` per field of ``data[start:end]``."""
    pos = start
    while pos < end:
        tag, value = read_varint(data, pos)
        kind = tag & 7
        if kind == 0:
            stop = read_varint(data, value)[1]
        elif kind == LENGTH_DELIMITED:
            size, value = read_varint(data, value)
            stop = value + size
        elif kind in (1, 5):
            stop = value + (8 if kind == 1 else 4)
        else:
            raise ValueError(f'wire type {kind}')
        if stop > end:
            raise ValueError('truncated field')
        yield tag >> 3, kind, pos, value, stop
        pos = stop


def delimited(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: ``tag``, the varint length of ``payload``, ``payload``."""
    return tag + varint(len(payload)) + payload


def feature_key(name: str) -> bytes:
    """The bytes that start the key of feature ``name`` in every record that has it."""
    return delimited(ENTRY_TAG, name.encode())


def feature_entry(name: str, feature: bytes) -> bytes:
    """One serialized ``Features.feature`` entry: ``name`` -> serialized ``Feature``."""
    return delimited(ENTRY_TAG, feature_key(name) + delimited(VALUE_TAG, feature))


def int64_feature(value: int) -> bytes:
    """A serialized ``Feature`` holding the one int64 ``value``."""
    return feature_pb2.Feature(int64_list=feature_pb2.Int64List(value=[value])).SerializeToString()


def bytes_feature(value: bytes) -> bytes:
    """A serialized ``Feature`` holding the one bytes ``value``."""
    return delimited(ENTRY_TAG, delimited(ENTRY_TAG, value))  # Feature.bytes_list.value


def add_entries(record: bytes, entries: bytes) -> bytes | None:
    """``record`` with ``entries`` appended; None unless it is exactly one ``features`` field."""
    if record[:1] != ENTRY_TAG:
        return None
    try:
        length, pos = read_varint(record, 1)
    except IndexError:
        return None
    if pos + length != len(record):
        return None
    return ENTRY_TAG + varint(length + len(entries)) + record[pos:] + entries


@functools.cache
def _longer_key_first() -> bool:
    """Whether deterministic serialization writes map key 'ab' before 'a' (upb does)."""
    features = feature_pb2.Features()
    for name in ('a', 'ab'):
        features.feature[name].int64_list.value.append(1)
    data = features.SerializeToString(deterministic=True)
    return data.index(feature_key('ab')) < data.index(feature_key('a'))


def key_order(names: Iterable[str]) -> List[str]:
    """Feature ``names`` in the order protobuf's deterministic serialization writes them.

    Example:
        >>> key_order(['s', 'source', 'a']) in (['a', 's', 'source'], ['a', 'source', 's'])
        True
    """
    if _longer_key_first():
        return sorted(names, key=lambda name: (*name.encode(), 256))  # 256: after every byte
    return sorted(names)  # code-point order is UTF-8 byte order
