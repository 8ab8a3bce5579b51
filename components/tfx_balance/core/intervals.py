"""Confidence intervals of the balanced metrics, from per-class counts (pure numpy, no TFMA).

Per class recall: Clopper-Pearson's exact interval. Macro recall (and balanced accuracy): the adjusted Wald
interval of a mean of independent proportions (Price and Bonett 2004). The improvement of a
candidate over a baseline on the same examples: per class, the paired counts "only the candidate
right" and "only the baseline right", combined the same way (Bonett and Price 2012). Method,
assumptions and coverage: docs/balanced_model_gate.md#intervals.

Example::

    recall_interval(hits=5, total=6, confidence=0.95)   # Interval(0.359, 0.996)
    paired_improvement_interval([4, 1], [0, 1], [20, 6], confidence=0.95)
"""

from __future__ import annotations

import math
import statistics
from typing import NamedTuple, Sequence

import numpy as np
from scipy import stats

from tfx_balance.core.errors import ConfigError


class Interval(NamedTuple):
    """A two-sided confidence interval ``[lower, upper]``."""

    lower: float
    upper: float


def validate_confidence(confidence) -> float:
    """``confidence`` as a float in (0.5, 1); else ``ConfigError``.

    >>> validate_confidence(0.95)
    0.95
    """
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ConfigError(
            f'confidence must be a number in (0.5, 1), e.g. 0.95; got {confidence!r}.'
        )
    if not 0.5 < confidence < 1:
        raise ConfigError(
            f'confidence must be a number in (0.5, 1), e.g. 0.95; got {confidence!r}.'
        )
    return float(confidence)


def confidence_suffix(confidence: float) -> str:
    """The suffix of the bound keys: ``'95'`` for 0.95, ``'99_5'`` for 0.995.

    >>> confidence_suffix(0.95), confidence_suffix(0.995)
    ('95', '99_5')
    """
    percent = f'{100 * confidence:.4f}'.rstrip('0').rstrip('.')
    return percent.replace('.', '_')


def z_value(confidence: float) -> float:
    """The normal quantile of a two-sided interval: 1.96 for 0.95."""
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2)


def recall_interval(hits: float, total: float, confidence: float) -> Interval:
    """Clopper-Pearson's exact interval of ``hits / total``: it covers the true recall at least
    ``confidence`` of the time whatever the class size, so a class of 3 gets an honest wide one.

    >>> [round(b, 3) for b in recall_interval(3, 3, 0.95)]
    [0.292, 1.0]
    """
    hits, total = np.asarray(hits, float), np.asarray(total, float)
    if (total <= 0).any():
        raise ValueError('a class without examples has no recall interval')
    tail = (1 - confidence) / 2
    with np.errstate(invalid='ignore', divide='ignore'):
        lower = np.where(hits > 0, stats.beta.ppf(tail, hits, total - hits + 1), 0.0)
        upper = np.where(hits < total, stats.beta.ppf(1 - tail, hits + 1, total - hits), 1.0)
    if lower.ndim == 0:
        return Interval(float(lower), float(upper))
    return Interval(lower, upper)


def macro_interval(hits: Sequence[float], totals: Sequence[float], confidence: float) -> Interval:
    """Adjusted Wald interval of the mean of ``hits[c] / totals[c]`` over the classes given (the
    last axis; leading axes are independent evaluations).

    Each class gets ``2 / K`` pseudo-hits out of ``4 / K`` pseudo-examples (K classes), which keeps
    the interval honest when a small class is all right or all wrong.
    """
    hits, totals = np.asarray(hits, float), np.asarray(totals, float)
    classes = totals.shape[-1]
    adjusted_totals = totals + 4 / classes
    p = (hits + 2 / classes) / adjusted_totals
    centre = p.mean(axis=-1)
    half = z_value(confidence) * np.sqrt((p * (1 - p) / adjusted_totals).sum(axis=-1)) / classes
    return _clipped(centre, half, 0.0, 1.0)


def _clipped(centre, half, low: float, high: float) -> Interval:
    lower, upper = np.maximum(low, centre - half), np.minimum(high, centre + half)
    if np.ndim(lower) == 0:
        return Interval(float(lower), float(upper))
    return Interval(lower, upper)


