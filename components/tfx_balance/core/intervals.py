"""Confidence intervals of the balanced metrics, from per-class counts (pure numpy, no TFMA).

Per class recall: Clopper-Pearson's exact interval. Macro recall (and balanced accuracy): the adjusted Wald
interval of a mean of independent proportions (Price and Bonett 2004). The improvement of a
candidate over a baseline on the same examples: per class, the paired counts "only the candidate
right" and "only the baseline right", combined the same way (Bonett and Price 2012). Macro F1
of multi-label models and its paired improvement: the delta method on each example's influence
on its labels' F1. Method, assumptions and coverage: docs/balanced_model_gate.md#intervals.

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

from tfx_balance.core.common.errors import ConfigError


class Interval(NamedTuple):
    """A two-sided confidence interval ``[lower, upper]``."""

    lower: float
    upper: float


def validate_confidence(confidence) -> float:
    """``confidence`` as a float in (0.5, 1); else ``ConfigError``.

    >>> validate_confidence(0.95)
    0.95
    """
    number = not isinstance(confidence, bool) and isinstance(confidence, (int, float))
    if not number or not 0.5 < confidence < 1:
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

    >>> [round(float(b), 3) for b in mean_difference_interval(4, 0.4, 0.1, 0.95)]
    [-0.125, 0.325]
    """
    if weight < 2:
        return Interval(-math.inf, math.inf)
    mean = total / weight
    variance = max(0.0, (total_of_squares - weight * mean**2) / (weight - 1))
    half = stats.t.ppf(0.5 + confidence / 2, weight - 1) * math.sqrt(variance / weight)
    return Interval(mean - half, mean + half)


# -- F1 of a label, and its paired difference: the delta method on per-example influences ---------
#
# F1 = 2 TP / S with S = 2 TP + FP + FN = positives + predicted. Linearised, one example more
# moves F1 by its influence (2 hit - F1 (positive + predicted)) / S: (2 - F1) / S for a true
# positive, -F1 / S for a false positive or negative, 0 for a true negative. The variance of F1
# is that of the sum of the influences; of a paired difference, that of the sum of the
# differences of the two models' influences on the same examples. A label's positives are fixed
# in number (a stratified split), so their influences vary about their mean; its negatives are
# taken as many (their mean term, of order FP / negatives, is left out: slightly conservative).


def _f1_and_influences(cells: np.ndarray, positive, predicted):
    """Per label the F1 of a model predicting ``predicted`` in each cell of ``cells`` (trailing
    axes: positive, then the models' predictions), and each cell's influence on it."""
    axes = tuple(range(-np.ndim(positive), 0))
    size = (cells * (positive + predicted)).sum(axis=axes)
    f1 = 2 * (cells * positive * predicted).sum(axis=axes) / size
    expand = (...,) + (None,) * len(axes)
    return f1, (2 * positive * predicted - f1[expand] * (positive + predicted)) / size[expand]


def _sum_variance(cells: np.ndarray, influence: np.ndarray, cell_axes: int) -> np.ndarray:
    """Per label the variance of the sum of ``influence`` over its examples (see above); the last
    ``cell_axes`` axes are the cells', the first of them positive."""
    axes = tuple(range(-cell_axes, 0))
    positives = np.take(cells, 1, axis=axes[0])
    of_positives = (positives * np.take(influence, 1, axis=axes[0])).sum(axis=axes[1:])
    squares = (cells * influence**2).sum(axis=axes)
    return squares - of_positives**2 / np.maximum(positives.sum(axis=axes[1:]), 1e-12)


def f1_interval(
    hits: Sequence[float],
    positives: Sequence[float],
    predicted: Sequence[float],
    confidence: float,
) -> Interval:
    """Delta-method interval of the mean F1 over the labels given (the last axis; leading axes are
    independent evaluations), each label's F1 ``2 hits / (positives + predicted)``.

    Each label's true positives, false positives and false negatives get ``1 / K``
    pseudo-examples each (K labels), which keeps the interval honest when a rare label is all
    right or all wrong. The labels' errors are taken as independent.

    >>> [round(float(b), 3) for b in f1_interval([8, 2], [10, 4], [9, 2], 0.95)]
    [0.502, 0.933]
    """
    hits, positives, predicted = (np.asarray(a, float) for a in (hits, positives, predicted))
    labels = positives.shape[-1]
    # cells[..., label, positive, predicted]; the true negatives do not move F1.
    cells = (
        np.stack(
            [
                np.stack([np.zeros_like(hits), predicted - hits], axis=-1),
                np.stack([positives - hits, hits], axis=-1),
            ],
            axis=-2,
        )
        + np.array([[0, 1], [1, 1]]) / labels
    )
    positive, model = np.arange(2).reshape(2, 1), np.arange(2).reshape(1, 2)
    f1, influence = _f1_and_influences(cells, positive, model)
    half = z_value(confidence) * np.sqrt(_sum_variance(cells, influence, 2).sum(axis=-1)) / labels
    return _clipped(f1.mean(axis=-1), half, 0.0, 1.0)


def _paired_f1(cells: Sequence[float]):
    """Per label the F1 difference (candidate - baseline) and its variance, from the cells with
    ``1 / K`` pseudo-examples in each cell where the models disagree."""
    cells = np.asarray(cells, float)
    disagree = np.zeros((2, 2, 2))
    disagree[:, 1, 0] = disagree[:, 0, 1] = 1 / cells.shape[-4]
    cells = cells + disagree
    positive = np.arange(2).reshape(2, 1, 1)
    f1_candidate, candidate = _f1_and_influences(cells, positive, np.arange(2).reshape(1, 2, 1))
    f1_baseline, baseline = _f1_and_influences(cells, positive, np.arange(2).reshape(1, 1, 2))
    return f1_candidate - f1_baseline, _sum_variance(cells, candidate - baseline, 3)


def paired_f1_improvement_interval(cells: Sequence[float], confidence: float) -> Interval:
    """Interval of macro F1(candidate) - macro F1(baseline) on the same examples.

    ``cells[..., label, positive, candidate, baseline]``: per label the weight of the examples
    with (1) or without (0) the label that the candidate and the baseline predict with it (1) or
    not (0); the cell of the negatives neither predicts is not read. Leading axes are independent
    evaluations. Each cell where the models disagree gets ``1 / K`` pseudo-examples (K labels).
    The labels' errors are taken as independent.
    """
    difference, variance = _paired_f1(cells)
    labels = difference.shape[-1]
    half = z_value(confidence) * np.sqrt(variance.sum(axis=-1)) / labels
    return _clipped(difference.mean(axis=-1), half, -1.0, 1.0)


def f1_examples_needed(cells: Sequence[float], confidence: float, resolution: float) -> int:
    """Positive examples per label for the F1 improvement's interval to be at most ``resolution``
    wide on each side, every label's negatives and the models' error rates as seen (a label's
    variance shrinks as 1 / its positives).
    """
    cells = np.asarray(cells, float)
    _, variance = _paired_f1(cells)
    positives = cells[..., 1, :, :].sum(axis=(-2, -1))
    labels = positives.shape[-1]
    per_example = (variance * positives).sum() / labels**2
    return int(math.ceil(z_value(confidence) ** 2 * per_example / resolution**2))
