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
from typing import Callable, Dict, Sequence

from tensorflow_model_analysis.metrics import metric_types, metric_util

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError
from tfx_balance.metrics.computations import derived_computations
from tfx_balance.metrics.counts import (
    ClassIndex,
    class_recalls,
    confusion_counts_computation,
    validate_classes,
)


def _derived_computations(
    derive: Callable[[Dict[str, float], str], Dict[str, object]],
    name: str,
    classes,
    num_classes,
    eval_config,
    model_name: str,
    output_name: str,
    example_weighted: bool,
) -> metric_types.MetricComputations:
    """The shared counts computation plus one derived computation: ``derive(recall, name)``
    returns ``{key name: value}`` from ``{present class name: recall}``; the diagnostic key is
    added to it."""
    index = ClassIndex(classes, num_classes)
    counts = confusion_counts_computation(
        index, classes, num_classes, eval_config, model_name, output_name, example_weighted
    )
    return derived_computations(
        counts,
        lambda matrix: class_recalls(matrix, index.names(matrix)),
        derive,
        name,
        keys.CLASSES_ABSENT,
        f'_{name}_from_class_counts',
        model_name,
        output_name,
        example_weighted,
    )


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float('nan')


def _macro_recall(recall: Dict[str, float], name: str) -> dict:
    return {name: _mean(recall.values())}


def _min_class_recall(recall: Dict[str, float], name: str) -> dict:
    # NaN if any recall is NaN (or none is present), whatever the order: min() over a NaN is not.
    values = list(recall.values())
    if not values or any(math.isnan(v) for v in values):
        return {name: float('nan')}
    return {name: min(values)}


def _per_class_recall(recall: Dict[str, float], name: str) -> dict:
    return {f'{name}/{cls}': value for cls, value in recall.items()}


def _balanced_accuracy(recall: Dict[str, float], name: str, adjusted: bool) -> dict:
    score = _mean(recall.values())
    if adjusted and len(recall) > 1:
        chance = 1.0 / len(recall)
        score = (score - chance) / (1.0 - chance)
    return {name: score}


def _create_fn(derive: Callable) -> Callable[..., metric_types.MetricComputations]:
    """A TFMA create-computations function (one model and output per call) for ``derive``;
    the metric's own options (e.g. ``adjusted``) are passed on to ``derive``."""

    def create(
        name: str,
        classes: Sequence[str] | None = None,
        num_classes: int | None = None,
        eval_config=None,
        model_name: str = '',
        output_name: str = '',
        example_weighted: bool = False,
        **options,
    ) -> metric_types.MetricComputations:
        return _derived_computations(
            lambda recall, metric_name: derive(recall, metric_name, **options),
            name,
            classes,
            num_classes,
            eval_config,
            model_name,
            output_name,
            example_weighted,
        )

    return metric_util.merge_per_key_computations(create)


class _RecallMetric(metric_types.Metric):
    """Base of the metrics below: checks ``classes`` / ``num_classes`` (``ConfigError``)."""

    DERIVE: Callable

    def __init__(self, classes=None, num_classes=None, name: str = '', **options):
        classes, num_classes = validate_classes(classes, num_classes)
        if not isinstance(name, str) or not name:
            raise ConfigError(f'name must be a non-empty metric name, got {name!r}.')
        super().__init__(
            _create_fn(type(self).DERIVE),
            classes=classes,
            num_classes=num_classes,
            name=name,
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
    the mean recall over the classes present in the data (so equal to :class:`MacroRecall`);
    ``adjusted=True`` rescales it so that chance (1 / classes present) scores 0 and perfect 1.

    Not named ``BalancedAccuracy``: TFMA resolves a ``MetricConfig.class_name`` in its own
    registry before it looks at ``module``, and registers a binary ``BalancedAccuracy``, so
    ``MetricConfig(class_name='BalancedAccuracy', module='tfx_balance.metrics')`` would silently
    compute TFMA's metric.

    Args: as :class:`MacroRecall`, plus ``adjusted``.
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

    Args: as :class:`MacroRecall` (``name`` is the key prefix, default ``'recall'``).
    """

    DERIVE = staticmethod(_per_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.PER_CLASS_RECALL):
        super().__init__(classes, num_classes, name)


class MinClassRecall(_RecallMetric):
    """The lowest recall of any class present in the evaluation data (key
    ``'min_class_recall'``): a gate on it means "every class at least this".

    Args: as :class:`MacroRecall`.
    """

    DERIVE = staticmethod(_min_class_recall)

    def __init__(self, classes=None, num_classes=None, name: str = keys.MIN_CLASS_RECALL):
        super().__init__(classes, num_classes, name)
