"""The overall slice's metrics of the k fold evaluations, and the thresholds of their EvalConfig."""

from __future__ import annotations

import dataclasses
from typing import Dict

from tfx_balance.core.common.errors import ConfigError, DataError


@dataclasses.dataclass(frozen=True)
class FoldMetrics:
    """One fold's evaluation: the model names and the overall slice's numeric metrics."""

    candidate_name: str
    baseline_name: str | None
    candidate: Dict[str, float]
    baseline: Dict[str, float]
    differences: Dict[str, float]  # candidate - baseline (TFMA's diff metrics)
    eval_config: object  # tfma.EvalConfig


def metric_name(key) -> str:
    """The display name of a TFMA ``MetricKey`` (with its output, sub key and weighting)."""
    from google.protobuf import text_format

    name = f'{key.output_name}/{key.name}' if key.output_name else key.name
    if key.HasField('sub_key'):
        name += '@' + text_format.MessageToString(key.sub_key, as_one_line=True).replace(' ', '')
    if key.HasField('aggregation_type'):
        name += '@' + text_format.MessageToString(key.aggregation_type, as_one_line=True)
    if key.HasField('example_weighted') and key.example_weighted.value:
        name += ' (weighted)'
    return name


def _model_names(eval_config, uri: str, fold: str):
    candidates = [s.name for s in eval_config.model_specs if not s.is_baseline]
    baselines = [s.name for s in eval_config.model_specs if s.is_baseline]
    if len(candidates) != 1 or len(baselines) > 1:
        raise DataError(
            f'the evaluation of {fold} ({uri}) has {len(candidates)} candidate and '
            f'{len(baselines)} baseline ModelSpec(s); expected one candidate model and at most '
            'one baseline (is_baseline=True). Evaluate one model per fold Evaluator.'
        )
    return candidates[0], (baselines[0] if baselines else None)


def read_fold(uri: str, fold: str) -> FoldMetrics:
    """The overall slice's metrics of the TFMA output at ``uri``; ``DataError`` if it holds none."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.writers import eval_config_writer

    eval_config = eval_config_writer.load_eval_run(uri)[0]
    if eval_config is None:
        raise DataError(
            f'the evaluation of {fold} ({uri}) holds no TFMA eval_config.json; pass the '
            "outputs['evaluation'] of the Evaluator that evaluated this fold."
        )
    candidate_name, baseline_name = _model_names(eval_config, uri, fold)
    out = FoldMetrics(candidate_name, baseline_name, {}, {}, {}, eval_config)
    for per_slice in tfma.load_metrics(uri):
        if per_slice.slice_key.single_slice_keys or per_slice.HasField('cross_slice_key'):
            continue
        for entry in per_slice.metric_keys_and_values:
            kind = entry.value.WhichOneof('type')
            if kind == 'double_value':
                value = entry.value.double_value.value
            elif kind == 'bounded_value':
                value = entry.value.bounded_value.value.value
            else:
                continue  # text, arrays, confusion matrices: not averaged
            key = entry.key
            if key.is_diff:
                target = out.differences
            elif key.model_name == baseline_name and baseline_name is not None:
                target = out.baseline
            else:
                target = out.candidate
            target[metric_name(key)] = value
    return out


def _threshold_kinds(name: str, threshold) -> Dict[str, float]:
    """``{kind: bound}`` of a TFMA ``MetricThreshold``."""
    from tensorflow_model_analysis.proto import config_pb2

    out = {}
    if threshold.HasField('value_threshold'):
        value = threshold.value_threshold
        if value.HasField('lower_bound'):
            out['lower_bound'] = value.lower_bound.value
        if value.HasField('upper_bound'):
            out['upper_bound'] = value.upper_bound.value
    if threshold.HasField('change_threshold'):
        change = threshold.change_threshold
        if change.HasField('relative'):
            raise ConfigError(
                f"the EvalConfig's threshold on {name!r} has a relative change threshold, which "
                'the cross-validation gate does not apply; pass thresholds={...} with '
                "'min_change'/'max_change' (absolute candidate - baseline) instead."
            )
        if change.HasField('absolute'):
            higher = change.direction == config_pb2.MetricDirection.HIGHER_IS_BETTER
            out['min_change' if higher else 'max_change'] = change.absolute.value
    return out


def eval_config_thresholds(eval_config) -> Dict[str, Dict[str, float]]:
    """``{metric: {kind: bound}}`` from an EvalConfig's overall-slice thresholds (the default gate)."""
    from tensorflow_model_analysis.metrics import metric_specs

    found = {}
    for spec in eval_config.metrics_specs:
        named = [(metric_specs.metric_instance(m).name, m) for m in spec.metrics]
        sliced = [n for n, m in named if m.per_slice_thresholds or m.cross_slice_thresholds]
        if sliced or spec.per_slice_thresholds or spec.cross_slice_thresholds:
            raise ConfigError(
                f'the EvalConfig has per-slice or cross-slice thresholds ({sliced or "spec"}); '
                'the cross-validation gate reads the overall slice only: use plain '
                'MetricConfig.threshold, or pass thresholds={...}.'
            )
        pairs = [(n, m.threshold) for n, m in named if m.HasField('threshold')]
        pairs += list(spec.thresholds.items())
        for name, threshold in pairs:
            names = [f'{o}/{name}' for o in spec.output_names] or [name]
            for full in names:
                found.setdefault(full, {}).update(_threshold_kinds(full, threshold))
    return found


def folds_thresholds(per_fold, folds) -> Dict[str, Dict[str, float]]:
    """The thresholds of the folds' EvalConfigs, which must be the same in every fold."""
    found = [eval_config_thresholds(f.eval_config) for f in per_fold]
    for fold, other in zip(folds[1:], found[1:]):
        if other != found[0]:
            names = sorted(m for m in set(found[0]) | set(other) if found[0].get(m) != other.get(m))
            shown = '; '.join(
                f'{m}: {folds[0]} {found[0].get(m, {})}, {fold} {other.get(m, {})}' for m in names
            )
            raise DataError(
                f"the folds' EvalConfigs gate differently ({shown}); the cross-validation gate "
                'applies one set of thresholds to the estimate over all folds. Give every fold '
                'Evaluator the same EvalConfig, or pass thresholds={...} to '
                'CrossValidationAggregate.'
            )
    return found[0]
