"""The batch schedule: each class's exact share ``p_k`` of a batch (``resolve_weights``) and its
``floor`` or ``ceil`` of ``B * p_k`` examples in every batch (``batch_rows``; one period of it,
``batch_schedule``). The rule: docs/balanced_input_gen.md, "How batches are composed".

Example:
    >>> shares = resolve_weights({'a': 1, 'b': 3}, ['a', 'b'], batch_size=2)
    >>> shares
    (Fraction(1, 4), Fraction(3, 4))
    >>> batch_schedule(shares, 2).tolist()  # 0.5 and 1.5 per batch: a period of 2 batches
    [[1, 1], [0, 2]]
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Dict, Iterator, Mapping, Sequence, Tuple

import numpy as np

from tfx_balance.core.common.errors import ConfigError

# Longest schedule period (in batches) and choice sequence (in examples) kept in memory.
MAX_PERIOD_BATCHES = 10_000
MAX_SCHEDULE_LENGTH = 2_000_000


def exact_weight(value) -> Fraction:
    """A weight as a ``Fraction``; a float as the simplest fraction rounding to it (0.1: 1/10)."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        kind = value.dtype.type if isinstance(value, np.floating) else float
        x = kind(value)
        if not math.isfinite(x):
            raise ValueError(value)
        if x <= 0:
            return Fraction(float(x))
        exact = Fraction(float(x))  # every float16/32/64 value is a float64 value
        lo = (exact + Fraction(float(np.nextafter(x, kind(0))))) / 2
        hi = (exact + Fraction(float(np.nextafter(x, kind(math.inf))))) / 2
        simplest = _simplest_between(lo, hi)
        return simplest if kind(float(simplest)) == x else exact
    return Fraction(value)


def _simplest_between(lo: Fraction, hi: Fraction) -> Fraction:
    """The fraction with the smallest denominator in ``[lo, hi]`` (``0 < lo <= hi``)."""
    whole = math.ceil(lo)
    if whole <= hi:
        return Fraction(whole)
    floor = math.floor(lo)  # lo and hi lie strictly between floor and floor + 1
    return floor + 1 / _simplest_between(1 / (hi - floor), 1 / (lo - floor))


def _class_key(key) -> str:
    return key.decode('utf-8', 'backslashreplace') if isinstance(key, bytes) else str(key)


def resolve_weights(
    weights: Mapping | None, classes: Sequence[str], batch_size: int
) -> Tuple[Fraction, ...]:
    """``weight_shares``, after checking ``batch_size`` against them."""
    k = len(classes)
    integral = isinstance(batch_size, numbers.Integral) and not isinstance(batch_size, bool)
    if not integral or batch_size < 1:
        raise ConfigError(f'batch_size must be a positive integer, got {batch_size!r}.')
    if weights is None and batch_size < k:
        raise ConfigError(
            f'batch_size {batch_size} is smaller than the number of classes ({k}: '
            f'{", ".join(classes)}); uniform balancing needs at least one example of each '
            f'class per batch. Use batch_size >= {k} (ideally a multiple of {k}), or pass '
            'weights to sample some classes less than once per batch.'
        )
    return weight_shares(weights, classes)


def weight_shares(weights: Mapping | None, classes: Sequence[str]) -> Tuple[Fraction, ...]:
    """Each class's exact share of the stream (None: uniform; classes left out: 0):
    >>> weight_shares({'a': 1, 'b': 3}, ['a', 'b', 'c'])
    (Fraction(1, 4), Fraction(3, 4), Fraction(0, 1))
    """
    if weights is None:
        return tuple(Fraction(1, len(classes)) for _ in classes)
    checked = checked_weights(weights, classes)
    total = sum(checked.values())
    return tuple(checked.get(name, Fraction(0)) / total for name in classes)


_PLURAL = {'class': 'classes', 'label': 'labels'}


def checked_weights(weights, names: Sequence[str], what: str = 'class') -> Dict[str, Fraction]:
    """``{name: exact weight}``, keys matched to ``names`` by their string form:
    >>> checked_weights({3: 2, b'4': 0.5}, ['3', '4'], 'label')
    {'3': Fraction(2, 1), '4': Fraction(1, 2)}
    """
    plural = _PLURAL[what]
    if not isinstance(weights, Mapping) or not weights:
        raise ConfigError(
            f'weights must be None or a non-empty {{{what}: weight}} dict, got {weights!r}.'
        )
    checked: Dict[str, Fraction] = {}
    given: Dict[str, object] = {}  # the key each name was first given as
    for key, value in weights.items():
        text = _class_key(key)
        if text not in names:
            shown = ', '.join(names[:20]) + (', ...' if len(names) > 20 else '')
            raise ConfigError(
                f'weights name {what} {key!r}, which is not in the data; {plural} present: '
                f'{shown}. Fix the {what} name ({plural} are matched by their string form, e.g. 3 '
                'or "3" for an int64 label; multi-hot positions by number).'
            )
        if text in checked:
            raise ConfigError(
                f'weights name {what} {text!r} twice ({given[text]!r} and {key!r}); give each '
                f'{what} one weight.'
            )
        given[text] = key
        try:
            frac = exact_weight(value)
        except (TypeError, ValueError, OverflowError):
            frac = None
        if frac is None or frac < 0:
            raise ConfigError(
                f'weight of {what} {text!r} must be a finite number >= 0, got {value!r}.'
            )
        checked[text] = frac
    if sum(checked.values()) <= 0:
        raise ConfigError(
            f'weights must give at least one {what} a positive weight, got {weights!r}.'
        )
    return checked


