"""The counts every ``tfx_balance.metrics`` metric is derived from, by one of two strategies:
``ClassIndex`` into ``ConfusionCounts`` (single-label) or ``LabelIndex`` into ``LabelCounts``
(multi-label). A NaN or infinite label or weight is a ``DataError``. Rules:
docs/balanced_model_gate.md.

Example::

    counts = LabelCounts()
    index = LabelIndex(['cat', 'dog'], None, threshold=0.5)
    index.add(counts, np.array([1, 0]), np.array([0.7, 0.6]), 1.0)
    counts.hits.tolist()  # [1.0, 0.0]; counts.predicted.tolist() == [1.0, 1.0]
"""

from __future__ import annotations

import math
from typing import Dict, Sequence, Tuple

import numpy as np

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import float_name
from tfx_balance.metrics.names import (
    CLASSES,
    DEFAULT_THRESHOLD,
    LABELS,
    NameIndex,
)

_STRING_KINDS = ('O', 'S', 'U')


def _check_weight(weight: float, example: str, whose: str) -> None:
    if not math.isfinite(weight):
        raise DataError(
            f'example weight {weight!r} of an example {example} is not a finite number; it would '
            f'make the recall of {whose} NaN. Filter or fix the examples with a NaN/inf weight '
            'upstream, or drop example_weights from the EvalConfig (ModelSpec example_weight_key, '
            'MetricsSpec example_weights).'
        )


class ConfusionCounts:
    """Weight per (actual class id, predicted class id); ``num_scores``: score vector length."""

    def __init__(self):
        self.cells: Dict[Tuple[int, int], float] = {}
        self.num_scores = 0

    def add(self, actual: int, predicted: int, weight: float) -> None:
        cell = (actual, predicted)
        self.cells[cell] = self.cells.get(cell, 0.0) + weight

    def merge(self, other: ConfusionCounts) -> None:
        for cell, weight in other.cells.items():
            self.cells[cell] = self.cells.get(cell, 0.0) + weight
        self.num_scores = self.num_scores or other.num_scores

    def totals(self) -> Dict[int, float]:
        """Weight of the examples of each actual class."""
        out: Dict[int, float] = {}
        for (actual, _), weight in self.cells.items():
            out[actual] = out.get(actual, 0.0) + weight
        return out

    def hits(self) -> Dict[int, float]:
        """Weight of the correctly predicted examples of each actual class."""
        out: Dict[int, float] = {}
        for (actual, predicted), weight in self.cells.items():
            if actual == predicted:
                out[actual] = out.get(actual, 0.0) + weight
        return out


class ClassIndex(NameIndex):
    """Single-label: class ids (argmax; one score is class 1's) into ``ConfusionCounts``."""

    KIND, PRIVATE_NAME, SQUEEZE = CLASSES, '_class_confusion_counts', None

    def __init__(self, classes: Sequence[str] | None, num_classes: int | None):
        super().__init__(classes, num_classes)
        self.classes = self.given
        self._ids = {name: i for i, name in enumerate(self.classes or [])}

    def new_counts(self) -> ConfusionCounts:
        return ConfusionCounts()

    def _seen(self, counts: ConfusionCounts) -> int:
        return max([counts.num_scores, *(i + 1 for cell in counts.cells for i in cell)])

    def add(self, counts: ConfusionCounts, label, prediction, weight: float) -> None:
        """Counts one example (a class label, scores or a predicted class) with ``weight``."""
        actual = self.label_id(label)
        predicted = self.predicted_id(prediction, counts)
        _check_weight(weight, f'of class {self.name(actual)!r}', 'the class')
        counts.add(actual, predicted, weight)

    def name(self, class_id: int) -> str:
        """Name of ``class_id``: its entry in ``classes``, else the id as a string."""
        if self.classes is not None and 0 <= class_id < len(self.classes):
            return self.classes[class_id]
        return str(class_id)

    def _id_of(self, value, what: str) -> int:
        if isinstance(value, (bytes, np.bytes_, str, np.str_)):
            name = value.decode('utf-8', 'backslashreplace') if isinstance(value, bytes) else value
            if self.classes is None:
                raise DataError(
                    f'{what} {name!r} is a class name but no classes were given; pass '
                    "classes=[...] (the class names in the order of the model's scores) to the "
                    'metric or balanced_eval_config.'
                )
            if name not in self._ids:
                raise DataError(
                    f'{what} {name!r} is not one of {self._known()}; add it to classes or fix '
                    'the evaluation data.'
                )
            return self._ids[name]
        number = float(value)
        if not math.isfinite(number):
            raise DataError(
                f'{what} {number!r} is not a finite number; class ids are 0 .. number of classes '
                f'- 1 ({self._known()}). Filter or fix the examples with a NaN/inf {what} upstream.'
            )
        if number != int(number) or number < 0 or (self.size and number >= self.size):
            raise DataError(
                f'{what} {float_name(number)} is not a class id of {self._known()}; class ids are '
                '0 .. number of classes - 1. Fix classes/num_classes or the evaluation data.'
            )
        return int(number)

    def label_id(self, label: np.ndarray) -> int:
        """Class id of a label (a class id, a class name, or a one-hot vector)."""
        flat = np.asarray(label).reshape(-1)
        if flat.size == 0:
            raise DataError(
                'an example has no label; check the ModelSpec label_key and the evaluation data.'
            )
        if flat.size > 1:
            if flat.dtype.kind not in _STRING_KINDS and not np.isfinite(flat.astype(float)).all():
                raise DataError(
                    f'an example label {flat.tolist()} is not a finite number; a one-hot label '
                    'holds one 1 and 0s. Filter or fix the examples with a NaN/inf label upstream.'
                )
            if flat.dtype.kind in _STRING_KINDS or not flat.astype(float).any():
                raise DataError(
                    f'an example label {flat.tolist()} is neither one class nor a one-hot '
                    f'vector of {self._known()} (TFMA gives an all-zero vector for a class name '
                    'not in the label vocabulary); fix the label or classes.'
                )
            return int(np.argmax(flat))
        return self._id_of(flat[0], 'label')

    def predicted_id(self, prediction: np.ndarray, counts: ConfusionCounts) -> int:
        """Class id of a prediction; records the score vector length in ``counts``."""
        flat = np.asarray(prediction).reshape(-1)
        if flat.size == 0:
            raise DataError(
                'an example has no prediction; check the ModelSpec prediction_key (for '
                'predictions stored in the examples) or the model signature.'
            )
        if flat.dtype.kind in _STRING_KINDS or flat.dtype.kind in ('i', 'u'):
            if flat.size != 1:
                raise DataError(
                    f'prediction {flat.tolist()} holds {flat.size} class ids or names; expected '
                    'one predicted class, or one float score per class.'
                )
            return self._id_of(flat[0], 'predicted class')
        num_scores = 2 if flat.size == 1 else flat.size
        if (self.size and num_scores != self.size) or (
            counts.num_scores and num_scores != counts.num_scores
        ):
            expected = self.size or counts.num_scores
            raise DataError(
                f'a prediction has {num_scores} class scores but {expected} were expected '
                f'({self._known()}); the scores must follow the class order.'
            )
        if np.isnan(flat.astype(float)).any():
            raise DataError(
                f'prediction {flat.tolist()} has a NaN score; the predicted class (argmax) would '
                'be arbitrary. Fix the model (or the prediction feature named by prediction_key).'
            )
        counts.num_scores = num_scores
        return int(flat[0] > 0.5) if flat.size == 1 else int(np.argmax(flat))


