"""Exact per-class split allocation: the rule StratifiedSplitter follows.

For a class with ``n`` examples and splits ``s`` with weights ``w_s`` (``r_s = w_s / sum(w)``):

1. ``q_s = floor(n * r_s)``; the ``n - sum(q_s)`` leftover examples go one each to the splits with
   the largest fractional parts ``n * r_s - q_s`` (ties: the split listed earlier).
2. Presence: let ``m = min(n, number of splits)``. The ``m`` splits with the largest weights (ties:
   listed earlier) must each hold at least one example: visiting them in that order, any with zero
   takes one from the split that currently holds the most of that class (ties: listed earlier).

Fractions are computed exactly with ``fractions.Fraction``, so the result never depends on
floating-point rounding.

Example:
    >>> allocate(81, [8, 1, 1])
    [65, 8, 8]
    >>> allocate(1, [8, 1, 1])
    [1, 0, 0]
    >>> allocate(2, [8, 1, 1])
    [1, 1, 0]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

# The split argument checks live below every component area; kept importable from here, their
# 0.1.0 home.
from tfx_balance.core.split_names import (  # noqa: F401
    SPLIT_NAME_PATTERN,
    validate_split_list,
    validate_split_name,
    validate_split_weights,
)


def allocate(n: int, weights: Sequence[float]) -> list:
    """Returns the number of examples of a class of size ``n`` that each split receives."""
    if n < 0:
        raise ValueError(f'class size must be >= 0, got {n}')
    if not weights:
        raise ValueError('at least one split weight is required')
    exact = [Fraction(w) for w in weights]
    total = sum(exact)
    shares = [n * w / total for w in exact]
    counts = [int(s) for s in shares]  # floor: shares are non-negative
    leftover = n - sum(counts)
    by_fraction = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in by_fraction[:leftover]:
        counts[i] += 1

    m = min(n, len(weights))
    by_weight = sorted(range(len(weights)), key=lambda i: (-exact[i], i))
    for i in by_weight[:m]:
        if counts[i] == 0:
            donor = min(range(len(counts)), key=lambda j: (-counts[j], j))
            counts[donor] -= 1
            counts[i] += 1
    return counts


def boundaries(counts: Sequence[int]) -> list:
    """Cumulative end ranks: split ``i`` takes class ranks ``[ends[i-1], ends[i])``."""
    ends, total = [], 0
    for c in counts:
        total += c
        ends.append(total)
    return ends