def _rule(shares: Sequence[Fraction], batch_size: int):
    """``(base, scaled fractional parts, their denominator, extras per batch)`` of the rule."""
    quotas = [Fraction(batch_size) * Fraction(p) for p in shares]
    base = [math.floor(q) for q in quotas]
    fracs = [q - b for q, b in zip(quotas, base)]
    denominator = math.lcm(*(f.denominator for f in fracs))
    scaled = [f.numerator * (denominator // f.denominator) for f in fracs]
    return base, scaled, denominator, batch_size - sum(base)


def schedule_period(shares: Sequence[Fraction], batch_size: int) -> int | None:
    """Batches after which the schedule repeats, or None if too long to keep."""
    period = _rule(shares, batch_size)[2]
    cap = max(1, min(MAX_PERIOD_BATCHES, MAX_SCHEDULE_LENGTH // batch_size))
    return period if period <= cap else None


def batch_rows(shares: Sequence[Fraction], batch_size: int) -> Iterator[np.ndarray]:
    """The class counts (``int64 [K]``) of every batch, without end: ``floor(B * p_k)``, plus one
    for the classes whose extras lag furthest behind ``j * frac(B * p_k)`` (ties: lower index)."""
    base, scaled, denominator, extras = _rule(shares, batch_size)
    given = [0] * len(shares)
    candidates = [k for k, f in enumerate(scaled) if f > 0]
    j = 0
    while True:
        j += 1
        chosen = sorted(candidates, key=lambda k: (given[k] * denominator - j * scaled[k], k))
        row = np.asarray(base, dtype=np.int64)
        for k in chosen[:extras]:
            given[k] += 1
            row[k] += 1
        yield row


def batch_schedule(
    shares: Sequence[Fraction], batch_size: int, batches: int | None = None
) -> np.ndarray:
    """The first ``batches`` rows of ``batch_rows`` (default: one period) as ``int64 [L, K]``."""
    if batches is None:
        batches = schedule_period(shares, batch_size)
        if batches is None:
            raise ConfigError(
                f'weights give a schedule that repeats only after {_rule(shares, batch_size)[2]} '
                f'batches (more than {MAX_PERIOD_BATCHES}); read it with batch_rows instead.'
            )
    rows = batch_rows(shares, batch_size)
    out = np.zeros((batches, len(shares)), dtype=np.int64)
    for j in range(batches):
        out[j] = next(rows)
    return out


def batch_order(counts: Sequence[int]) -> list:
    """The class of every slot of one batch, each class spread evenly."""
    slots = [((i + 0.5) / c, k) for k, c in enumerate(counts) for i in range(int(c))]
    return [k for _, k in sorted(slots)]


def choice_sequence(schedule: np.ndarray) -> np.ndarray:
    """Flattens a schedule into the class index of every slot, batch after batch."""
    return np.asarray([k for counts in schedule for k in batch_order(counts)], dtype=np.int64)


def batches_to_cover(shares: Sequence[Fraction], batch_size: int, counts: Sequence[int]) -> int:
    """Batches after which every class with a positive share has had ``counts[k]`` examples."""
    period = schedule_period(shares, batch_size)
    active = [k for k, p in enumerate(shares) if p > 0]
    if period is not None:
        cumulative = np.cumsum(batch_schedule(shares, batch_size), axis=0)  # [L, K]
        steps = 0
        for k in active:
            n, per_period = counts[k], int(cumulative[-1, k])
            periods = (n - 1) // per_period
            within = int(np.searchsorted(cumulative[:, k], n - periods * per_period)) + 1
            steps = max(steps, periods * period + within)
        return steps
    expected = max(math.ceil(Fraction(counts[k]) / (batch_size * shares[k])) for k in active)
    limit = MAX_PERIOD_BATCHES * 100
    if expected > limit:
        return expected
    seen = np.zeros(len(shares), dtype=np.int64)
    want = np.asarray(counts, dtype=np.int64)
    open_ = np.asarray([p > 0 for p in shares])
    for j, row in enumerate(batch_rows(shares, batch_size), start=1):
        seen += row
        if not (open_ & (seen < want)).any() or j >= 2 * limit:
            return j