def class_recalls(counts: ConfusionCounts, names: Sequence[str]) -> Tuple[Dict[str, float], list]:
    """``({class name: recall}, [absent class names])``; a class without examples is absent."""
    totals, hits = counts.totals(), counts.hits()
    recall = {
        name: hits.get(i, 0.0) / totals[i] for i, name in enumerate(names) if totals.get(i, 0.0)
    }
    return recall, [name for name in names if name not in recall]


class LabelCounts:
    """Weight per label of ``positives``, ``predicted`` and ``hits``; ``size``: vector length."""

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


class LabelIndex(NameIndex):
    """The multi-label strategy: checks multi-hot labels and scores into ``LabelCounts``."""

    KIND, PRIVATE_NAME, SQUEEZE = LABELS, '_multi_label_counts', False

    def __init__(self, labels: Sequence[str] | None, num_labels: int | None, threshold: float):
        super().__init__(labels, num_labels)
        self.labels = self.given
        self.threshold = threshold

    def new_counts(self) -> LabelCounts:
        return LabelCounts()

    def _seen(self, counts: LabelCounts) -> int:
        return counts.size

    def arguments(self) -> dict:
        return {**super().arguments(), 'threshold': self.threshold}

    @classmethod
    def from_arguments(cls, arguments: dict) -> LabelIndex:
        threshold = arguments.pop('threshold', DEFAULT_THRESHOLD)
        return cls(arguments.pop('labels', None), arguments.pop('num_labels', None), threshold)

    def _check_size(self, what: str, values: np.ndarray, counts: LabelCounts) -> None:
        expected = self.size or counts.size
        if values.size == 0:
            raise DataError(
                f'an example has no {what}; check the ModelSpec '
                f'{"label_key" if what == "label" else "prediction_key"} and the evaluation data.'
            )
        if expected and values.size != expected:
            want = (
                f'{self.size} ({self._known()})'
                if self.size
                else f'{expected} (the first vectors counted)'
            )
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
                f'multi-hot label {label.tolist()[:10]} has the entry {float_name(bad[0])}, not 0 '
                'or 1; a multi-hot label holds 1 for each label the example has and 0 elsewhere. '
                'Fix the label feature upstream (label ids need converting to a multi-hot vector).'
            )
        self._check_size('prediction', prediction, counts)
        if prediction.dtype.kind not in ('i', 'u', 'f') or np.isnan(prediction).any():
            raise DataError(
                f'prediction {prediction.tolist()[:10]} has a NaN or non-numeric score; whether '
                'a label is predicted (score >= threshold) would be arbitrary. Fix the model (or '
                'the prediction feature named by prediction_key).'
            )
        _check_weight(weight, f'with multi-hot label {label.tolist()[:10]}', 'its labels')
        if not counts.size:
            counts.resize(label.size)
        positive, predicted = label == 1, prediction >= self.threshold
        counts.positives += weight * positive
        counts.predicted += weight * predicted
        counts.hits += weight * (positive & predicted)


def label_scores(counts: LabelCounts, names: Sequence[str]) -> Dict[str, object]:
    """Per-label ``recall``, ``precision`` (0 if never predicted), ``f1``; absent labels."""
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
