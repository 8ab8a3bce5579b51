"""TFMA metrics that see the rare classes: per-class recall of argmax predictions, their macro
average (= balanced accuracy) and their minimum.

Recall of class k = (weight of class-k examples predicted as k) / (weight of class-k examples). A
class never predicted has recall 0. A class absent from the evaluation data (no examples in the
slice) has no recall: it is left out of every average and listed under the metric's diagnostic key
``'<metric name>/classes_absent'`` (a string, empty when every class is present). Use them in any
EvalConfig::

    tfma.MetricConfig(class_name='MacroRecall', module='tfx_balance.metrics',
                      config='"classes": ["cat", "dog"]')

Rules and examples: docs/balanced_model_gate.md.
"""

from __future__ import annotations

import math
from typing import Callable, Dict

from tensorflow_model_analysis.metrics import metric_types

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError
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
    """Base of the metrics below: checks ``classes`` / ``num_classes`` (``ConfigError``)."""

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
      num_classes: number of classes when the labels are ids 0 .. n-1 (default: the length of
        the score vector).
      name: metric name (key).
    """

    DERIVE = staticmethod(_macro_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.MACRO_RECALL):
        super().__init__(classes, num_classes, name)


class MultiClassBalancedAccuracy(_RecallMetric):
    """Balanced accuracy (key ``'balanced_accuracy'``): scikit-learn's ``balanced_accuracy_score``,
    the mean recall over the classes present in the data (so equal to ``MacroRecall``);
    ``adjusted=True`` rescales it so that chance (1 / classes present) scores 0 and perfect 1.

    Not named ``BalancedAccuracy``: TFMA resolves a ``MetricConfig.class_name`` in its own
    registry before it looks at ``module``, and registers a binary ``BalancedAccuracy``, so
    ``MetricConfig(class_name='BalancedAccuracy', module='tfx_balance.metrics')`` would silently
    compute TFMA's metric.

    Args: as ``MacroRecall``, plus ``adjusted``.
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
    """Recall of each class present in the evaluation data, under keys ``'recall/<class>'``.

    Args: as ``MacroRecall`` (``name`` is the key prefix, default ``'recall'``).
    """

    DERIVE = staticmethod(_per_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.PER_CLASS_RECALL):
        super().__init__(classes, num_classes, name)


class MinClassRecall(_RecallMetric):
    """The lowest recall of any class present in the evaluation data (key
    ``'min_class_recall'``): a gate on it means "every class at least this".

    Args: as ``MacroRecall``.
    """

    DERIVE = staticmethod(_min_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.MIN_CLASS_RECALL):
        super().__init__(classes, num_classes, name)
