"""TFMA metrics for multi-label models (a multi-hot label ``[L]`` and ``[L]`` sigmoid scores per
example; label i is predicted where score i >= ``threshold``, default 0.5): per-label recall and
precision and F1, the macro recall and macro F1 over labels, and the minimum label recall.

Recall of label i = (weight of the examples with label i predicted with it) / (weight of the
examples with label i). A label never predicted has recall 0. A label with no positive example in
the evaluation data has no recall (nor F1): it is left out of ``macro_label_recall``,
``macro_label_f1`` and ``min_label_recall`` and listed under the metric's diagnostic key
``'<metric name>/labels_absent'`` (a string, empty when every label has a positive example).
Precision is reported for every label; a label never predicted has precision 0 (scikit-learn's
``zero_division=0``) and is listed under ``'precision/labels_never_predicted'``. Use them in any
EvalConfig::

    tfma.MetricConfig(class_name='MacroLabelRecall', module='tfx_balance.metrics',
                      config='{"labels": ["cat", "dog", "owl"], "threshold": 0.5}')

Rules and examples: docs/balanced_model_gate.md#multi-label-models.
"""

from __future__ import annotations

import functools
from typing import Callable, Dict

from tensorflow_model_analysis.metrics import metric_types

from tfx_balance import keys
from tfx_balance.metrics.computations import check_metric_name, counts_metric_fn, mean
from tfx_balance.metrics.counts import LabelIndex, label_scores
from tfx_balance.metrics.names import validate_labels, validate_threshold

# derive(scores, name) -> {key name: value}; scores is label_scores()'s dict.
Derive = Callable[[Dict[str, object], str], Dict[str, float]]


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
    """Base of the metrics below: checks ``labels`` / ``num_labels`` / ``threshold``
    (``ConfigError`` naming the argument)."""

    DERIVE: Derive
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
      num_labels: number of labels (names '0' .. 'n-1') instead of ``labels`` (default: the
        length of the label vectors).
      threshold: label i is predicted where score i >= threshold (default 0.5).
      name: the key prefix (default ``'recall'``).
    """

    DERIVE = staticmethod(functools.partial(_per_label, 'recall'))

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_CLASS_RECALL):
        super().__init__(labels, num_labels, threshold, name)


class PerLabelPrecision(_LabelMetric):
    """Precision of every label, under keys ``'precision/<label>'``: 0 for a label never
    predicted (scikit-learn's ``zero_division=0``), and those labels listed under
    ``'precision/labels_never_predicted'``.

    Args: as ``PerLabelRecall`` (``name`` default ``'precision'``).
    """

    DERIVE = staticmethod(functools.partial(_per_label, 'precision'))
    DIAGNOSTIC = keys.LABELS_NEVER_PREDICTED

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_LABEL_PRECISION):
        super().__init__(labels, num_labels, threshold, name)


class PerLabelF1(_LabelMetric):
    """F1 of each label with positive examples, under keys ``'f1/<label>'``: 2 hits / (positives
    + predicted), from the same per-label counts as recall and precision (scikit-learn's
    ``f1_score(..., average=None, zero_division=0)``; 0 for a label never predicted).

    Args: as ``PerLabelRecall`` (``name`` default ``'f1'``).

    Example::

        tfma.MetricConfig(class_name='PerLabelF1', module='tfx_balance.metrics',
                          config='{"labels": ["cat", "dog", "owl"]}')
    """

    DERIVE = staticmethod(functools.partial(_per_label, 'f1'))

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.PER_LABEL_F1):
        super().__init__(labels, num_labels, threshold, name)


class MacroLabelRecall(_LabelMetric):
    """Mean recall over the labels with positive examples (key ``'macro_label_recall'``).

    Args: as ``PerLabelRecall``.
    """

    DERIVE = staticmethod(_macro_label_recall)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MACRO_LABEL_RECALL):
        super().__init__(labels, num_labels, threshold, name)


class MacroLabelF1(_LabelMetric):
    """Mean F1 over the labels with positive examples (key ``'macro_label_f1'``): scikit-learn's
    ``f1_score(y_true, y_pred, average='macro', labels=<those label indices>, zero_division=0)``.
    Unlike macro recall it cannot be raised by predicting more labels: a model that predicts
    every label on every example has recall 1 but F1 2p / (1 + p) for a label on a share p of the
    examples (0.18 for p = 0.1), so gate multi-label models on it (``balanced_eval_config(...,
    min_macro_f1=...)``).

    Args: as ``PerLabelRecall``.
    """

    DERIVE = staticmethod(_macro_label_f1)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MACRO_LABEL_F1):
        super().__init__(labels, num_labels, threshold, name)


class MinLabelRecall(_LabelMetric):
    """The lowest recall of any label with positive examples (key ``'min_label_recall'``): a gate
    on it means "every label at least this".

    Args: as ``PerLabelRecall``.
    """

    DERIVE = staticmethod(_min_label_recall)

    def __init__(self, labels=None, num_labels=None, threshold=None, name=keys.MIN_LABEL_RECALL):
        super().__init__(labels, num_labels, threshold, name)
