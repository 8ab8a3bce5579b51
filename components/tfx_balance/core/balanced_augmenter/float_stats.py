"""Exact per-class statistics of float features (min, max, standard deviation).

They are statistics of the **finite** values only: NaN, +inf and -inf are counted (per feature
and class, in ``FeatureStats`` and in the warning of ``nonfinite_warning``) and left out,
so one example's NaN never makes its class's statistics NaN (rule: docs/balanced_augmenter.md,
"Non-finite floats"). A feature with no finite value in a class has no statistics.

Sums of float32 values are kept exactly, as integers in units of 2**-149 (every float32 is a
whole multiple of it; squares in units of 2**-298). Integer addition is associative, so the
per-class standard deviation, and the 'numeric' jitter scaled by it, are the same for any input
order, bundling or runner (float sums differ in the last bits when merged in another order).

Example:
    >>> import numpy as np
    >>> row = stats_row(np.array([1.0, 3.0], np.float32))
    >>> feature_stats(merge_stats(row, stats_row(np.array([5.0, np.nan], np.float32))))
    FeatureStats(min=1.0, max=5.0, std=1.632993161855452, nan=1, posinf=0, neginf=0)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

import numpy as np

_UNIT_BITS = 149
_LOOP_MAX = 32  # up to this many values a Python loop is faster than the vectorised path


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Range and spread of one float feature over all finite values of a class, and the number
    of its values that are NaN, +inf and -inf (left out of ``min``, ``max`` and ``std``)."""

    min: float
    max: float
    std: float
    nan: int = 0
    posinf: int = 0
    neginf: int = 0

    @property
    def nonfinite(self) -> int:
        """How many of the class's values of the feature are NaN, +inf or -inf."""
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
    array: count, sums, min and max of its finite values (``inf, -inf`` for min and max when it
    has none), and the number of each non-finite value."""
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
    return [
        a[0] + b[0],
        a[1] + b[1],
        a[2] + b[2],
        min(a[3], b[3]),
        max(a[4], b[4]),
        a[5] + b[5],
        a[6] + b[6],
        a[7] + b[7],
    ]


def feature_stats(row: list) -> FeatureStats | None:
    """The ``FeatureStats`` of a row (see ``stats_row``); None if it has no finite
    value."""
    count, total, squares, lo, hi, nan, posinf, neginf = row
    if not count:
        return None
    # Variance = (count * sum(x^2) - sum(x)^2) / count^2, computed exactly, rounded once.
    variance = (count * squares - total * total) / (count * count * (1 << (2 * _UNIT_BITS)))
    std = math.sqrt(variance) if variance > 0 else 0.0
    return FeatureStats(lo, hi, std, nan, posinf, neginf)


def nonfinite_warning(rows: Mapping[str, list], where: str) -> str | None:
    """The warning about the non-finite values of one class (``where``: the class and split),
    from its ``{feature: row}`` (see ``stats_row``), or None if every value is finite."""
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
