"""Weighted per-label counts of a multi-label model's thresholded sigmoid outputs, from TFMA's
standard inputs: the one TFMA combiner every multi-label ``tfx_balance.metrics`` metric is derived
from.

An example's label is a multi-hot vector ``[L]`` (1 for each label the example has, 0 elsewhere;
int or float); its prediction is ``[L]`` sigmoid scores, and label i is predicted where score i >=
``threshold`` (default 0.5). Per label the combiner sums the weight of the examples that have it
(positives), that are predicted with it (predicted) and both (hits). A label vector or score vector
of another length, a label entry other than 0/1, a NaN score or a non-finite example weight is a
``DataError``. Rules: docs/balanced_model_gate.md#multi-label-models.

Example::

    counts = LabelCounts()
    index = LabelIndex(['cat', 'dog'], None, threshold=0.5)
    index.add(counts, np.array([1, 0]), np.array([0.7, 0.6]), 1.0)
    counts.hits.tolist()  # [1.0, 0.0]; counts.predicted.tolist() == [1.0, 1.0]
"""

from __future__ import annotations

import math
import numbers
from typing import Dict, List, Sequence, Tuple

import numpy as np
from tensorflow_model_analysis.metrics import metric_types

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.metrics.computations import CountsCombiner, counts_computation

DEFAULT_THRESHOLD = 0.5


def validate_labels(labels, num_labels) -> Tuple[List[str] | None, int | None]:
    """Checks the ``labels`` / ``num_labels`` arguments; returns them as (list or None, int or
    None). Raises ``ConfigError`` naming the argument."""
    if labels is not None and num_labels is not None:
        raise ConfigError(
            f'labels ({labels!r}) and num_labels ({num_labels!r}) are both set; give one: '
            'labels for the label names in the order of the multi-hot vector, num_labels for '
            'names 0 .. n-1.'
        )
    if labels is not None:
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
            raise ConfigError(
                f'labels must be a list of label names, got {labels!r}; e.g. '
                "labels=['cat', 'dog', 'owl'] in the order of the multi-hot vector."
            )
        bad = [name for name in labels if not isinstance(name, str) or not name]
        if bad or not labels or len(set(labels)) != len(labels):
            raise ConfigError(
                'labels must be 1 or more distinct non-empty strings (the label names in the '
                f'order of the multi-hot vector and of the scores), got {list(labels)!r}.'
            )
        return list(labels), None
    if num_labels is not None:
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 1:
            raise ConfigError(
                f'num_labels must be an int >= 1 (the length of the multi-hot label vector), '
                f'got {num_labels!r}.'
            )
    return None, num_labels


def validate_threshold(threshold) -> float:
    """``threshold`` as a float in (0, 1) (None: 0.5); else ``ConfigError`` naming it."""
    if threshold is None:
        return DEFAULT_THRESHOLD
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not 0 < threshold < 1
    ):
        raise ConfigError(
            f'threshold must be a number in (0, 1), got {threshold!r}; label i is predicted where '
            'its sigmoid score >= threshold (default 0.5).'
        )
    return float(threshold)


class LabelCounts:
    """Weight per label of the examples that have it (``positives``), that are predicted with it
    (``predicted``) and both (``hits``); ``size`` is the label vector length seen (0: none)."""

    def __init__(self):
        self.size = 0
        self.positives = np.zeros(0)
        self.predicted = np.zeros(0)
        self.hits = np.zeros(0)

    def resize(self, size: int) -> None:
        self.size = size
        self.positives, self.predicted, self.hits = np.zeros(size), np.zeros(size), np.zeros(size)

    def merge(self, other: LabelCounts) -> None:
        if not other.size:
            return
        if not self.size:
            self.resize(other.size)
        if other.size != self.size:
            raise DataError(
                f'label vectors of {self.size} and of {other.size} entries in the same evaluation; '
                'every multi-hot label (and score vector) must have one entry per label. Set '
                'labels=[...] or num_labels= to say which length is right, and fix the data.'
            )
        self.positives += other.positives
        self.predicted += other.predicted
        self.hits += other.hits


