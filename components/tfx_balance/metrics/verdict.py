"""The Evaluator's gate verdict, read back from its outputs: blessed or not, and each threshold of
its EvalConfig with the candidate model's value.

Example::

    verdict = gate_verdict(evaluator.outputs['evaluation'].get()[0].uri,
                           evaluator.outputs['blessing'].get()[0].uri)
    verdict['blessed'], [(c['metric'], c['rule'], c['passed']) for c in verdict['checks']]
"""

from __future__ import annotations

import os

# What a change threshold's rule calls a baseline without a name.
BASELINE = 'baseline'


def gate_verdict(evaluation_uri: str, blessing_uri: str | None = None) -> dict:
    """``{'model', 'blessed', 'validation_ok', 'checks': [...]}`` of an Evaluator output
    (``blessed``: its blessing's ``BLESSED`` file, else the validation result)."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.metrics import metric_specs

    validation = tfma.load_validation_result(evaluation_uri)
    config = _eval_config(evaluation_uri)
    candidates = [s.name for s in config.model_specs if not s.is_baseline] or ['']
    baselines = [s.name for s in config.model_specs if s.is_baseline]
    model, baseline = candidates[0], (baselines[0] if baselines else '') or BASELINE
    failed = {
        (f.metric_key.name, f.metric_key.is_diff)
        for per_slice in validation.metric_validations_per_slice
        for f in per_slice.failures
    }
    values = overall_metrics(evaluation_uri)

    def check(name: str, rule: str, is_diff: bool) -> dict:
        value = values.get((model, is_diff, name))
        return {
            'metric': name,
            'rule': rule,
            'value': value,
            'passed': (name, is_diff) not in failed,
        }

    checks = []
    for spec in config.metrics_specs:
        for metric in spec.metrics:
            if not metric.HasField('threshold'):
                continue
            name = metric_specs.metric_instance(metric).name
            threshold = metric.threshold
            if threshold.HasField('value_threshold'):
                value = threshold.value_threshold
                upper = value.HasField('upper_bound')
                bound = value.upper_bound.value if upper else value.lower_bound.value
                checks.append(check(name, f'{"<=" if upper else ">="} {bound:g}', False))
            if threshold.HasField('change_threshold'):
                gain = threshold.change_threshold.absolute.value
                lower = threshold.change_threshold.direction == tfma.MetricDirection.LOWER_IS_BETTER
                rule = f'- {baseline} {"<=" if lower else ">="} {gain:+g}'
                checks.append(check(name, rule, True))
    if blessing_uri is not None:
        blessed = os.path.exists(os.path.join(blessing_uri, 'BLESSED'))
    else:
        blessed = bool(validation.validation_ok)
    return {
        'model': model,
        'blessed': blessed,
        'validation_ok': bool(validation.validation_ok),
        'checks': checks,
    }


def overall_metrics(evaluation_uri: str) -> dict:
    """``{(model name, is_diff, metric name): value}`` of the whole evaluated split (the overall
    slice) of an Evaluator output, numbers only."""
    import tensorflow_model_analysis as tfma

    values = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.metric_keys_and_values:
            if entry.value.WhichOneof('type') == 'double_value':
                key = (entry.key.model_name, entry.key.is_diff, entry.key.name)
                values[key] = entry.value.double_value.value
    return values


def _eval_config(evaluation_uri: str):
    """The EvalConfig the Evaluator ran with (its ``eval_config.json``)."""
    from tensorflow_model_analysis.writers import eval_config_writer

    return eval_config_writer.load_eval_run(evaluation_uri)[0]
