"""TFMA metrics that see the rare classes: per-class recall, its macro average and its minimum::

    tfma.MetricConfig(class_name='MacroRecall', module='tfx_balance.metrics',
                      config='"classes": ["cat", "dog"]')

Rules (a class never predicted, a class absent): docs/balanced_model_gate.md.
"""

from __future__ import annotations

import math
from typing import Callable, Dict

from tensorflow_model_analysis.metrics import metric_types

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.metrics.computations import check_metric_name, counts_metric_fn, mean
from tfx_balance.metrics.counts import ClassIndex, class_recalls
from tfx_balance.metrics.names import validate_classes


def _macro_recall(recall: Dict[str, float], name: str) -> dict:
    return {name: mean(recall.values())}


def _min_class_recall(recall: Dict[str, float], name: str) -> dict:
    # NaN if any recall is NaN (or none is present), whatever the order: min() over a NaN is not.
    values = list(recall.values())
    if not values or any(math.isnan(v) for v in values):
        return {name: float('nan')}
    return {name: min(values)}


def _per_class_recall(recall: Dict[str, float], name: str) -> dict:
    return {f'{name}/{cls}': value for cls, value in recall.items()}


def _balanced_accuracy(recall: Dict[str, float], name: str, adjusted: bool) -> dict:
    score = mean(recall.values())
    if adjusted and len(recall) > 1:
        chance = 1.0 / len(recall)
        score = (score - chance) / (1.0 - chance)
    return {name: score}


class _RecallMetric(metric_types.Metric):
    """Base of the metrics below: checks ``classes`` / ``num_classes``."""

    DERIVE: Callable

    def __init__(self, classes=None, num_classes=None, name: str = '', **options):
        classes, num_classes = validate_classes(classes, num_classes)
        super().__init__(
            counts_metric_fn(
                ClassIndex.from_arguments,
                class_recalls,
                type(self).DERIVE,
                keys.CLASSES_ABSENT,
                'class_counts',
            ),
            classes=classes,
            num_classes=num_classes,
            name=check_metric_name(name),
            **options,
        )


class MacroRecall(_RecallMetric):
    """Mean recall over the classes present in the evaluation data (key ``'macro_recall'``).

    Args:
      classes: class names in the order of the model's scores; needed for string labels.
      num_classes: number of classes for ids 0 .. n-1 (default: the score vector's length).
      name: metric name (key).
    """

    DERIVE = staticmethod(_macro_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.MACRO_RECALL):
        super().__init__(classes, num_classes, name)


class MultiClassBalancedAccuracy(_RecallMetric):
    """scikit-learn's ``balanced_accuracy_score`` (``'balanced_accuracy'``), plus ``adjusted``.

    Not ``BalancedAccuracy``: TFMA would find its own binary metric of that name first.
    """

    DERIVE = staticmethod(_balanced_accuracy)

    def __init__(
        self,
        classes=None,
        num_classes=None,
        adjusted: bool = False,
        name: str = keys.BALANCED_ACCURACY,
    ):
        if not isinstance(adjusted, bool):
            raise ConfigError(f'adjusted must be True or False, got {adjusted!r}.')
        super().__init__(classes, num_classes, name, adjusted=adjusted)


class PerClassRecall(_RecallMetric):
    """Recall of each class present, under keys ``'recall/<class>'`` (``name``: the prefix)."""

    DERIVE = staticmethod(_per_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.PER_CLASS_RECALL):
        super().__init__(classes, num_classes, name)


class MinClassRecall(_RecallMetric):
    """The lowest recall of any class present (key ``'min_class_recall'``)."""

    DERIVE = staticmethod(_min_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.MIN_CLASS_RECALL):
        super().__init__(classes, num_classes, name)