class LabelIndex:
    """Checks an example's multi-hot label and scores, and counts them into :class:`LabelCounts`.

    Args:
      labels: label names in the order of the multi-hot vector, or None.
      num_labels: number of labels (names '0', '1', ...) when ``labels`` is None; with neither,
        the length of the first label vector counted.
      threshold: label i is predicted where score i >= threshold.
    """

    def __init__(self, labels: Sequence[str] | None, num_labels: int | None, threshold: float):
        self.labels = list(labels) if labels is not None else None
        self.size = len(self.labels) if self.labels is not None else num_labels
        self.threshold = threshold

    def names(self, counts: LabelCounts) -> List[str]:
        """Names of all labels, in vector order: ``labels``, or '0' .. 'n-1'."""
        if self.labels is not None:
            return list(self.labels)
        return [str(i) for i in range(self.size or counts.size)]

    def _expected(self) -> str:
        if self.labels is not None:
            return f'{len(self.labels)} (labels {self.labels})'
        return f'{self.size} (num_labels={self.size})'

    def _check_size(self, what: str, values: np.ndarray, counts: LabelCounts) -> None:
        expected = self.size or counts.size
        if values.size == 0:
            raise DataError(
                f'an example has no {what}; check the ModelSpec '
                f'{"label_key" if what == "label" else "prediction_key"} and the evaluation data.'
            )
        if expected and values.size != expected:
            want = self._expected() if self.size else f'{expected} (the first vectors counted)'
            raise DataError(
                f'a multi-hot {what} vector has {values.size} entries ({values.tolist()[:10]}) but '
                f'{want} were expected; the {what}s must hold one entry per label, in the order of '
                'labels. Fix labels/num_labels or the evaluation data (or the model output).'
            )

    def add(self, counts: LabelCounts, label, prediction, weight: float) -> None:
        """Counts one example (label ``[L]`` 0/1, prediction ``[L]`` scores) with ``weight``."""
        label, prediction = np.asarray(label).reshape(-1), np.asarray(prediction).reshape(-1)
        self._check_size('label', label, counts)
        if label.dtype.kind not in ('b', 'i', 'u', 'f'):
            raise DataError(
                f'multi-hot label {label.tolist()[:10]} is not numeric; a multi-hot label holds 1 '
                'for each label the example has and 0 elsewhere (label names go in labels=[...]). '
                'Fix the label feature upstream.'
            )
        bad = label[(label != 0) & (label != 1)]
        if bad.size:
            raise DataError(
                f'multi-hot label {label.tolist()[:10]} has the entry {bad[0].item()!r}, not 0 or 1; '
                'a multi-hot label holds 1 for each label the example has and 0 elsewhere. Fix '
                'the label feature upstream (label ids need converting to a multi-hot vector).'
            )
        self._check_size('prediction', prediction, counts)
        if prediction.dtype.kind not in ('i', 'u', 'f') or np.isnan(prediction).any():
            raise DataError(
                f'prediction {prediction.tolist()[:10]} has a NaN or non-numeric score; whether '
                'a label is predicted (score >= threshold) would be arbitrary. Fix the model (or '
                'the prediction feature named by prediction_key).'
            )
        if not math.isfinite(weight):
            raise DataError(
                f'example weight {weight!r} of an example with multi-hot label '
                f'{label.tolist()[:10]} is not a finite number; it would make the recall of its '
                'labels NaN. Filter or fix the examples with a NaN/inf weight upstream, or drop '
                'example_weights from the EvalConfig (ModelSpec example_weight_key, MetricsSpec '
                'example_weights).'
            )
        if not counts.size:
            counts.resize(label.size)
        positive, predicted = label == 1, prediction >= self.threshold
        counts.positives += weight * positive
        counts.predicted += weight * predicted
        counts.hits += weight * (positive & predicted)


def label_scores(counts: LabelCounts, names: Sequence[str]) -> Dict[str, object]:
    """``{'recall': {label: value}, 'precision': ..., 'f1': ..., 'labels_absent': [labels],
    'labels_never_predicted': [labels]}``.

    recall and f1 cover the labels with positive examples (weight > 0); the others are
    ``labels_absent``. precision covers every label: hits / predicted, 0 for a label never
    predicted (scikit-learn's ``zero_division=0``), listed in ``labels_never_predicted``.
    f1 = 2 hits / (2 hits + false positives + false negatives)."""
    recall, precision, f1 = {}, {}, {}
    for i, name in enumerate(names):
        if i >= counts.size:
            precision[name] = 0.0
            continue
        hits, positives, predicted = counts.hits[i], counts.positives[i], counts.predicted[i]
        precision[name] = float(hits / predicted) if predicted else 0.0
        if positives:
            recall[name] = float(hits / positives)
            f1[name] = float(2 * hits / (positives + predicted))
    never = [n for i, n in enumerate(names) if i >= counts.size or not counts.predicted[i]]
    return {
        'recall': recall,
        'precision': precision,
        'f1': f1,
        keys.LABELS_ABSENT: [name for name in names if name not in recall],
        keys.LABELS_NEVER_PREDICTED: never,
    }


class _LabelCountsCombiner(CountsCombiner):
    """Counts one model's (and output's) examples into a :class:`LabelCounts`."""

    SQUEEZE = False

    def create_accumulator(self) -> LabelCounts:
        return LabelCounts()

    def count(self, accumulator: LabelCounts, label, prediction, weight: float) -> None:
        self._index.add(accumulator, label, prediction, weight)


def label_counts_computation(
    index: LabelIndex,
    eval_config,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputation:
    """The (private, shared) computation of one model's and output's label counts; metrics with
    the same labels and threshold reuse it, as TFMA de-duplicates computations by key."""
    arguments = {
        'labels': index.labels,
        'num_labels': None if index.labels is not None else index.size,
        'threshold': index.threshold,
    }
    return counts_computation(
        '_multi_label_counts',
        arguments,
        _LabelCountsCombiner,
        index,
        eval_config,
        model_name,
        output_name,
        example_weighted,
    )
