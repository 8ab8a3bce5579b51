"""TFMA calibration metrics (definitions: ``tfx_balance.core.calibration``), and the calibration
gate of ``balanced_eval_config``. Rules: docs/balanced_model_gate.md#calibration-gate.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from typing import List, Sequence

import numpy as np
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.metrics import metric_types, metric_util

from tfx_balance.core.calibration import DEFAULT_BINS, CalibrationCounts, validate_bins
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.keys import METRICS_MODULE
from tfx_balance.core.common.python_values import python_value
from tfx_balance.metrics.computations import (
    CountsCombiner,
    counts_computation,
    derived_computations,
)
from tfx_balance.metrics.counts import ClassIndex
from tfx_balance.metrics.names import multi_label_form, validate_classes


class _CalibrationCombiner(CountsCombiner):
    SQUEEZE = False

    def create_accumulator(self) -> CalibrationCounts:
        return CalibrationCounts(self._index['bins'])

    def count(self, accumulator: CalibrationCounts, label, prediction, weight: float) -> None:
        scores = np.asarray(prediction, dtype=np.float64).reshape(-1)
        if not math.isfinite(weight) or not np.isfinite(scores).all():
            return  # the recall metrics name such examples; calibration skips them
        if self._index['multi_label']:
            accumulator.add_sigmoid(scores, np.asarray(label).reshape(-1), weight)
        else:
            accumulator.add_softmax(scores, self._index['classes'].label_id(label), weight)


def _create(
    name: str,
    derive_key: str = keys.EXPECTED_CALIBRATION_ERROR,
    classes=None,
    num_classes=None,
    multi_label: str | None = None,
    bins: int = DEFAULT_BINS,
    eval_config=None,
    model_name: str = '',
    output_name: str = '',
    example_weighted: bool = False,
) -> metric_types.MetricComputations:
    index = {'classes': ClassIndex(classes, num_classes), 'multi_label': multi_label, 'bins': bins}
    arguments = {'classes': classes, 'num_classes': num_classes, 'multi': multi_label, 'bins': bins}
    counts = counts_computation(
        '_calibration_counts',
        arguments,
        _CalibrationCombiner,
        index,
        eval_config,
        model_name,
        output_name,
        example_weighted,
    )

    def derive(values: CalibrationCounts, key_name: str) -> dict:
        return {key_name: values.log_loss() if derive_key == keys.LOG_LOSS else values.ece()}

    return derived_computations(
        counts,
        lambda values: (
            values,
            [json.dumps([[round(v, 6) for v in r] for r in values.reliability()])],
        ),
        derive,
        name,
        keys.CALIBRATION_BINS,
        'calibration_counts',
    )


class _CalibrationMetric(metric_types.Metric):
    KEY = ''

    def __init__(
        self, classes=None, num_classes=None, multi_label=None, bins=DEFAULT_BINS, name=''
    ):
        classes, num_classes = validate_classes(classes, num_classes)
        multi_label = multi_label_form(multi_label, type(self).__name__)
        bins = validate_bins(bins, type(self).__name__)
        super().__init__(
            metric_util.merge_per_key_computations(_create),
            derive_key=type(self).KEY,
            classes=classes,
            num_classes=num_classes,
            multi_label=multi_label,
            bins=bins,
            name=name or type(self).KEY,
        )


class ExpectedCalibrationError(_CalibrationMetric):
    """Expected calibration error over ``bins`` equal-width bins (and its diagram)."""

    KEY = keys.EXPECTED_CALIBRATION_ERROR


class LogLoss(_CalibrationMetric):
    """Mean negative log-likelihood of the label (binary cross-entropy per label, multi-label)."""

    KEY = keys.LOG_LOSS


# The upper bounds of CalibrationGate: each None or a finite number >= 0.
_BOUNDS = ('max_ece', 'max_log_loss', 'max_ece_increase', 'max_log_loss_increase')


@dataclasses.dataclass(frozen=True)
class CalibrationGate:
    """Upper bounds on the ECE and log loss of ``output_name`` (and on their increase over the
    baseline), for ``balanced_eval_config(calibration=...)``; recall reads ``decision_output_name``.

    ``calibration_plot=True`` also adds TFMA's ``CalibrationPlot``; single-label labels must then
    be int class ids (``num_classes=``).

    Example::

        balanced_eval_config('label', num_classes=3, baseline_model_name='baseline',
                             calibration=CalibrationGate(max_ece_increase=0.01))
    """

    max_ece: float | None = None
    max_log_loss: float | None = None
    max_ece_increase: float | None = None
    max_log_loss_increase: float | None = None
    bins: int = DEFAULT_BINS
    output_name: str = keys.PROBABILITIES
    decision_output_name: str = keys.BALANCED_PROBABILITIES
    calibration_plot: bool = False

    def __post_init__(self):
        """Checks every field (``ConfigError``); numpy scalars become Python numbers."""
        for field in dataclasses.fields(self):
            object.__setattr__(self, field.name, python_value(getattr(self, field.name)))
        for name in _BOUNDS:
            value = getattr(self, name)
            if value is None:
                continue
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value < 0:
                raise ConfigError(
                    f'CalibrationGate {name} must be a finite number >= 0 or None, got '
                    f'{value!r}; e.g. CalibrationGate({name}=0.05).'
                )
            object.__setattr__(self, name, float(value))
        object.__setattr__(self, 'bins', validate_bins(self.bins, 'CalibrationGate'))
        for name in ('output_name', 'decision_output_name'):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(
                    f'CalibrationGate {name} must be the name of a model output (a non-empty '
                    f'string), got {value!r}; e.g. {name}={getattr(CalibrationGate, name)!r}.'
                )
        if not isinstance(self.calibration_plot, bool):
            raise ConfigError(
                'CalibrationGate calibration_plot must be True or False, got '
                f'{self.calibration_plot!r}.'
            )

    def metrics_specs(
        self, specs: Sequence, args: str, has_baseline: bool, confidence: float | None = None
    ) -> List:
        """``specs`` on the decision output, plus the calibration metrics' spec. With
        ``confidence`` and a baseline, ``max_log_loss_increase`` gates the lower bound of
        ``LogLossIncreaseInterval`` (not its estimate), so noise does not refuse a candidate.
        """
        increases = self.max_ece_increase, self.max_log_loss_increase
        if not has_baseline and any(v is not None for v in increases):
            raise ConfigError(
                'max_ece_increase / max_log_loss_increase compare with a baseline model, but '
                'baseline_model_name is not set; set it or drop them.'
            )
        config = json.loads(args)
        multi = 'labels' in config or 'num_labels' in config
        config.update({'multi_label': 'multi_hot' if multi else None})
        config.pop('labels', None), config.pop('num_labels', None), config.pop('threshold', None)
        config['bins'] = self.bins

        def metric(class_name, upper, increase, arguments=config):
            out = tfma.MetricConfig(
                class_name=class_name, module=METRICS_MODULE, config=json.dumps(arguments)
            )
            if upper is not None:
                out.threshold.value_threshold.upper_bound.value = upper
            if increase is not None:
                out.threshold.change_threshold.absolute.value = increase
                out.threshold.change_threshold.direction = tfma.MetricDirection.LOWER_IS_BETTER
            return out

        for spec in specs:
            spec.output_names[:] = [self.decision_output_name]
        paired = confidence is not None and has_baseline
        calibration = tfma.MetricsSpec(
            metrics=[
                metric('ExpectedCalibrationError', self.max_ece, self.max_ece_increase),
                metric(
                    'LogLoss', self.max_log_loss, None if paired else self.max_log_loss_increase
                ),
            ],
            output_names=[self.output_name],
        )
        if paired:
            interval = {k: v for k, v in config.items() if k != 'bins'} | {'confidence': confidence}
            calibration.metrics.append(
                metric('LogLossIncreaseInterval', self.max_log_loss_increase, None, interval)
            )
        if not self.calibration_plot:
            return [*specs, calibration]
        return [*specs, calibration, self._plot_spec(config)]

    def _plot_spec(self, config: dict):
        """The spec of TFMA's ``CalibrationPlot`` (``calibration_plot=True``)."""
        names = config.get('classes')
        if names and not all(isinstance(c, int) and not isinstance(c, bool) for c in names):
            raise ConfigError(
                "calibration_plot uses TFMA's CalibrationPlot, which one-hot encodes int class "
                f'ids; the classes are named ({", ".join(map(str, names))}). Map the labels to '
                'ids (e.g. in the Transform) and give num_classes=, or drop calibration_plot.'
            )
        return tfma.MetricsSpec(
            metrics=[
                tfma.MetricConfig(
                    class_name='CalibrationPlot', config=json.dumps({'num_buckets': self.bins})
                )
            ],
            output_names=[self.output_name],
            aggregate=tfma.AggregationOptions(micro_average=True),
        )
