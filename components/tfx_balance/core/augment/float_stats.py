"""Exact per-class statistics of float features (min, max, standard deviation).

Sums of float32 values are kept exactly, as integers in units of 2**-149 (every float32 is a
whole multiple of it; squares in units of 2**-298). Integer addition is associative, so the
per-class standard deviation, and the 'numeric' jitter scaled by it, are the same for any input
order, bundling or runner (float sums differ in the last bits when merged in another order).

Example:
    >>> import numpy as np
    >>> row = stats_row(np.array([1.0, 3.0], np.float32))
    >>> feature_stats(merge_stats(row, stats_row(np.array([5.0], np.float32))))
    FeatureStats(min=1.0, max=5.0, std=1.632993161855452)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

_UNIT_BITS = 149
_LOOP_MAX = 32  # up to this many values a Python loop is faster than the vectorised path


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Range and spread of one float feature over all values of a class."""

    min: float
    max: float
    std: float


def _exact_sums(values: np.ndarray):
    """``(sum, sum of squares)`` of float32 ``values`` as exact scaled integers (NaN if any
    value is not finite)."""
    if not np.isfinite(values).all():
        return math.nan, math.nan
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
    """``[count, exact sum, exact sum of squares, min, max]`` of a float32 array."""
    total, squares = _exact_sums(values)
    return [values.size, total, squares, float(values.min()), float(values.max())]


def merge_stats(a: list, b: list) -> list:
    """The row of two parts' values (see :func:`stats_row`)."""
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2], min(a[3], b[3]), max(a[4], b[4])]


def feature_stats(row: list) -> FeatureStats:
    """The :class:`FeatureStats` of a row (see :func:`stats_row`)."""
    count, total, squares, lo, hi = row
    # Variance = (count * sum(x^2) - sum(x)^2) / count^2, computed exactly, rounded once.
    variance = (count * squares - total * total) / (count * count * (1 << (2 * _UNIT_BITS)))
    std = math.sqrt(variance) if variance > 0 else 0.0
    return FeatureStats(lo, hi, std)
