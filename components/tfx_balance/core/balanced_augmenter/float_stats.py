"""A class's float statistics (min, max, standard deviation) from batches of serialized records.

``scan_floats`` reads float values by template, without parsing; ``stats_row``, ``merge_stats``
and ``feature_stats`` make exact statistics of the finite values (docs/balanced_augmenter.md).

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['x'].float_list.value[:] = [0.5, 2.0]
    >>> values, rest = scan_floats([ex.SerializeToString()] * 2)
    >>> [(name, rows.tolist(), v.ravel().tolist()) for name, rows, v in values], rest
    ([('x', [0, 1], [0.5, 2.0, 0.5, 2.0])], [])
    >>> row = stats_row(np.array([1.0, 3.0], np.float32))
    >>> feature_stats(merge_stats(row, stats_row(np.array([5.0, np.nan], np.float32))))
    FeatureStats(min=1.0, max=5.0, std=1.632993161855452, nan=1, posinf=0, neginf=0)
"""

from __future__ import annotations

import dataclasses
import math
from typing import List, Mapping, Sequence, Tuple

import numpy as np

from tfx_balance.core.common.wire import LENGTH_DELIMITED, fields

MAX_TEMPLATES = 4  # per record length; the records matching none are parsed by the caller


def _fields(data: bytes, start: int, end: int):
    """``(number, payload start, end)`` of each field of ``data[start:end]``; ``ValueError``
    unless all are length-delimited."""
    for number, kind, _, value, stop in fields(data, start, end):
        if kind != LENGTH_DELIMITED:
            raise ValueError('not length-delimited')
        yield number, value, stop


def float_offsets(record: bytes) -> List[Tuple[str, int, int]] | None:
    """``[(name, offset of the first value, count)]`` of the record's non-empty float features,
    or None if the record is not in the plain layout."""
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
    """``([(name, record positions, float32 values (rows, count))], positions not read)``."""
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


_UNIT_BITS = 149
_LOOP_MAX = 32  # up to this many values a Python loop is faster than the vectorised path


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Range and spread of one float feature over a class's finite values; non-finite counts."""

    min: float
    max: float
    std: float
    nan: int = 0
    posinf: int = 0
    neginf: int = 0

    @property
    def nonfinite(self) -> int:
        return self.nan + self.posinf + self.neginf


def _exact_sums(values: np.ndarray):
    """``(sum, sum of squares)`` of finite float32 ``values`` as exact scaled integers."""
    if values.size <= _LOOP_MAX:
        total = squares = 0
        for x in values.tolist():
            i = int(math.ldexp(x, _UNIT_BITS))
            total += i
            squares += i * i
        return total, squares
    mantissa, exponent = np.frexp(values.astype(np.float64))
    mantissa = np.ldexp(mantissa, 24).astype(np.int64)  # exact: float32 has 24-bit mantissas
    shift = exponent.astype(np.int64) - 24 + _UNIT_BITS
    low = shift < 0  # subnormal float32 values: their low mantissa bits are zero
    mantissa[low] >>= -shift[low]
    shift[low] = 0
    shifts, group = np.unique(shift, return_inverse=True)
    a = np.abs(mantissa)
    hi, lo = a >> 12, a & 0xFFF  # squares as 12-bit halves: float64 bincounts stay exact
    sums = [np.bincount(group, weights=w, minlength=len(shifts)).tolist()
            for w in (mantissa, hi * hi, hi * lo, lo * lo)]  # fmt: skip
    total = squares = 0
    for shift, t, hh, hl, ll in zip(shifts.tolist(), *sums):
        total += int(t) << shift
        squares += ((int(hh) << 24) + (int(hl) << 13) + int(ll)) << (2 * shift)
    return total, squares


def stats_row(values: np.ndarray) -> list:
    """``[count, exact sum, exact sum of squares, min, max, NaNs, +infs, -infs]`` of a float32
    array, the first five of its finite values."""
    nan = posinf = neginf = 0
    finite = np.isfinite(values)
    if not finite.all():
        nan = int(np.isnan(values).sum())
        posinf = int(np.isposinf(values).sum())
        neginf = values.size - int(finite.sum()) - nan - posinf
        values = values[finite]
    if not values.size:
        return [0, 0, 0, math.inf, -math.inf, nan, posinf, neginf]
    total, squares = _exact_sums(values)
    row = [values.size, total, squares, float(values.min()), float(values.max())]
    return row + [nan, posinf, neginf]


def merge_stats(a: list, b: list) -> list:
    """The row of two parts' values (see ``stats_row``)."""
    sums = [x + y for x, y in zip(a, b)]
    return sums[:3] + [min(a[3], b[3]), max(a[4], b[4])] + sums[5:]


def feature_stats(row: list) -> FeatureStats | None:
    """The ``FeatureStats`` of a ``stats_row`` row; None if it has no finite value."""
    count, total, squares, lo, hi, nan, posinf, neginf = row
    if not count:
        return None
    # Variance = (count * sum(x^2) - sum(x)^2) / count^2, computed exactly, rounded once.
    variance = (count * squares - total * total) / (count * count * (1 << (2 * _UNIT_BITS)))
    std = math.sqrt(variance) if variance > 0 else 0.0
    return FeatureStats(lo, hi, std, nan, posinf, neginf)


def nonfinite_warning(rows: Mapping[str, list], where: str) -> str | None:
    """The warning about the non-finite values in one class's ``{feature: stats_row}``, or None."""
    parts = []
    for name in sorted(rows):
        count, _, _, _, _, *bad = rows[name]
        if not any(bad):
            continue
        kinds = ', '.join(f'{n} {kind}' for n, kind in zip(bad, ('NaN', '+inf', '-inf')) if n)
        part = f"feature '{name}': {sum(bad)} of {count + sum(bad)} values ({kinds})"
        parts.append(part + (', no finite value, copied as is' if not count else ''))
    if not parts:
        return None
    return (
        f"{where}: non-finite float values (NaN, +inf, -inf) are left out of the class's float "
        'statistics and stay only in the examples that hold them and the copies made from '
        f'those: {"; ".join(parts)}. Filter or impute them upstream if the model must not see '
        'them.'
    )
