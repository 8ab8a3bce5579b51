"""TFMA metrics whose values are confidence bounds of the balanced metrics, so that an ordinary
``MetricThreshold`` gates on a bound (the validator compares the value it is given)::

    tfma.MetricConfig(class_name='MacroRecallImprovementInterval', module='tfx_balance.metrics',
                      config='{"num_classes": 10, "confidence": 0.95}')

emits ``macro_recall_improvement_lower_95`` (the gated key), ``..._upper_95``, the estimate and
the examples per class needed. The maths: ``tfx_balance.core.intervals``. Rules:
docs/balanced_model_gate.md#intervals.
"""

from __future__ import annotations

import math
from typing import Dict, List, NamedTuple, Tuple

import numpy as np
from tensorflow_model_analysis.metrics import metric_types, metric_util
from tensorflow_model_analysis.utils import model_util

from tfx_balance.core import intervals
from tfx_balance.core.calibration import CalibrationCounts
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.intervals import Interval
from tfx_balance.metrics.computations import (
    CountsCombiner,
    counts_computation,
    counts_metric_fn,
    derived_computations,
    metric_key,
)
from tfx_balance.metrics.counts import ClassIndex, LabelIndex
from tfx_balance.metrics.names import (
    multi_label_form,
    validate_classes,
    validate_labels,
    validate_threshold,
)

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESOLUTION = 0.02  # the improvement to resolve when the gate asks for none


def bound_name(metric: str, bound: str, confidence: float) -> str:
    """The key of a bound: ``bound_name('macro_recall', 'lower', 0.95) == 'macro_recall_lower_95'``."""
    return f'{metric}_{bound}_{intervals.confidence_suffix(confidence)}'


# -- counts of each class (or label): hits and totals ---------------------------------------------


class Tally:
    """Per class (or label) of the evaluation data: examples, right predictions and (labels)
    predictions."""

    def __init__(self, names: List[str], hits, totals, predicted=None):
        present = np.asarray(totals, float) > 0
        self.names = [n for n, p in zip(names, present) if p]
        self.absent = [n for n, p in zip(names, present) if not p]
        self.hits = np.asarray(hits, float)[present]
        self.totals = np.asarray(totals, float)[present]
        self.predicted = None if predicted is None else np.asarray(predicted, float)[present]


def _class_tally(counts, names) -> Tuple[Tally, List[str]]:
    totals, hits = counts.totals(), counts.hits()
    tally = Tally(
        names,
        [hits.get(i, 0.0) for i in range(len(names))],
        [totals.get(i, 0.0) for i in range(len(names))],
    )
    return tally, tally.absent


def _label_tally(counts, names) -> Tuple[Tally, List[str]]:
    size = len(names)
    hits, totals, predicted = np.zeros(size), np.zeros(size), np.zeros(size)
    hits[: counts.size], totals[: counts.size] = counts.hits[:size], counts.positives[:size]
    predicted[: counts.size] = counts.predicted[:size]
    tally = Tally(names, hits, totals, predicted)
    return tally, tally.absent


def _bounds(interval, name: str, upper_name: str) -> Dict[str, float]:
    return {name: interval.lower, upper_name: interval.upper}


def _nan_bounds(name: str, upper_name: str) -> Dict[str, float]:
    return {name: float('nan'), upper_name: float('nan')}


def _of_tally(interval_of):
    """A DERIVE of the interval ``interval_of(tally, confidence)``; NaN bounds with no class."""

    def derive(tally: Tally, name: str, confidence: float, upper_name: str, **_) -> dict:
        if not tally.names:
            return _nan_bounds(name, upper_name)
        return _bounds(interval_of(tally, confidence), name, upper_name)

    return derive


_macro = _of_tally(lambda t, confidence: intervals.macro_interval(t.hits, t.totals, confidence))
_macro_f1 = _of_tally(
    lambda t, confidence: intervals.f1_interval(t.hits, t.totals, t.predicted, confidence)
)
_minimum = _of_tally(
    lambda t, confidence: intervals.min_recall_interval(t.hits, t.totals, confidence)
)


def _balanced_accuracy(tally, name, confidence, upper_name, adjusted=False, **_) -> dict:
    bounds = _macro(tally, name, confidence, upper_name)
    if adjusted and len(tally.names) > 1:
        chance = 1.0 / len(tally.names)
        bounds = {k: (v - chance) / (1.0 - chance) for k, v in bounds.items()}
    return bounds


