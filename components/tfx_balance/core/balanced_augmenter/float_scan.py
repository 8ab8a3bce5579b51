"""The float values of a batch of serialized ``tf.train.Example``s, read without parsing each one.

Records of one length are compared, as a ``(records, length)`` byte matrix, with a template (the
first of them not yet read): a record equal to it on every byte but the float values has its
structure, so its values are the float32 bytes at the template's value offsets. Only the template
is walked (wire format); a record that matches no template (up to ``MAX_TEMPLATES`` per
length), or a template the walk does not take (unpacked floats, a duplicated feature name, a
``Feature`` with two kinds, unknown fields), is left to the caller to parse.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['x'].float_list.value[:] = [0.5, 2.0]
    >>> values, rest = scan_floats([ex.SerializeToString()] * 2)
    >>> [(name, rows.tolist(), v.ravel().tolist()) for name, rows, v in values], rest
    ([('x', [0, 1], [0.5, 2.0, 0.5, 2.0])], [])
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

MAX_TEMPLATES = 4  # per record length; the records matching none are parsed by the caller


def _varint(data: bytes, at: int) -> Tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(data: bytes, start: int, end: int):
    """``(field number, payload start, payload end)`` of the length-delimited fields in
    ``data[start:end]``; raises ``ValueError`` on any other wire type."""
    at = start
    while at < end:
        tag, at = _varint(data, at)
        if tag & 7 != 2:
            raise ValueError('not length-delimited')
        size, at = _varint(data, at)
        if at + size > end:
            raise ValueError('truncated')
        yield tag >> 3, at, at + size
        at += size


def float_offsets(record: bytes) -> List[Tuple[str, int, int]] | None:
    """``[(name, offset of the first value, count)]`` of the record's non-empty float features,
    or None where the record is not the plain layout this module reads."""
    names, out = set(), []
    try:
        top = list(_fields(record, 0, len(record)))
        if not top:  # an empty example
            return []
        if len(top) != 1 or top[0][0] != 1:
            return None
        for number, start, end in _fields(record, top[0][1], top[0][2]):
            if number != 1:
                return None
            entry = list(_fields(record, start, end))
            if [n for n, _, _ in entry] != [1, 2]:
                return None
            name = record[entry[0][1] : entry[0][2]].decode()
            if name in names:
                return None
            names.add(name)
            kinds = list(_fields(record, entry[1][1], entry[1][2]))
            if len(kinds) > 1 or any(n not in (1, 2, 3) for n, _, _ in kinds):
                return None
            if kinds and kinds[0][0] == 2:  # float_list
                values = list(_fields(record, kinds[0][1], kinds[0][2]))
                if len(values) > 1 or any(n != 1 for n, _, _ in values):
                    return None
                if values and values[0][2] > values[0][1]:
                    _, first, last = values[0]
                    if (last - first) % 4:
                        return None
                    out.append((name, first, (last - first) // 4))
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    return out


def scan_floats(records: Sequence[bytes]) -> tuple:
    """``([(name, record positions, float32 values (rows, count))], positions not read)``: the
    float features of the records read by template (a name can come once per template)."""
    by_length = {}
    for i, record in enumerate(records):
        by_length.setdefault(len(record), []).append(i)
    found, rest = [], []
    for length, positions in by_length.items():
        positions = np.array(positions)
        matrix = np.frombuffer(b''.join(records[i] for i in positions), np.uint8)
        matrix = matrix.reshape(len(positions), length)
        for _ in range(MAX_TEMPLATES):
            if not len(positions):
                break
            layout = float_offsets(records[positions[0]])
            if layout is None:
                rest.append(int(positions[0]))
                positions, matrix = positions[1:], matrix[1:]
                continue
            fixed = np.ones(length, bool)
            for _, first, count in layout:
                fixed[first : first + 4 * count] = False
            same = (matrix[:, fixed] == matrix[0, fixed]).all(axis=1)
            rows = matrix[same]
            for name, first, count in layout:
                values = rows[:, first : first + 4 * count].copy().view('<f4')
                found.append((name, positions[same], values.astype(np.float32)))
            positions, matrix = positions[~same], matrix[~same]
        rest.extend(positions.tolist())
    return found, sorted(rest)
