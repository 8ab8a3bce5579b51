"""``balanced_eval_config``: a TFMA EvalConfig that gates a model on the classes that matter.

Ordinary TFMA ``MetricThreshold``s on the ``tfx_balance.metrics`` metrics, so the Evaluator's
blessing, the Pusher and ``tfma.load_validation_result`` work unchanged::

    config = balanced_eval_config('label', num_classes=10, min_macro_recall=0.8,
                                  min_improvement=0.02, baseline_model_name='baseline')
    evaluator = tfx.components.Evaluator(examples=..., model=..., baseline_model=...,
                                         eval_config=config)

Rules and examples: docs/balanced_model_gate.md.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from typing import Sequence

import tensorflow_model_analysis as tfma

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.keys import METRICS_MODULE
from tfx_balance.core.intervals import validate_confidence
from tfx_balance.metrics.calibration import CalibrationGate
from tfx_balance.metrics.names import (
    multi_label_form,
    validate_classes,
    validate_labels,
    validate_threshold,
)

CANDIDATE_MODEL_NAME = 'candidate'  # the candidate's ModelSpec name when there is a baseline


def _fraction(name: str, value, low: float = 0.0) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= 1:
        raise ConfigError(f'{name} must be a number in [{low:g}, 1] or None, got {value!r}.')
    return float(value)


def _string(name: str, value, allow_empty: bool) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ConfigError(
            f'{name} must be a {"" if allow_empty else "non-empty "}string, got {value!r}.'
        )
    return value


def _list_of(name: str, value, kind, example: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ConfigError(f'{name} must be a list of {kind.__name__}, got {value!r}; {example}.')
    bad = [v for v in value if not isinstance(v, kind)]
    if bad:
        raise ConfigError(f'{name} must hold only {kind.__name__}, got {bad[0]!r}; {example}.')
    return list(value)


def balanced_eval_config(
    label_key: str,
    classes: Sequence[str] | None = None,
    num_classes: int | None = None,
    min_macro_recall: float | None = None,
    min_class_recall: float | None = None,
    min_improvement: float | None = None,
    baseline_model_name: str | None = None,
    slicing_specs: Sequence[tfma.SlicingSpec] | None = None,
    *,
    model_name: str | None = None,
    prediction_key: str = '',
    example_weight_key: str = '',
    signature_name: str = '',
    preprocessing_function_names: Sequence[str] = (),
    metrics: Sequence[tfma.MetricConfig] = (),
    multi_label: str | bool | None = None,
    labels: Sequence[str] | None = None,
    num_labels: int | None = None,
    threshold: float | None = None,
    min_label_recall: float | None = None,
    min_macro_f1: float | None = None,
    min_f1_improvement: float | None = None,
    calibration: CalibrationGate | None = None,
    confidence: float | None = None,
) -> tfma.EvalConfig:
    """Returns an EvalConfig computing the balanced metrics, with the requested gates as thresholds.

    With ``multi_label='multi_hot'`` it computes the multi-label metrics; gate those models on
    ``min_macro_f1`` (a model predicting every label has recall 1.0). The arguments are tabled in
    docs/balanced_model_gate.md#balanced_eval_config. Raises ``ConfigError`` naming a bad argument.

    With ``confidence`` (e.g. 0.95) the gates apply to confidence bounds instead of point
    estimates: the lower bound of macro recall, of the lowest class recall, of macro F1 and of the
    paired improvements over the baseline must clear ``min_macro_recall``, ``min_class_recall``,
    ``min_macro_f1``, ``min_improvement`` and ``min_f1_improvement``
    (docs/balanced_model_gate.md#intervals).

    Example::

        balanced_eval_config('tags', multi_label='multi_hot', num_labels=4, min_macro_f1=0.5,
                             min_label_recall=0.1)
    """
    label_key = _string('label_key', label_key, allow_empty=False)
    kind = _label_kind(multi_label)
    kind.check_not_other(
        {'classes': classes, 'num_classes': num_classes, 'min_class_recall': min_class_recall},
        {
            'labels': labels,
            'num_labels': num_labels,
            'threshold': threshold,
            'min_label_recall': min_label_recall,
            'min_macro_f1': min_macro_f1,
            'min_f1_improvement': min_f1_improvement,
        },
    )
    arguments = _metric_arguments(kind, classes, num_classes, labels, num_labels, threshold)
    min_recall = min_label_recall if kind.multi_label else min_class_recall
    gates = {
        'macro': _gates(
            kind.macro_metric,
            ('min_macro_recall', min_macro_recall),
            ('min_improvement', min_improvement),
            baseline_model_name,
        ),
        'min': _value_gate(_fraction(kind.min_recall_arg, min_recall)),
        'f1': _gates(
            'macro_label_f1',
            ('min_macro_f1', min_macro_f1),
            ('min_f1_improvement', min_f1_improvement),
            baseline_model_name,
        ),
    }
    if confidence is None:
        computed = kind.metrics(arguments, gates)
    else:
        confidence = validate_confidence(confidence)
        computed = kind.metrics(arguments, {**gates, 'macro': None, 'min': None, 'f1': None})
        computed += kind.interval_metrics(arguments, confidence, gates, bool(baseline_model_name))
    extra = _list_of(
        'metrics',
        metrics,
        tfma.MetricConfig,
        "e.g. [tfma.MetricConfig(class_name='SparseCategoricalAccuracy')]",
    )
    specs = [tfma.MetricsSpec(metrics=[*computed, *extra])]
    if calibration is not None:
        if not isinstance(calibration, CalibrationGate):
            raise ConfigError(
                f'calibration must be a CalibrationGate, got {calibration!r}; e.g. '
                'calibration=CalibrationGate(max_ece=0.05).'
            )
        specs = calibration.metrics_specs(specs, arguments, bool(baseline_model_name), confidence)
    return tfma.EvalConfig(
        model_specs=_model_specs(
            label_key,
            model_name,
            baseline_model_name,
            prediction_key=prediction_key,
            example_weight_key=example_weight_key,
            signature_name=signature_name,
            preprocessing_function_names=preprocessing_function_names,
        ),
        slicing_specs=_list_of(
            'slicing_specs', slicing_specs, tfma.SlicingSpec, 'e.g. [tfma.SlicingSpec()]'
        )
        or [tfma.SlicingSpec()],
        metrics_specs=specs,
    )


# -- which metrics: one label kind per model kind ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _LabelKind:
    """The metrics of one kind of model: (class name, gate) pairs, gate 'macro'/'min'/'f1'/None."""

    multi_label: bool
    metric_gates: tuple
    min_recall_arg: str
    macro_metric: str
    interval_gates: tuple  # the bound metrics (class name, gate) with confidence=
    improvement_metrics: tuple  # the paired improvements' bound metrics (class name, gate)

    def metrics(self, arguments: str, gates: dict) -> list:
        """The MetricConfigs of this kind, with ``arguments`` (JSON) and ``gates``."""
        return [_metric(name, arguments, gates.get(gate)) for name, gate in self.metric_gates]

    def interval_metrics(
        self, arguments: str, confidence: float, gates: dict, has_baseline: bool
    ) -> list:
        """The bound metrics at ``confidence``, the gates moved onto their lower bounds."""
        config = {**json.loads(arguments), 'confidence': confidence}
        value_gates, improvement_gates = {None: None}, {}
        for gate in ('macro', 'min', 'f1'):
            threshold = gates.get(gate)
            value_gates[gate] = improvement_gates[gate] = None
            if threshold is not None and threshold.HasField('value_threshold'):
                value_gates[gate] = tfma.MetricThreshold(value_threshold=threshold.value_threshold)
            if threshold is not None and threshold.HasField('change_threshold'):
                improvement_gates[gate] = threshold.change_threshold.absolute.value
        bounds = json.dumps(config)
        configs = [_metric(name, bounds, value_gates[gate]) for name, gate in self.interval_gates]
        for name, gate in self.improvement_metrics if has_baseline else ():
            min_improvement = improvement_gates[gate]
            paired = json.dumps({**config, 'min_improvement': min_improvement or 0.0})
            configs.append(_metric(name, paired, _value_gate(min_improvement)))
        return configs

    def check_not_other(self, single_label_args: dict, multi_label_args: dict) -> None:
        """``ConfigError`` naming an argument for the other kind of model."""
        wrong = single_label_args if self.multi_label else multi_label_args
        for name, value in wrong.items():
            if value is not None:
                raise ConfigError(
                    f'{name}={value!r} is for {"single" if self.multi_label else "multi"}-label '
                    f'models, but multi_label={"multi_hot" if self.multi_label else None!r}; '
                    + (
                        'for a multi-label model give labels=[...] or num_labels=n (and '
                        'min_label_recall instead of min_class_recall; min_macro_f1 and '
                        'min_f1_improvement gate its macro F1).'
                        if self.multi_label
                        else "set multi_label='multi_hot' for a multi-hot label with sigmoid "
                        f'scores, or drop {name}.'
                    )
                )


_SINGLE_LABEL = _LabelKind(
    False,
    (
        ('MacroRecall', 'macro'),
        ('MultiClassBalancedAccuracy', None),
        ('PerClassRecall', None),
        ('MinClassRecall', 'min'),
    ),
    'min_class_recall',
    'macro_recall',
    (
        ('MacroRecallInterval', 'macro'),
        ('MultiClassBalancedAccuracyInterval', None),
        ('PerClassRecallInterval', None),
        ('MinClassRecallInterval', 'min'),
    ),
    (('MacroRecallImprovementInterval', 'macro'),),
)
_MULTI_LABEL = _LabelKind(
    True,
    (
        ('MacroLabelRecall', 'macro'),
        ('MacroLabelF1', 'f1'),
        ('PerLabelRecall', None),
        ('PerLabelPrecision', None),
        ('PerLabelF1', None),
        ('MinLabelRecall', 'min'),
    ),
    'min_label_recall',
    'macro_label_recall',
    (
        ('MacroLabelRecallInterval', 'macro'),
        ('MacroLabelF1Interval', 'f1'),
        ('PerLabelRecallInterval', None),
        ('MinLabelRecallInterval', 'min'),
    ),
    (
        ('MacroLabelRecallImprovementInterval', 'macro'),
        ('MacroLabelF1ImprovementInterval', 'f1'),
    ),
)
# multi_label (the components' spelling) -> the kind of model; 'ids' is refused in _label_kind.
_LABEL_KINDS = {None: _SINGLE_LABEL, 'multi_hot': _MULTI_LABEL}


def _label_kind(multi_label) -> _LabelKind:
    return _LABEL_KINDS[multi_label_form(multi_label, 'balanced_eval_config')]


def _metric_arguments(kind, classes, num_classes, labels, num_labels, threshold) -> str:
    """The metrics' config (JSON), checked; None values left out."""
    classes, num_classes = validate_classes(classes, num_classes)
    labels, num_labels = validate_labels(labels, num_labels)
    threshold = validate_threshold(threshold)
    if kind.multi_label:
        arguments = {'labels': labels, 'num_labels': num_labels, 'threshold': threshold}
    else:
        arguments = {'classes': classes, 'num_classes': num_classes}
    return json.dumps({k: v for k, v in arguments.items() if v is not None})


# -- which thresholds ----------------------------------------------------------------------------


def _metric(class_name: str, config: str, gate) -> tfma.MetricConfig:
    metric = tfma.MetricConfig(class_name=class_name, module=METRICS_MODULE, config=config)
    if gate is not None:
        metric.threshold.CopyFrom(gate)
    return metric


def _value_gate(lower_bound: float | None) -> tfma.MetricThreshold | None:
    if lower_bound is None:
        return None
    gate = tfma.MetricThreshold()
    gate.value_threshold.lower_bound.value = lower_bound
    return gate


def _gates(metric: str, minimum, improvement, baseline_model_name) -> tfma.MetricThreshold | None:
    """The gate of ``metric``: a value threshold, and a change threshold over the baseline."""
    (min_arg, min_value), (improvement_arg, min_improvement) = minimum, improvement
    min_improvement = _fraction(improvement_arg, min_improvement, low=-1.0)
    if min_improvement is not None and baseline_model_name is None:
        raise ConfigError(
            f'{improvement_arg}={min_improvement:g} (a gate on {metric}) compares with a '
            'baseline model, but baseline_model_name is not set; set it (and give the Evaluator '
            'a baseline_model), '
            f'or drop {improvement_arg}.'
        )
    gate = _value_gate(_fraction(min_arg, min_value))
    if min_improvement is not None:
        gate = gate or tfma.MetricThreshold()
        gate.change_threshold.absolute.value = min_improvement
        gate.change_threshold.direction = tfma.MetricDirection.HIGHER_IS_BETTER
    return gate


# -- the model specs -----------------------------------------------------------------------------


def _model_specs(label_key, model_name, baseline_model_name, **fields) -> list:
    """The candidate's ModelSpec, and the baseline's (``is_baseline``) when named."""
    if baseline_model_name is not None:
        _string('baseline_model_name', baseline_model_name, allow_empty=False)
    if model_name is None:
        model_name = CANDIDATE_MODEL_NAME if baseline_model_name else ''
    _string('model_name', model_name, allow_empty=baseline_model_name is None)
    if model_name == baseline_model_name:
        raise ConfigError(
            f'model_name and baseline_model_name are both {model_name!r}; they name two '
            'different ModelSpecs, so give them different names.'
        )
    for arg in ('prediction_key', 'example_weight_key', 'signature_name'):
        _string(arg, fields[arg], allow_empty=True)
    fields['preprocessing_function_names'] = _list_of(
        'preprocessing_function_names',
        fields['preprocessing_function_names'],
        str,
        "e.g. ['transform_features']",
    )
    specs = [tfma.ModelSpec(name=model_name, label_key=label_key, **fields)]
    if baseline_model_name:
        specs.append(
            tfma.ModelSpec(
                name=baseline_model_name, label_key=label_key, is_baseline=True, **fields
            )
        )
    return specs