def _per_class(tally: Tally, name: str, confidence: float, upper_name: str, **_) -> dict:
    out = {}
    for cls, hits, total in zip(tally.names, tally.hits, tally.totals):
        interval = intervals.recall_interval(hits, total, confidence)
        out[f'{name}/{cls}'], out[f'{upper_name}/{cls}'] = interval
    return out


class _IntervalMetric(metric_types.Metric):
    """Base of the bound metrics: ``name`` is the lower bound's key, ``upper_name`` the upper's."""

    METRIC = ''  # the metric whose bounds these are
    INDEX = ClassIndex
    TALLY = staticmethod(_class_tally)
    DERIVE = staticmethod(_macro)
    DIAGNOSTIC = keys.CLASSES_ABSENT

    def __init__(
        self, confidence=DEFAULT_CONFIDENCE, name: str = '', upper_name: str = '', **arguments
    ):
        confidence = intervals.validate_confidence(confidence)
        cls = type(self)
        super().__init__(
            counts_metric_fn(
                cls.INDEX.from_arguments, cls.TALLY, cls.DERIVE, cls.DIAGNOSTIC, 'class_counts'
            ),
            confidence=confidence,
            upper_name=upper_name or bound_name(cls.METRIC, 'upper', confidence),
            name=name or bound_name(cls.METRIC, 'lower', confidence),
            **arguments,
        )


class _ClassIntervalMetric(_IntervalMetric):
    def __init__(self, classes=None, num_classes=None, confidence=DEFAULT_CONFIDENCE, **options):
        classes, num_classes = validate_classes(classes, num_classes)
        super().__init__(confidence, classes=classes, num_classes=num_classes, **options)


class _LabelIntervalMetric(_IntervalMetric):
    INDEX, TALLY, DIAGNOSTIC = LabelIndex, staticmethod(_label_tally), keys.LABELS_ABSENT

    def __init__(
        self, labels=None, num_labels=None, threshold=None, confidence=DEFAULT_CONFIDENCE, **options
    ):
        labels, num_labels = validate_labels(labels, num_labels)
        super().__init__(
            confidence,
            labels=labels,
            num_labels=num_labels,
            threshold=validate_threshold(threshold),
            **options,
        )


class MacroRecallInterval(_ClassIntervalMetric):
    """Bounds of macro recall: keys ``macro_recall_lower_95`` and ``macro_recall_upper_95``."""

    METRIC = keys.MACRO_RECALL


class MultiClassBalancedAccuracyInterval(_ClassIntervalMetric):
    """Bounds of ``balanced_accuracy`` (``adjusted``: scikit-learn's chance-adjusted form)."""

    METRIC, DERIVE = keys.BALANCED_ACCURACY, staticmethod(_balanced_accuracy)

    def __init__(self, classes=None, num_classes=None, confidence=DEFAULT_CONFIDENCE, **options):
        if not isinstance(options.setdefault('adjusted', False), bool):
            raise ConfigError(f'adjusted must be True or False, got {options["adjusted"]!r}.')
        super().__init__(classes, num_classes, confidence, **options)


class PerClassRecallInterval(_ClassIntervalMetric):
    """Bounds of each present class's recall: ``recall_lower_95/<class>``, ``recall_upper_95/...``."""

    METRIC, DERIVE = keys.PER_CLASS_RECALL, staticmethod(_per_class)


class MinClassRecallInterval(_ClassIntervalMetric):
    """Bounds of the lowest class recall: ``min_class_recall_lower_95`` and ``..._upper_95``."""

    METRIC, DERIVE = keys.MIN_CLASS_RECALL, staticmethod(_minimum)


class MacroLabelRecallInterval(_LabelIntervalMetric):
    """Bounds of macro label recall (multi-label): ``macro_label_recall_lower_95``, ``..._upper_95``."""

    METRIC = keys.MACRO_LABEL_RECALL


class MacroLabelF1Interval(_LabelIntervalMetric):
    """Bounds of macro label F1 (multi-label): ``macro_label_f1_lower_95``, ``..._upper_95``."""

    METRIC, DERIVE = keys.MACRO_LABEL_F1, staticmethod(_macro_f1)


class PerLabelRecallInterval(_LabelIntervalMetric):
    """Bounds of each label's recall (multi-label): ``recall_lower_95/<label>``, ..."""

    METRIC, DERIVE = keys.PER_CLASS_RECALL, staticmethod(_per_class)


