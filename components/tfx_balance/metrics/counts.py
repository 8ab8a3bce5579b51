"""Weighted counts of (actual class, predicted class) from TFMA's standard inputs: the one TFMA
combiner every ``tfx_balance.metrics`` metric is derived from.

The predicted class of an example is the class with the highest score (argmax of the model's
multi-class score output, or of the scores under the ModelSpec's ``prediction_key``); a prediction
that is itself a class (an int id or a class name) is taken as is, and a single float score is a
binary classifier's score of class 1 (class 1 when above 0.5). Labels are class ids, or class names
looked up in ``classes``. A NaN or infinite label or example weight is a ``DataError`` (it would make
its class's recall, and every average over classes, NaN). Rules: docs/balanced_model_gate.md.
"""

from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple

import numpy as np
from tensorflow_model_analysis.metrics import metric_types

from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.metrics.computations import CountsCombiner, counts_computation

_STRING_KINDS = ('O', 'S', 'U')


class ConfusionCounts:
    """Weight per (actual class id, predicted class id), and the length of the score vectors
    seen (0 when predictions were class ids)."""

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


def validate_classes(classes, num_classes) -> Tuple[List[str] | None, int | None]:
    """Checks the ``classes`` / ``num_classes`` arguments; returns them as (list or None, int or
    None). Raises ``ConfigError`` naming the argument."""
    if classes is not None and num_classes is not None:
        raise ConfigError(
            f'classes ({classes!r}) and num_classes ({num_classes!r}) are both set; give one: '
            'classes for named classes (or string labels), num_classes for ids 0 .. n-1.'
        )
    if classes is not None:
        if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence):
            raise ConfigError(
                f'classes must be a list of class names, got {classes!r}; e.g. '
                "classes=['Cash', 'Credit Card'] in the order of the model's scores."
            )
        bad = [c for c in classes if not isinstance(c, str) or not c]
        if bad or len(classes) < 2 or len(set(classes)) != len(classes):
            raise ConfigError(
                f'classes must be 2 or more distinct non-empty strings (the class names in the '
                f"order of the model's scores), got {list(classes)!r}; for int labels 0 .. n-1 "
                "use num_classes=n or classes=['0', '1', ...]."
            )
        return list(classes), None
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ConfigError(
                f'num_classes must be an int >= 2 (class ids 0 .. num_classes - 1), '
                f'got {num_classes!r}.'
            )
    return None, num_classes


class ClassIndex:
    """Maps labels and predictions to class ids, and class ids to names.

    Args:
      classes: class names in the order of the model's scores (class id = position), or None.
      num_classes: number of classes (names '0', '1', ...) when ``classes`` is None.
    """

    def __init__(self, classes: Sequence[str] | None, num_classes: int | None):
        self.classes = list(classes) if classes is not None else None
        self.size = len(self.classes) if self.classes is not None else num_classes
        self._ids = {name: i for i, name in enumerate(self.classes or [])}

    def names(self, counts: ConfusionCounts) -> List[str]:
        """Names of all classes, indexed by class id: ``classes``, or '0' .. 'n-1' for
        ``num_classes`` (default: the longer of the score vector and the largest id seen)."""
        if self.classes is not None:
            return list(self.classes)
        seen = [i + 1 for cell in counts.cells for i in cell]
        return [str(i) for i in range(self.size or max([counts.num_scores, *seen]))]

    def name(self, class_id: int) -> str:
        """Name of class ``class_id``: its entry in ``classes``, else the id as a string."""
        if self.classes is not None and 0 <= class_id < len(self.classes):
            return self.classes[class_id]
        return str(class_id)

    def _known(self) -> str:
        if self.classes is not None:
            return f'classes {self.classes}'
        return f'num_classes={self.size}' if self.size else 'no classes or num_classes given'

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
                f'{what} {value!r} is not a class id of {self._known()}; class ids are '
                '0 .. number of classes - 1. Fix classes/num_classes or the evaluation data.'
            )
        return int(number)

    def label_id(self, label: np.ndarray) -> int:
        """Class id of an example's label (a class id, a class name, or a one-hot vector)."""
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
        """Class id of an example's prediction (argmax of scores, or the class it names); records
        the length of score vectors in ``counts`` and checks that it does not change."""
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
    """``({class name: recall}, [names of absent classes])``: recall = weight of the class's
    examples predicted as the class / weight of the class's examples, for the classes with
    examples; the others are absent."""
    totals, hits = counts.totals(), counts.hits()
    recall = {
        name: hits.get(i, 0.0) / totals[i] for i, name in enumerate(names) if totals.get(i, 0.0)
    }
    return recall, [name for name in names if name not in recall]


class _ConfusionCountsCombiner(CountsCombiner):
    """Counts one model's (and output's) examples into a :class:`ConfusionCounts`."""

    def create_accumulator(self) -> ConfusionCounts:
        return ConfusionCounts()

    def count(self, accumulator: ConfusionCounts, label, prediction, weight: float) -> None:
        actual = self._index.label_id(label)
        predicted = self._index.predicted_id(prediction, accumulator)
        if not math.isfinite(weight):
            raise DataError(
                f'example weight {weight!r} of an example of class {self._index.name(actual)!r} '
                'is not a finite number; it would make the recall of the class NaN. Filter or fix '
                'the examples with a NaN/inf weight upstream, or drop example_weights from the '
                'EvalConfig (ModelSpec example_weight_key, MetricsSpec example_weights).'
            )
        accumulator.add(actual, predicted, weight)


def confusion_counts_computation(
    index: ClassIndex,
    classes: Sequence[str] | None,
    num_classes: int | None,
    eval_config,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputation:
    """The (private, shared) computation of one model's and output's counts; metrics with the
    same classes reuse it, as TFMA de-duplicates computations by key."""
    arguments = {
        'classes': list(classes) if classes is not None else None,
        'num_classes': num_classes,
    }
    return counts_computation(
        '_class_confusion_counts',
        arguments,
        _ConfusionCountsCombiner,
        index,
        eval_config,
        model_name,
        output_name,
        example_weighted,
    )