def _paired_rates(only_candidate, only_baseline, totals):
    """Per class the adjusted rates of the two discordant cells, and the adjusted totals."""
    only_candidate = np.asarray(only_candidate, float)
    only_baseline = np.asarray(only_baseline, float)
    totals = np.asarray(totals, float)
    pseudo = 2 / totals.shape[-1]  # Bonett-Price's one per cell, shared over the K classes
    adjusted_totals = totals + 2 * pseudo
    return (
        (only_candidate + pseudo) / adjusted_totals,
        (only_baseline + pseudo) / adjusted_totals,
        adjusted_totals,
    )


def _paired_variances(gain, loss) -> np.ndarray:
    """Variance of one example's paired difference (candidate right - baseline right)."""
    return gain + loss - (gain - loss) ** 2


def paired_improvement_interval(
    only_candidate: Sequence[float],
    only_baseline: Sequence[float],
    totals: Sequence[float],
    confidence: float,
) -> Interval:
    """Interval of macro recall(candidate) - macro recall(baseline) on the same examples.

    ``only_candidate[c]``: examples of class c the candidate gets right and the baseline wrong;
    ``only_baseline[c]`` the reverse; ``totals[c]`` the examples of class c (the last axis; leading
    axes are independent evaluations). Each discordant cell of each class gets ``2 / K``
    pseudo-examples.
    """
    gain, loss, adjusted_totals = _paired_rates(only_candidate, only_baseline, totals)
    classes = adjusted_totals.shape[-1]
    centre = (gain - loss).mean(axis=-1)
    variance = (_paired_variances(gain, loss) / adjusted_totals).sum(axis=-1) / classes**2
    return _clipped(centre, z_value(confidence) * np.sqrt(variance), -1.0, 1.0)


def examples_needed(
    only_candidate: Sequence[float],
    only_baseline: Sequence[float],
    totals: Sequence[float],
    confidence: float,
    resolution: float,
) -> int:
    """Examples per class for the improvement's interval to be at most ``resolution`` wide on each
    side, at the disagreement rates seen (a class that saw none counts as 10% each way).

    At that size a true improvement of ``min_improvement + resolution`` is blessed about half the
    time and one of ``min_improvement + 2 * resolution`` about 98% of the time.
    """
    gain, loss, _ = _paired_rates(only_candidate, only_baseline, totals)
    unseen = (np.asarray(only_candidate) + np.asarray(only_baseline)) == 0
    gain, loss = np.where(unseen, 0.1, gain), np.where(unseen, 0.1, loss)
    classes = len(gain)
    per_example = _paired_variances(gain, loss).sum() / classes**2
    return int(math.ceil(z_value(confidence) ** 2 * per_example / resolution**2))


def min_recall_interval(
    hits: Sequence[float], totals: Sequence[float], confidence: float
) -> Interval:
    """Interval of the lowest class recall: the lowest per-class lower bound (the class with the
    lowest true recall is below its own bound at most (1 - confidence) / 2 of the time), and the
    lowest upper bound at confidence 1 - (1 - confidence) / K (Bonferroni over K classes).
    """
    classes = np.shape(totals)[-1]
    lower = recall_interval(hits, totals, confidence).lower
    upper = recall_interval(hits, totals, 1 - (1 - confidence) / classes).upper
    return Interval(float(np.min(lower)), float(np.min(upper)))


def mean_difference_interval(
    weight: float, total: float, total_of_squares: float, confidence: float
) -> Interval:
    """Student-t interval of the mean of per-example paired differences (e.g. of log loss),
    from their count ``weight``, sum and sum of squares.

    >>> [round(b, 3) for b in mean_difference_interval(4, 0.4, 0.1, 0.95)]
    [-0.125, 0.325]
    """
    if weight < 2:
        return Interval(-math.inf, math.inf)
    mean = total / weight
    variance = max(0.0, (total_of_squares - weight * mean**2) / (weight - 1))
    half = stats.t.ppf(0.5 + confidence / 2, weight - 1) * math.sqrt(variance / weight)
    return Interval(mean - half, mean + half)
