"""TFMA metrics for multi-label models (a multi-hot label and sigmoid scores per example):
per-label recall, precision and F1, macro recall, macro F1 and the minimum label recall::

    tfma.MetricConfig(class_name='MacroLabelRecall', module='tfx_balance.metrics',
                      config='{"labels": ["cat", "dog", "owl"], "threshold": 0.5}')

Rules: docs/balanced_model_gate.md#multi-label-models.
"""

from __future__ import annotations

import functools
from typing import Callable

from tensorflow_model_analysis.metrics import metric_types

from tfx_balance.core.common import keys
from tfx_balance.metrics.computations import check_metric_name, counts_metric_fn, mean
from tfx_balance.metrics.counts import LabelIndex, label_scores
from tfx_balance.metrics.names import validate_labels, validate_threshold


def _per_label(score, scores, name):
    """``{'<name>/<label>': value}`` of one per-label ``score``: 'recall', 'precision' or 'f1'."""
    return {f'{name}/{label}': value for label, value in scores[score].items()}


def _macro_label_recall(scores, name):
    return {name: mean(scores['recall'].values())}


def _macro_label_f1(scores, name):
    return {name: mean(scores['f1'].values())}


def _min_label_recall(scores, name):
    values = list(scores['recall'].values())
    return {name: min(values) if values else float('nan')}


def _label_scores(diagnostic: str):
    """``summarize`` of the counts: ``label_scores()``, and its ``diagnostic`` labels."""

    def summarize(counts, names):
        scores = label_scores(counts, names)
        return scores, scores[diagnostic]

    return summarize


class _LabelMetric(metric_types.Metric):
    """Base of the metrics below: checks ``labels``, ``num_labels``, ``threshold``."""

    DERIVE: Callable  # (label_scores() dict, name) -> {key name: value}
    DIAGNOSTIC = keys.LABELS_ABSENT

    def __init__(self, labels=None, num_labels=None, threshold=None, name: str = ''):
        labels, num_labels = validate_labels(labels, num_labels)
        threshold = validate_threshold(threshold)
        super().__init__(
            counts_metric_fn(
                LabelIndex.from_arguments,
                _label_scores(type(self).DIAGNOSTIC),
                type(self).DERIVE,
                type(self).DIAGNOSTIC,
                'label_counts',
            ),
            labels=labels,
            num_labels=num_labels,
            threshold=threshold,
            name=check_metric_name(name),
        )


class PerLabelRecall(_LabelMetric):
    """Recall of each label with positive examples, under keys ``'recall/<label>'``.

    Args:
      labels: label names in the order of the multi-hot vector and of the scores.
      num_labels: number of labels (names '0' .. 'n-1') instead of ``labels``.
      threshold: label i is predicted where score i >= threshold (default 0.5).
      name: the key prefix.
    """

    DERIVE = staticmethod(functools.partial(_per_label, 'recall'))

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_CLASS_RECALL):
        super().__init__(labels, num_labels, threshold, name)


class PerLabelPrecision(_LabelMetric):
    """Precision of every label (``'precision/<label>'``), 0 if never predicted."""

    DERIVE = staticmethod(functools.partial(_per_label, 'precision'))
    DIAGNOSTIC = keys.LABELS_NEVER_PREDICTED

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_LABEL_PRECISION):
        super().__init__(labels, num_labels, threshold, name)


class PerLabelF1(_LabelMetric):
    """F1 of each label with positive examples (``'f1/<label>'``)."""

    DERIVE = staticmethod(functools.partial(_per_label, 'f1'))

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_LABEL_F1):
        super().__init__(labels, num_labels, threshold, name)


class MacroLabelRecall(_LabelMetric):
    """Mean recall over the labels with positive examples (``'macro_label_recall'``)."""

    DERIVE = staticmethod(_macro_label_recall)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MACRO_LABEL_RECALL):
        super().__init__(labels, num_labels, threshold, name)


class MacroLabelF1(_LabelMetric):
    """Mean F1 over the labels with positive examples: the gate for multi-label models."""

    DERIVE = staticmethod(_macro_label_f1)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MACRO_LABEL_F1):
        super().__init__(labels, num_labels, threshold, name)


class MinLabelRecall(_LabelMetric):
    """The lowest recall of any label with positive examples (``'min_label_recall'``)."""

    DERIVE = staticmethod(_min_label_recall)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MIN_LABEL_RECALL):
        super().__init__(labels, num_labels, threshold, name)
