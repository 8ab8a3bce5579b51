"""Calibration of predicted probabilities: log loss, expected calibration error, reliability bins.

One accumulator (``CalibrationCounts``) serves the TFMA metrics and the benchmarks: top-label ECE of
softmax scores, or every (example, label) pair of sigmoid scores as one binary prediction.

Example:
    >>> counts = CalibrationCounts(bins=2)
    >>> counts.add_softmax([0.9, 0.1], 0)
    >>> counts.add_softmax([0.6, 0.4], 1)
    >>> round(counts.log_loss(), 4), round(counts.ece(), 4)
    (0.5108, 0.25)
"""

from __future__ import annotations

import math
import numbers
from typing import List, Tuple

import numpy as np

from tfx_balance.core.common.errors import ConfigError

DEFAULT_BINS = 15
_EPSILON = 1e-7  # scores are clipped to [eps, 1 - eps] before the log
# The two forms of scores and labels: one class per example ([n, k] scores, [n] int class ids)
# or one probability per label ([n, L] scores, [n, L] 0/1 labels).
SOFTMAX = 'softmax'
SIGMOID = 'sigmoid'


def checked_labels(scores, labels, kind: str, what: str = 'labels') -> np.ndarray:
    """``labels`` checked against the ``[n, k]`` ``scores``: softmax ``[n]`` class ids, sigmoid
    ``[n, k]`` 0/1; else a ``ConfigError``.

    >>> checked_labels([[0.9, 0.1], [0.2, 0.8]], [0, 1], SOFTMAX).tolist()
    [0, 1]
    """
    s, y = np.asarray(scores), np.asarray(labels)
    if s.ndim != 2:
        raise ConfigError(f'the scores of {what} must be [n, k], got shape {s.shape}.')
    n, k = s.shape
    if kind == SOFTMAX:
        form = f'[n] int class ids in 0 .. {k - 1} (one per row of the [{n}, {k}] scores)'
        ok = y.shape == (n,) and (n == 0 or (np.all(y == np.round(y)) and y.min() >= 0))
        ok = ok and (n == 0 or y.max() < k)
        hint = ' (one-hot rows? pass labels.argmax(axis=1))' if y.shape == s.shape else ''
    else:
        form = f'[n, {k}] 0/1 labels (one row per row of the [{n}, {k}] scores)'
        ok = y.shape == s.shape and bool(np.all((y == 0) | (y == 1)))
        hint = ' (class ids? pass a 0/1 matrix, e.g. np.eye(k)[ids])' if y.ndim == 1 else ''
    if not ok:
        shown = np.unique(y)[:5].tolist() if y.size else []
        raise ConfigError(
            f'{what} of {kind} scores must be {form}; got shape {y.shape} with values like '
            f'{shown}{hint}.'
        )
    return y.astype(int) if kind == SOFTMAX else y.astype(np.float64)


def validate_bins(bins, owner: str) -> int:
    """``bins`` as an int >= 1, else a ``ConfigError`` naming ``owner``'s argument.

    >>> validate_bins(np.int64(10), 'CalibrationGate')
    10
    """
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ConfigError(
            f'{owner} bins must be an int >= 1 (the equal-width confidence bins of the ECE), got '
            f'{bins!r}; e.g. bins={DEFAULT_BINS} (the default).'
        )
    return int(bins)