class MinLabelRecallInterval(_LabelIntervalMetric):
    """Bounds of the lowest label recall: ``min_label_recall_lower_95`` and ``..._upper_95``."""

    METRIC, DERIVE = keys.MIN_LABEL_RECALL, staticmethod(_minimum)


# -- the paired comparison with the baseline -----------------------------------------------------


class PairedCounts:
    """Per class (label): weight of examples, of those only the candidate or only the baseline
    gets right; ``label_cells[label, positive, candidate, baseline]`` (0/1 each) pair F1.
    """

    def __init__(self):
        self.totals: Dict[int, float] = {}
        self.only_candidate: Dict[int, float] = {}
        self.only_baseline: Dict[int, float] = {}
        self.num_scores = 0
        self.size = 0
        self.label_cells = np.zeros((0, 2, 2, 2))

    def add(self, position: int, field: str, weight: float) -> None:
        table = getattr(self, field)
        table[position] = table.get(position, 0.0) + weight

    def merge(self, other: PairedCounts) -> None:
        for field in ('totals', 'only_candidate', 'only_baseline'):
            for position, weight in getattr(other, field).items():
                self.add(position, field, weight)
        self.num_scores = self.num_scores or other.num_scores
        self.size = self.size or other.size
        if not len(self.label_cells):
            self.label_cells = other.label_cells.copy()
        elif len(other.label_cells):
            if other.label_cells.shape != self.label_cells.shape:
                raise DataError(
                    f'label vectors of {len(self.label_cells)} and of {len(other.label_cells)} '
                    'entries in the same evaluation; every multi-hot label (and score vector) '
                    'must have one entry per label. Set labels=[...] or num_labels= to say which '
                    'length is right, and fix the data.'
                )
            self.label_cells += other.label_cells

    def arrays(self, size: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        def array(table):
            return np.asarray([table.get(i, 0.0) for i in range(size)])

        return array(self.only_candidate), array(self.only_baseline), array(self.totals)


def _right(index, counts: PairedCounts, label, prediction) -> Tuple[np.ndarray, np.ndarray]:
    """Positions of the example (its class, or its positive labels) and whether each is right."""
    if isinstance(index, LabelIndex):
        scratch = index.new_counts()
        if counts.size:
            scratch.resize(counts.size)
        index.add(scratch, label, prediction, 1.0)
        counts.size = scratch.size
        return np.flatnonzero(scratch.positives), scratch.hits[scratch.positives > 0] > 0
    actual = index.label_id(label)
    return np.asarray([actual]), np.asarray([index.predicted_id(prediction, counts) == actual])


class _PairedCombiner(CountsCombiner):
    """Counts, per example, which of the candidate and the baseline get each of its classes right."""

    def create_accumulator(self) -> PairedCounts:
        return PairedCounts()

    def _inputs(self, element, model_name: str):
        return next(
            metric_util.to_label_prediction_example_weight(
                element,
                eval_config=self._eval_config,
                model_name=model_name,
                output_name=self._key.output_name,
                example_weighted=self._example_weighted,
                flatten=False,
                require_single_example_weight=True,
                squeeze=self._index['index'].SQUEEZE is not False,
            )
        )

    def add_input(self, accumulator: PairedCounts, element):
        index = self._index['index']
        label, candidate, weight = self._inputs(element, self._key.model_name)
        _, baseline, _ = self._inputs(element, self._index['baseline'])
        weight = float(np.asarray(weight).reshape(-1)[0])
        positions, candidate_right = _right(index, accumulator, label, candidate)
        _, baseline_right = _right(index, accumulator, label, baseline)
        for position, ours, theirs in zip(positions, candidate_right, baseline_right):
            accumulator.add(int(position), 'totals', weight)
            if ours and not theirs:
                accumulator.add(int(position), 'only_candidate', weight)
            elif theirs and not ours:
                accumulator.add(int(position), 'only_baseline', weight)
        if isinstance(index, LabelIndex):
            positive = (np.asarray(label).reshape(-1) == 1).astype(int)
            ours, theirs = (
                (np.asarray(p).reshape(-1) >= index.threshold).astype(int)
                for p in (candidate, baseline)
            )
            if not len(accumulator.label_cells):
                accumulator.label_cells = np.zeros((positive.size, 2, 2, 2))
            accumulator.label_cells[np.arange(positive.size), positive, ours, theirs] += weight
        return accumulator


class Change(NamedTuple):
    """The paired change of a metric: its interval, point estimate and the examples per class
    (label) that would resolve it."""

    interval: Interval
    estimate: float
    needed: int


def recall_change(counts: PairedCounts, size: int, confidence, resolution) -> Change | None:
    """Macro recall(candidate) - macro recall(baseline) over the classes present; None if none."""
    only_candidate, only_baseline, totals = counts.arrays(size)
    present = totals > 0
    if not present.any():
        return None
    only_candidate, only_baseline, totals = (
        only_candidate[present],
        only_baseline[present],
        totals[present],
    )
    return Change(
        intervals.paired_improvement_interval(only_candidate, only_baseline, totals, confidence),
        float(((only_candidate - only_baseline) / totals).mean()),
        intervals.examples_needed(only_candidate, only_baseline, totals, confidence, resolution),
    )


def f1_change(counts: PairedCounts, size: int, confidence, resolution) -> Change | None:
    """Macro F1(candidate) - macro F1(baseline) over the labels with a positive example."""
    cells = counts.label_cells[:size]
    positives = cells[:, 1].sum(axis=(-2, -1))
    if not (positives > 0).any():
        return None
    cells, positives = cells[positives > 0], positives[positives > 0]
    candidate = 2 * cells[:, 1, 1, :].sum(-1) / (positives + cells[:, :, 1, :].sum((-2, -1)))
    baseline = 2 * cells[:, 1, :, 1].sum(-1) / (positives + cells[:, :, :, 1].sum((-2, -1)))
    return Change(
        intervals.paired_f1_improvement_interval(cells, confidence),
        float((candidate - baseline).mean()),
        intervals.f1_examples_needed(cells, confidence, resolution),
    )


def _improvement(change: Change | None, name: str, upper_name: str) -> dict:
    if change is None:
        return {**_nan_bounds(name, upper_name), f'{name}/estimate': float('nan')}
    return {
        **_bounds(change.interval, name, upper_name),
        f'{name}/estimate': change.estimate,
        f'{name}/{keys.EXAMPLES_PER_CLASS_NEEDED}': float(change.needed),
    }


def resolution_of(min_improvement: float) -> float:
    """The half-width an improvement's interval needs: ``min_improvement``, at least 0.02."""
    return max(min_improvement, DEFAULT_RESOLUTION)


def verdict(
    interval: Interval,
    min_improvement: float,
    needed: float,
    smallest: float,
    resolution: float,
    unit: str = 'class',
) -> str:
    """What the improvement's interval says about ``min_improvement``, in words (``.../verdict``).

    >>> verdict(Interval(-0.1, 0.2), 0.02, 120, 6, 0.02)[:9]
    'undecided'
    """
    lower, upper = interval
    if math.isnan(lower):
        return 'no examples'
    if lower >= min_improvement:
        return f'improved: the lower bound {lower:+.3f} clears {min_improvement:+g}'
    if upper < min_improvement:
        return f'not improved: the upper bound {upper:+.3f} is below {min_improvement:+g}'
    return (
        f'undecided: the interval [{lower:+.3f}, {upper:+.3f}] holds {min_improvement:+g}; about '
        f'{int(needed)} examples of every {unit} would narrow it to +-{resolution:g} (the '
        f'smallest {unit} has {smallest:g})'
    )


def _paired_computations(
    name,
    upper_name,
    counts_name,
    arguments,
    combiner,
    index,
    summarize,
    bound,
    eval_config,
    model_name,
    output_name,
    example_weighted,
) -> metric_types.MetricComputations:
    """Paired counts of the candidate and the baseline model, summarized into the metric's keys.

    Without a baseline ModelSpec (TFX's Evaluator drops it on a first run), like TFMA's change
    thresholds, the gate passes: the bounds are ``bound`` and the verdict says why.
    """
    baseline = model_util.get_baseline_model_spec(eval_config) if eval_config else None
    if baseline is None:

        def key(key_name: str) -> metric_types.MetricKey:
            return metric_key(key_name, model_name, output_name, example_weighted)

        verdict_key = key(f'{name}/{keys.VERDICT}')

        def result(_) -> dict:
            return {
                key(name): bound,
                key(upper_name): bound,
                verdict_key: 'no baseline model: nothing to improve on (a first run), not gated',
            }

        result.__name__ = f'_{name}_without_baseline'
        return [metric_types.DerivedMetricComputation(keys=[verdict_key], result=result)]
    if model_name == baseline.name:
        return []  # the comparison is the candidate's; the validator skips the baseline's keys
    counts = counts_computation(
        counts_name,
        arguments(baseline.name),
        combiner,
        {**index, 'baseline': baseline.name},
        eval_config,
        model_name,
        output_name,
        example_weighted,
    )
    return derived_computations(
        counts,
        summarize,
        lambda values, _: values,
        name,
        keys.VERDICT,
        counts_name[1:],
    )


class _ImprovementInterval(metric_types.Metric):
    METRIC = ''
    CHANGE = staticmethod(recall_change)  # counts -> Change: what is compared

    def __init__(self, index, confidence, min_improvement, name, upper_name, **arguments):
        confidence = intervals.validate_confidence(confidence)
        number = isinstance(min_improvement, (int, float)) and not isinstance(min_improvement, bool)
        if not number or not -1 <= min_improvement <= 1:
            raise ConfigError(
                f'min_improvement must be a number in [-1, 1], got {min_improvement!r}; it is '
                'the improvement the gate asks for, e.g. 0.02.'
            )
        metric, change_of = type(self).METRIC, type(self).CHANGE

        def create(
            name,
            confidence,
            upper_name,
            min_improvement,
            eval_config=None,
            model_name='',
            output_name='',
            example_weighted=False,
            **_,
        ):
            resolution = resolution_of(min_improvement)

            def summarize(paired: PairedCounts):
                seen = max([paired.num_scores, paired.size, *(i + 1 for i in paired.totals)])
                size = len(index.given or []) or index.size or seen
                change = change_of(paired, size, confidence, resolution)
                values = _improvement(change, name, upper_name)
                smallest = min((v for v in paired.totals.values() if v), default=0.0)
                text = verdict(
                    Interval(values[name], values[upper_name]),
                    min_improvement,
                    values.get(f'{name}/{keys.EXAMPLES_PER_CLASS_NEEDED}', 0.0),
                    smallest,
                    resolution,
                    index.KIND.singular,
                )
                return values, [text]

            return _paired_computations(
                name,
                upper_name,
                '_paired_counts',
                lambda baseline: {**index.arguments(), 'baseline': baseline},
                _PairedCombiner,
                {'index': index},
                summarize,
                math.inf,
                eval_config,
                model_name,
                output_name,
                example_weighted,
            )

        super().__init__(
            metric_util.merge_per_key_computations(create),
            confidence=confidence,
            min_improvement=float(min_improvement),
            upper_name=upper_name or bound_name(metric, 'upper', confidence),
            name=name or bound_name(metric, 'lower', confidence),
            **arguments,
        )


class MacroRecallImprovementInterval(_ImprovementInterval):
    """Bounds of macro recall(candidate) - macro recall(baseline), paired on the same examples:
    ``macro_recall_improvement_lower_95`` (gate this), ``..._upper_95``, ``.../estimate``,
    ``.../examples_per_class_needed`` and ``.../verdict``. Needs a baseline ModelSpec.

    Args:
      classes, num_classes: as ``MacroRecall``.
      confidence: of the two-sided interval (0.95: each bound errs at most 2.5% of the time).
      min_improvement: the improvement the gate asks for; the verdict says whether the data can
        tell it from noise (resolution: min_improvement, at least 0.02).
    """

    METRIC = keys.MACRO_RECALL_IMPROVEMENT

    def __init__(
        self,
        classes=None,
        num_classes=None,
        confidence=DEFAULT_CONFIDENCE,
        min_improvement=0.0,
        name: str = '',
        upper_name: str = '',
    ):
        classes, num_classes = validate_classes(classes, num_classes)
        super().__init__(
            ClassIndex(classes, num_classes),
            confidence,
            min_improvement,
            name,
            upper_name,
            classes=classes,
            num_classes=num_classes,
        )


class MacroLabelRecallImprovementInterval(_ImprovementInterval):
    """``MacroRecallImprovementInterval`` of macro label recall (multi-label models)."""

    METRIC = keys.MACRO_LABEL_RECALL_IMPROVEMENT

    def __init__(
        self,
        labels=None,
        num_labels=None,
        threshold=None,
        confidence=DEFAULT_CONFIDENCE,
        min_improvement=0.0,
        name: str = '',
        upper_name: str = '',
    ):
        labels, num_labels = validate_labels(labels, num_labels)
        threshold = validate_threshold(threshold)
        super().__init__(
            LabelIndex(labels, num_labels, threshold),
            confidence,
            min_improvement,
            name,
            upper_name,
            labels=labels,
            num_labels=num_labels,
            threshold=threshold,
        )


class MacroLabelF1ImprovementInterval(MacroLabelRecallImprovementInterval):
    """``MacroRecallImprovementInterval`` of macro label F1: ``macro_label_f1_improvement_lower_95``
    etc.; arguments as ``MacroLabelRecallImprovementInterval``."""

    METRIC, CHANGE = keys.MACRO_LABEL_F1_IMPROVEMENT, staticmethod(f1_change)


# -- the paired comparison of log loss (the calibration gate) ------------------------------------


class PairedLoss:
    """Weight, and weighted sums of the per-example log loss increase (candidate - baseline) and
    of its square."""

    def __init__(self):
        self.weight = 0.0
        self.total = 0.0
        self.total_of_squares = 0.0

    def merge(self, other: PairedLoss) -> None:
        self.weight += other.weight
        self.total += other.total
        self.total_of_squares += other.total_of_squares


class _PairedLossCombiner(_PairedCombiner):
    """Adds each example's log loss increase of the candidate over the baseline."""

    def create_accumulator(self) -> PairedLoss:
        return PairedLoss()

    def _loss(self, label, scores) -> float:
        one = CalibrationCounts(bins=1)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if self._index['multi_label']:
            one.add_sigmoid(scores, np.asarray(label).reshape(-1))
        else:
            one.add_softmax(scores, self._index['index'].label_id(label))
        return one.log_loss()

    def add_input(self, accumulator: PairedLoss, element):
        label, candidate, weight = self._inputs(element, self._key.model_name)
        _, baseline, _ = self._inputs(element, self._index['baseline'])
        weight = float(np.asarray(weight).reshape(-1)[0])
        increase = self._loss(label, candidate) - self._loss(label, baseline)
        if math.isfinite(weight) and math.isfinite(increase):  # as the calibration metrics
            accumulator.weight += weight
            accumulator.total += weight * increase
            accumulator.total_of_squares += weight * increase**2
        return accumulator


class LogLossIncreaseInterval(metric_types.Metric):
    """Student-t bounds of log loss(candidate) - log loss(baseline) on the same examples:
    ``log_loss_increase_lower_95`` (gated by ``CalibrationGate``), ``..._upper_95``,
    ``.../estimate``. Without a baseline ModelSpec the bounds are -inf.
    """

    def __init__(
        self,
        classes=None,
        num_classes=None,
        multi_label=None,
        confidence=DEFAULT_CONFIDENCE,
        name: str = '',
        upper_name: str = '',
    ):
        classes, num_classes = validate_classes(classes, num_classes)
        multi_label = multi_label_form(multi_label, 'LogLossIncreaseInterval')
        confidence = intervals.validate_confidence(confidence)
        index = {'index': ClassIndex(classes, num_classes), 'multi_label': multi_label}

        def create(
            name,
            upper_name,
            confidence,
            eval_config=None,
            model_name='',
            output_name='',
            example_weighted=False,
            **_,
        ):
            def summarize(paired: PairedLoss):
                interval = intervals.mean_difference_interval(
                    paired.weight, paired.total, paired.total_of_squares, confidence
                )
                estimate = paired.total / paired.weight if paired.weight else math.nan
                values = {name: interval.lower, upper_name: interval.upper}
                values[f'{name}/estimate'] = estimate
                return values, [f'{paired.weight:g} examples']

            return _paired_computations(
                name,
                upper_name,
                '_paired_log_loss',
                lambda _: {'classes': classes, 'num_classes': num_classes, 'multi': multi_label},
                _PairedLossCombiner,
                index,
                summarize,
                -math.inf,
                eval_config,
                model_name,
                output_name,
                example_weighted,
            )

        metric = keys.LOG_LOSS_INCREASE
        super().__init__(
            metric_util.merge_per_key_computations(create),
            classes=classes,
            num_classes=num_classes,
            multi_label=multi_label,
            confidence=confidence,
            upper_name=upper_name or bound_name(metric, 'upper', confidence),
            name=name or bound_name(metric, 'lower', confidence),
        )
