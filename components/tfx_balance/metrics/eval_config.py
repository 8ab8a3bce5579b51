"""``balanced_eval_config``: a TFMA EvalConfig that gates a model on the classes that matter.

It computes the four ``tfx_balance.metrics`` metrics (five multi-label ones with
``multi_label=True``) and puts ordinary TFMA ``MetricThreshold``s on them, so the Evaluator's
blessing, the Pusher and ``tfma.load_validation_result`` work unchanged::

    from tfx_balance import balanced_eval_config
    config = balanced_eval_config('label', num_classes=10, min_macro_recall=0.8,
                                  min_improvement=0.02, baseline_model_name='baseline')
    tags = balanced_eval_config('tags', multi_label=True, labels=['cat', 'dog', 'owl'],
                                min_macro_recall=0.6, min_label_recall=0.3)
    evaluator = tfx.components.Evaluator(examples=..., model=..., baseline_model=...,
                                         eval_config=config)

Rules and examples: docs/balanced_model_gate.md.
"""

from __future__ import annotations

import json
import numbers
from typing import Sequence

import tensorflow_model_analysis as tfma

from tfx_balance.core.errors import ConfigError
from tfx_balance.keys import METRICS_MODULE
from tfx_balance.metrics.calibration import CalibrationGate
from tfx_balance.metrics.names import validate_classes, validate_labels, validate_threshold

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
    multi_label: bool = False,
    labels: Sequence[str] | None = None,
    num_labels: int | None = None,
    threshold: float | None = None,
    min_label_recall: float | None = None,
    calibration: CalibrationGate | None = None,
) -> tfma.EvalConfig:
    """Returns an EvalConfig computing ``macro_recall``, ``balanced_accuracy``,
    ``recall/<class>`` and ``min_class_recall``, with the requested gates as thresholds.

    With ``multi_label=True`` (a multi-hot label and sigmoid scores per example) it computes
    ``macro_label_recall``, ``macro_label_f1``, ``recall/<label>``, ``precision/<label>`` and
    ``min_label_recall`` instead; ``min_macro_recall`` and ``min_improvement`` then gate
    ``macro_label_recall``, and ``min_label_recall`` gates ``min_label_recall``.

    Args:
      label_key: the label feature (int class ids, or class names listed in ``classes``).
      classes: class names in the order of the model's scores (needed for string labels).
      num_classes: number of classes for int labels 0 .. n-1 (instead of ``classes``).
      min_macro_recall: bless only if ``macro_recall`` >= this (value threshold).
      min_class_recall: bless only if every class present has recall >= this
        (a value threshold on ``min_class_recall``).
      min_improvement: bless only if ``macro_recall`` beats the baseline model's by at least this
        (a change threshold; 0 means "no worse"; needs ``baseline_model_name``).
      baseline_model_name: name of the baseline's ModelSpec (``is_baseline=True``): the model
        passed to TFX's Evaluator as ``baseline_model``.
      slicing_specs: slices to compute (default: the whole data set). Thresholds apply to every
        slice computed.
      model_name: the candidate's ModelSpec name (default ``'candidate'`` with a baseline, else
        ``''``).
      prediction_key: the key of the scores (or predicted class) in the model's output dict, or
        the feature holding them when the examples already carry predictions (no model).
      example_weight_key: feature holding example weights (default: unweighted).
      signature_name: model signature TFMA calls (default: TFMA's choice).
      preprocessing_function_names: model signatures that turn raw examples into features
        and labels (e.g. ``['transform_features']``).
      metrics: further ``tfma.MetricConfig``s to compute alongside (e.g. accuracy, to compare).
      multi_label: True for a multi-label model (not with ``classes``, ``num_classes``,
        ``min_class_recall``).
      labels: multi-label only: label names in the order of the multi-hot vector and scores.
      num_labels: multi-label only: number of labels (names '0' .. 'n-1') instead of ``labels``.
      threshold: multi-label only: label i is predicted where score i >= threshold (default 0.5).
      min_label_recall: multi-label only: bless only if every label with positive examples has
        recall >= this (a value threshold on ``min_label_recall``).
      calibration: a :class:`~tfx_balance.metrics.calibration.CalibrationGate`: the recall
        metrics read the model's ``balanced_probabilities`` output, and ECE and log loss of its
        ``probabilities`` output are computed and gated (upper bounds, increase over baseline).

    Raises:
      ConfigError: an argument is invalid (the message names it).
    """
    label_key = _string('label_key', label_key, allow_empty=False)
    _check_label_kind(
        multi_label,
        {'classes': classes, 'num_classes': num_classes, 'min_class_recall': min_class_recall},
        {
            'labels': labels,
            'num_labels': num_labels,
            'threshold': threshold,
            'min_label_recall': min_label_recall,
        },
    )
    classes, num_classes = validate_classes(classes, num_classes)
    labels, num_labels = validate_labels(labels, num_labels)
    threshold = validate_threshold(threshold)
    min_macro_recall = _fraction('min_macro_recall', min_macro_recall)
    min_class_recall = _fraction('min_class_recall', min_class_recall)
    min_label_recall = _fraction('min_label_recall', min_label_recall)
    min_improvement = _fraction('min_improvement', min_improvement, low=-1.0)
    if baseline_model_name is not None:
        _string('baseline_model_name', baseline_model_name, allow_empty=False)
    if min_improvement is not None and baseline_model_name is None:
        raise ConfigError(
            f'min_improvement={min_improvement:g} compares with a baseline model, but '
            'baseline_model_name is not set; set it (and give the Evaluator a baseline_model), '
            'or drop min_improvement.'
        )
    if model_name is None:
        model_name = CANDIDATE_MODEL_NAME if baseline_model_name else ''
    _string('model_name', model_name, allow_empty=baseline_model_name is None)
    if model_name == baseline_model_name:
        raise ConfigError(
            f'model_name and baseline_model_name are both {model_name!r}; they name two '
            'different ModelSpecs, so give them different names.'
        )
    for arg, value in [
        ('prediction_key', prediction_key),
        ('example_weight_key', example_weight_key),
        ('signature_name', signature_name),
    ]:
        _string(arg, value, allow_empty=True)
    functions = _list_of(
        'preprocessing_function_names',
        preprocessing_function_names,
        str,
        "e.g. ['transform_features']",
    )
    slices = _list_of(
        'slicing_specs', slicing_specs, tfma.SlicingSpec, 'e.g. [tfma.SlicingSpec()]'
    ) or [tfma.SlicingSpec()]
    extra = _list_of(
        'metrics',
        metrics,
        tfma.MetricConfig,
        "e.g. [tfma.MetricConfig(class_name='SparseCategoricalAccuracy')]",
    )

    def model_spec(name, **kwargs):
        return tfma.ModelSpec(
            name=name,
            label_key=label_key,
            prediction_key=prediction_key,
            example_weight_key=example_weight_key,
            signature_name=signature_name,
            preprocessing_function_names=functions,
            **kwargs,
        )

    model_specs = [model_spec(model_name)]
    if baseline_model_name:
        model_specs.append(model_spec(baseline_model_name, is_baseline=True))

    if multi_label:
        args = {'labels': labels, 'num_labels': num_labels, 'threshold': threshold}
    else:
        args = {'classes': classes, 'num_classes': num_classes}
    args = json.dumps({k: v for k, v in args.items() if v is not None})

    def metric(class_name, gate=None):
        config = tfma.MetricConfig(class_name=class_name, module=METRICS_MODULE, config=args)
        if gate is not None:
            config.threshold.CopyFrom(gate)
        return config

    macro_threshold = None
    if min_macro_recall is not None or min_improvement is not None:
        macro_threshold = tfma.MetricThreshold()
        if min_macro_recall is not None:
            macro_threshold.value_threshold.lower_bound.value = min_macro_recall
        if min_improvement is not None:
            macro_threshold.change_threshold.absolute.value = min_improvement
            macro_threshold.change_threshold.direction = tfma.MetricDirection.HIGHER_IS_BETTER
    min_recall = min_label_recall if multi_label else min_class_recall
    min_threshold = None
    if min_recall is not None:
        min_threshold = tfma.MetricThreshold()
        min_threshold.value_threshold.lower_bound.value = min_recall
    if multi_label:
        computed = [
            metric('MacroLabelRecall', macro_threshold),
            metric('MacroLabelF1'),
            metric('PerLabelRecall'),
            metric('PerLabelPrecision'),
            metric('MinLabelRecall', min_threshold),
        ]
    else:
        computed = [
            metric('MacroRecall', macro_threshold),
            metric('MultiClassBalancedAccuracy'),
            metric('PerClassRecall'),
            metric('MinClassRecall', min_threshold),
        ]
    specs = [tfma.MetricsSpec(metrics=[*computed, *extra])]
    if calibration is not None:
        specs = calibration.metrics_specs(specs, args, bool(baseline_model_name))
    return tfma.EvalConfig(model_specs=model_specs, slicing_specs=slices, metrics_specs=specs)


def _check_label_kind(multi_label, single_label_args: dict, multi_label_args: dict) -> None:
    """``ConfigError`` naming an argument of the other kind of model than ``multi_label``."""
    if not isinstance(multi_label, bool):
        raise ConfigError(f'multi_label must be True or False, got {multi_label!r}.')
    wrong = single_label_args if multi_label else multi_label_args
    for name, value in wrong.items():
        if value is not None:
            raise ConfigError(
                f'{name}={value!r} is for {"single" if multi_label else "multi"}-label models, '
                f'but multi_label={multi_label}; '
                + (
                    'for a multi-label model give labels=[...] or num_labels=n (and '
                    'min_label_recall instead of min_class_recall).'
                    if multi_label
                    else 'set multi_label=True for a multi-hot label with sigmoid scores, or '
                    f'drop {name}.'
                )
            )