class CalibrationCounts:
    """Weighted sums per confidence bin, and of the log loss (mergeable: a Beam accumulator)."""

    def __init__(self, bins: int = DEFAULT_BINS):
        self.bins = int(bins)
        self.weight = np.zeros(self.bins)
        self.confidence = np.zeros(self.bins)
        self.correct = np.zeros(self.bins)
        self.loss = 0.0
        self.loss_weight = 0.0

    def _add_binned(self, confidence: np.ndarray, correct: np.ndarray, weight: float) -> None:
        which = np.minimum((confidence * self.bins).astype(int), self.bins - 1)
        np.add.at(self.weight, which, weight)
        np.add.at(self.confidence, which, weight * confidence)
        np.add.at(self.correct, which, weight * correct)

    def add_softmax(self, scores, label: int, weight: float = 1.0) -> None:
        p = np.clip(np.asarray(scores, dtype=np.float64).reshape(-1), _EPSILON, 1 - _EPSILON)
        top = int(np.argmax(p))
        self.loss += -weight * math.log(p[label])
        self.loss_weight += weight
        self._add_binned(p[top : top + 1], np.array([float(top == label)]), weight)

    def add_sigmoid(self, scores, labels, weight: float = 1.0) -> None:
        p = np.clip(np.asarray(scores, dtype=np.float64).reshape(-1), _EPSILON, 1 - _EPSILON)
        y = np.asarray(labels, dtype=np.float64).reshape(-1)
        self.loss += -weight * float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
        self.loss_weight += weight * len(p)
        self._add_binned(p, y, weight)

    def merge(self, other: CalibrationCounts) -> None:
        self.weight += other.weight
        self.confidence += other.confidence
        self.correct += other.correct
        self.loss += other.loss
        self.loss_weight += other.loss_weight

    def log_loss(self) -> float:
        return self.loss / self.loss_weight if self.loss_weight else float('nan')

    def ece(self) -> float:
        total = self.weight.sum()
        if not total:
            return float('nan')
        used = self.weight > 0
        gaps = np.abs(self.confidence[used] - self.correct[used])  # weighted sums: w * |c - a|
        return float(gaps.sum() / total)

    def reliability(self) -> List[Tuple[float, float, float]]:
        """Per bin ``(weight share, mean confidence, accuracy)`` (NaN means for an empty bin)."""
        total = self.weight.sum() or 1.0
        return [
            (float(w / total), float(c / w) if w else math.nan, float(a / w) if w else math.nan)
            for w, c, a in zip(self.weight, self.confidence, self.correct)
        ]


def log_loss_and_ece(probabilities, labels, bins: int = DEFAULT_BINS) -> Tuple[float, float]:
    """``(log loss, ECE)`` of softmax scores and ``[n]`` labels, or sigmoid scores and 0/1 labels."""
    counts = CalibrationCounts(bins)
    kind = SOFTMAX if np.ndim(labels) == 1 else SIGMOID
    labels = checked_labels(probabilities, labels, kind)
    for scores, label in zip(np.asarray(probabilities), labels):
        if kind == SOFTMAX:
            counts.add_softmax(scores, int(label))
        else:
            counts.add_sigmoid(scores, label)
    return counts.log_loss(), counts.ece()


def fit_temperature(log_scores, labels, iterations: int = 50) -> float:
    """The temperature ``T`` minimising the log loss of ``softmax(log_scores / T)``.

    Newton's method on ``1 / T`` (clipped to ``[0.25, 4]``); 1 when every label is the same.

    >>> import numpy as np
    >>> t = fit_temperature(np.log([[0.2, 0.8]] * 10), [1] * 7 + [0] * 3)
    >>> round(t, 4), round(1 / (1 + 4 ** (-1 / t)), 4)  # 0.8 becomes 0.7, the share of class 1
    (1.6361, 0.7)
    """
    z = np.asarray(log_scores, dtype=np.float64)
    y = checked_labels(z, labels, SOFTMAX)
    if len(np.unique(y)) < 2:
        return 1.0
    z = z - z.max(axis=1, keepdims=True)
    z_label = z[np.arange(len(y)), y]
    s = 1.0
    for _ in range(iterations):
        e = np.exp(s * z - (s * z).max(axis=1, keepdims=True))
        q = e / e.sum(axis=1, keepdims=True)
        mean_z = (q * z).sum(axis=1)
        grad = float((mean_z - z_label).mean())
        hess = float(((q * z**2).sum(axis=1) - mean_z**2).mean())
        if hess <= 1e-12:
            break
        step = grad / hess
        s = float(np.clip(s - step, 0.25, 4.0))
        if abs(step) < 1e-10:
            break
    return 1.0 / s
