"""Collects what a sample-pipeline run shows: class counts per stage, the validators' verdicts,
per-class recall and accuracy of both models and the model gate's verdict (from the Evaluator's
TFMA output), from the run's artifacts. Multi-label runs (``collect(..., multi_label=True)``)
show labels instead of classes, the rarest label first, and per label precision, recall and F1
with macro recall and macro F1 over the labels (the gate is on macro F1)."""

from __future__ import annotations

import glob
import json
import os

from pipelines.common.calibration_report import calibration_lines, calibration_of
from pipelines.common.report import render_report, score_table, unit
from tfx_balance.core.common import keys
from tfx_balance.core.pictures.charts import fragment_of
from tfx_balance.core.split.report import counts_of

# ModelSpec names of the two models the Evaluator compares (pipelines/common/pipeline.py).
BALANCED_MODEL = 'balanced'
BASELINE_MODEL = 'baseline'
MODELS = (BALANCED_MODEL, BASELINE_MODEL)
# The accuracy threshold the samples gated on before the macro-recall gate.
ACCURACY_GATE = 0.5


def latest_artifact_dir(pipeline_root: str, component_id: str, output_key: str) -> str | None:
    dirs = glob.glob(os.path.join(pipeline_root, component_id, output_key, '*'))
    dirs = [d for d in dirs if os.path.basename(d).isdigit()]
    return max(dirs, key=lambda d: int(os.path.basename(d))) if dirs else None


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def stage_counts(pipeline_root: str) -> tuple:
    """``(classes, {stage: {class: count}})`` from the splitter and augmenter JSON files; for a
    multi-label split, labels (examples carrying each), the rarest (fewest examples) first."""
    split_dir = latest_artifact_dir(pipeline_root, 'StratifiedSplitter', 'examples')
    report = _read_json(os.path.join(split_dir, keys.SPLIT_COUNTS_FILE))
    if 'multi_label' in report:
        per_class = {
            label: {split: row['count'] for split, row in per_split.items()}
            for label, per_split in report['labels'].items()
        }
        per_class = dict(sorted(per_class.items(), key=lambda item: sum(item[1].values())))
    else:
        per_class = counts_of(report)
    classes = list(per_class)
    splits = list(next(iter(per_class.values())))
    stages = {'input': {c: sum(per_class[c].values()) for c in classes}}
    for split in splits:
        stages[split] = {c: per_class[c][split] for c in classes}
    aug_dir = latest_artifact_dir(pipeline_root, 'BalancedAugmenter', 'examples')
    if aug_dir:
        plan = _read_json(os.path.join(aug_dir, keys.REBALANCE_PLAN_FILE))
        for split, entries in augmented_counts(plan).items():
            stages[f'{split} (augmented)'] = entries
    input_dir = latest_artifact_dir(pipeline_root, 'BalancedInputGen', 'examples')
    if 'multi_label' in report and input_dir:
        plan = _read_json(os.path.join(input_dir, keys.BALANCE_PLAN_FILE))
        for split, entries in balanced_stream_counts(plan).items():
            stages[f'{split} (balanced input)'] = entries
    return classes, stages


def balanced_stream_counts(plan: dict) -> dict:
    """``{split: {label: examples carrying it in an epoch of the balanced stream}}`` (expected,
    rounded) from a multi-label BalancedInputGen plan JSON."""
    streams = {}
    for split, entry in plan.get('splits', {}).items():
        multi_label = entry.get('multi_label')
        if multi_label:
            draws = multi_label['epoch_draws']
            streams[split] = {
                row['label']: int(round(row['expected_frequency'] * draws))
                for row in multi_label['labels']
            }
    return streams


def augmented_counts(plan: dict) -> dict:
    """``{split: {class: output count}}`` from BalancedAugmenter's plan JSON."""
    return {
        split: {name: int(row['output']) for name, row in per_class.items()}
        for split, per_class in plan.get('splits', {}).items()
    }


def component_pictures(pipeline_root: str) -> dict:
    """``{component id: its picture}`` (an HTML fragment): the newest ``html_report`` of every
    component that has one, in the order they ran."""
    found = []
    for output in glob.glob(os.path.join(pipeline_root, '*', keys.HTML_REPORT_KEY)):
        newest = latest_artifact_dir(os.path.dirname(output), '', keys.HTML_REPORT_KEY)
        # The URI is the file (Kubeflow), or LocalDagRunner's folder holding it
        files = [newest] if newest and os.path.isfile(newest) else glob.glob(f'{newest}/*')
        if files:
            with open(files[0]) as f:
                page = f.read()
            found.append(
                (int(os.path.basename(newest)), os.path.basename(os.path.dirname(output)), page)
            )
    return {component: fragment_of(page) for _, component, page in sorted(found)}


def validator_verdicts(pipeline_root: str, component_ids) -> list:
    verdicts = []
    for component_id in component_ids:
        out = latest_artifact_dir(pipeline_root, component_id, 'anomalies')
        if out is None:
            continue
        report = _read_json(os.path.join(out, keys.CLASS_DISTRIBUTION_JSON_FILE))
        findings = [f.get('description', str(f)) for f in report.get('findings', [])]
        verdicts.append(
            {
                'name': component_id,
                'passed': bool(report['passed']),
                'findings': findings,
                # Not violations: e.g. a class with fewer examples than splits, absent where the
                # splitter's rule puts none of it (docs/class_distribution_validator.md).
                'notes': [n['description'] for n in report.get('notes', [])],
            }
        )
    return verdicts


def evaluation_metrics(pipeline_root: str) -> dict:
    """``{(model name, is_diff, metric name): value}`` of the whole test split, from the
    Evaluator's TFMA output (numbers only)."""
    from tfx_balance.metrics.verdict import overall_metrics  # imports TFMA: not at module level

    return overall_metrics(latest_artifact_dir(pipeline_root, 'Evaluator', 'evaluation'))


def recall_per_class(
    metrics: dict, classes, model_names=MODELS, prefix: str = keys.PER_CLASS_RECALL
) -> dict:
    """``{model: {class: recall}}`` from the Evaluator's ``recall/<class>`` metrics (argmax
    predictions); classes without test examples have none. With ``prefix`` another per-class
    (per-label) metric, e.g. ``'precision'`` or ``'f1'`` (``precision/<label>``, ``f1/<label>``)."""
    return {
        model: {
            c: metrics[(model, False, f'{prefix}/{c}')]
            for c in classes
            if (model, False, f'{prefix}/{c}') in metrics
        }
        for model in model_names
    }


def gate_verdict(pipeline_root: str) -> dict:
    """The Evaluator's gate on the balanced model: ``{'blessed': bool, 'validation_ok': bool,
    'checks': [{'metric', 'rule', 'value', 'passed'}]}`` (``tfx_balance.metrics.verdict``, which
    draws it beside the components' pictures in users' pipelines too)."""
    from tfx_balance.metrics.verdict import gate_verdict as read_verdict  # imports TFMA

    verdict = read_verdict(
        latest_artifact_dir(pipeline_root, 'Evaluator', 'evaluation'),
        latest_artifact_dir(pipeline_root, 'Evaluator', 'blessing'),
    )
    return {key: verdict[key] for key in ('blessed', 'validation_ok', 'checks')}


def interval_summary(
    pipeline_root: str, metrics: dict, classes, macro: str, name: str = 'macro recall'
) -> dict | None:
    """The confidence bounds the Evaluator computed (``balanced_eval_config(confidence=...)``):
    ``{'confidence': '95', 'name': name, 'recall': {model: {class: [low, high]}}, 'macro_recall':
    {model: [low, high]}, 'improvement': {'lower', 'upper', 'estimate',
    'examples_per_class_needed', 'verdict'}}``, 'macro_recall' and 'improvement' of the gated
    metric ``macro`` (its ``name`` in the summary's words); None when it computed none."""
    import re

    import tensorflow_model_analysis as tfma

    found = [re.fullmatch(f'{macro}_lower_(.+)', name) for (_, _, name) in metrics]
    suffixes = sorted({m.group(1) for m in found if m})
    if not suffixes:
        return None
    suffix = suffixes[0]

    def bounds(model, name, tail=''):
        key = [(model, False, f'{name}_{bound}_{suffix}{tail}') for bound in ('lower', 'upper')]
        return [metrics[k] for k in key] if all(k in metrics for k in key) else None

    out = {
        'confidence': suffix,
        'name': name,
        'recall': {
            m: {
                c: bounds(m, f'{keys.PER_CLASS_RECALL}', f'/{c}')
                for c in classes
                if bounds(m, f'{keys.PER_CLASS_RECALL}', f'/{c}')
            }
            for m in MODELS
        },
        'macro_recall': {m: bounds(m, macro) for m in MODELS},
    }
    lower = f'{macro}_improvement_lower_{suffix}'
    if (BALANCED_MODEL, False, lower) in metrics:
        out_dir = latest_artifact_dir(pipeline_root, 'Evaluator', 'evaluation')
        verdict = ''
        for per_slice in tfma.load_metrics(out_dir):
            for entry in per_slice.metric_keys_and_values:
                if not per_slice.slice_key.single_slice_keys and entry.key.name == (
                    f'{lower}/{keys.VERDICT}'
                ):
                    verdict = entry.value.bytes_value.decode()
        out['improvement'] = {
            'lower': metrics[(BALANCED_MODEL, False, lower)],
            'upper': metrics[(BALANCED_MODEL, False, f'{macro}_improvement_upper_{suffix}')],
            'estimate': metrics.get((BALANCED_MODEL, False, f'{lower}/estimate')),
            'examples_per_class_needed': metrics.get(
                (BALANCED_MODEL, False, f'{lower}/{keys.EXAMPLES_PER_CLASS_NEEDED}')
            ),
            'verdict': verdict,
        }
    return out


def interval_lines(summary: dict) -> list:
    """The improvement's interval and what it says, as text lines (console and HTML report)."""
    intervals = summary.get('intervals') or {}
    lines = []
    macro = {m: b for m, b in (intervals.get('macro_recall') or {}).items() if b}
    if macro:
        shown = '; '.join(f'{m} [{low:.3f}, {high:.3f}]' for m, (low, high) in macro.items())
        name = intervals.get('name', 'macro recall')
        lines.append(f'  {name}, {intervals["confidence"]}% intervals: {shown}')
    improvement = intervals.get('improvement')
    if improvement:
        lines.append(
            f'  paired improvement {improvement["estimate"]:+.3f}, {intervals["confidence"]}% '
            f'interval [{improvement["lower"]:+.3f}, {improvement["upper"]:+.3f}]: '
            f'{improvement["verdict"]}'
        )
    return lines


def largest_recall_gain(recall: dict) -> str | None:
    """The class whose recall (to 3 decimals, as printed) the balanced model raises most above
    the baseline's (ties: the class listed first), or None when it raises none: a class both
    models recall equally shows nothing about them."""
    balanced, baseline = recall[BALANCED_MODEL], recall[BASELINE_MODEL]
    gains = [(round(balanced[c], 3) - round(baseline[c], 3), c) for c in balanced if c in baseline]
    best = max(gains, key=lambda gain: gain[0], default=None)  # max keeps the first of ties
    return best[1] if best is not None and best[0] > 0.0005 else None


def accuracy_verdict(summary: dict) -> str:
    """Why accuracy alone would have shipped the wrong model, from the run's numbers: the
    baseline's accuracy next to its recall of the class the balanced model recalls best above it
    (none when no class's recall differs that way) and its macro recall."""
    accuracy, recall, macro = summary['accuracy'], summary['recall'], summary['macro_recall']
    base, bal = BASELINE_MODEL, BALANCED_MODEL
    gained = largest_recall_gain(recall)
    per_class = ''
    if gained is not None:
        per_class = (
            f"its recall of class '{gained}' is {recall[base][gained]:.3f} "
            f'(balanced: {recall[bal][gained]:.3f}) and '
        )
    per_class += f'its macro recall {macro[base]:.3f} (balanced: {macro[bal]:.3f})'
    if round(macro[bal], 3) <= round(macro[base], 3):
        better = (
            f"; the balanced model recalls class '{gained}' better "
            f'({recall[bal][gained]:.3f} vs {recall[base][gained]:.3f})'
            if gained is not None
            else ''
        )
        return (
            f'Macro recall does not favour the balanced model here: {macro[bal]:.3f} vs the '
            f"baseline's {macro[base]:.3f} (accuracy {accuracy[bal]:.3f} vs "
            f'{accuracy[base]:.3f}){better}.'
        )
    if accuracy[base] >= accuracy[bal]:
        return (
            f'Accuracy alone would have shipped the wrong model: the baseline scores '
            f'{accuracy[base]:.3f}, the balanced model {accuracy[bal]:.3f}, yet {per_class}.'
        )
    if accuracy[base] >= ACCURACY_GATE:
        return (
            f'Accuracy alone would have blessed the baseline too: it scores {accuracy[base]:.3f} '
            f'(>= {ACCURACY_GATE:g}, the accuracy gate these samples used to have; balanced: '
            f'{accuracy[bal]:.3f}), yet {per_class}.'
        )
    return (
        f'Accuracy separates the models by {accuracy[bal] - accuracy[base]:+.3f} '
        f'({accuracy[bal]:.3f} vs {accuracy[base]:.3f}); per class, {per_class}.'
    )


def collect(
    pipeline_root: str,
    title: str,
    description: str,
    label_feature: str,
    multi_label: bool = False,
) -> dict:
    """The run's summary; ``multi_label``: per label (rarest first) precision, recall and F1,
    macro F1 beside macro recall, no accuracy."""
    classes, stages = stage_counts(pipeline_root)
    metrics = evaluation_metrics(pipeline_root)
    macro = keys.MACRO_LABEL_RECALL if multi_label else keys.MACRO_RECALL
    summary = {
        'title': title,
        'description': description,
        'label_feature': label_feature,
        'multi_label': multi_label,
        'classes': classes,
        'stages': stages,
        'validators': validator_verdicts(pipeline_root, ['StratifiedCheck', 'BalancedCheck']),
        'pictures': component_pictures(pipeline_root),
        'recall': recall_per_class(metrics, classes),
        # Macro recall over the classes (labels) present in the test split (the gated metric).
        'macro_recall': {m: metrics[(m, False, macro)] for m in MODELS},
        'gate': gate_verdict(pipeline_root),
        # Multi-label samples gate macro F1: its bounds and paired improvement.
        'intervals': interval_summary(
            pipeline_root,
            metrics,
            classes,
            keys.MACRO_LABEL_F1 if multi_label else macro,
            'macro F1' if multi_label else 'macro recall',
        ),
        'calibration': calibration_of(
            latest_artifact_dir(pipeline_root, 'Evaluator', 'evaluation'), MODELS
        ),
    }
    if multi_label:
        for prefix in (keys.PER_LABEL_PRECISION, keys.PER_LABEL_F1):
            summary[prefix] = recall_per_class(metrics, classes, prefix=prefix)
        summary['macro_f1'] = {m: metrics[(m, False, keys.MACRO_LABEL_F1)] for m in MODELS}
    else:
        summary['accuracy'] = {
            m: metrics[(m, False, 'sparse_categorical_accuracy')] for m in MODELS
        }
        summary['accuracy_verdict'] = accuracy_verdict(summary)
    return summary


def write_outputs(summary: dict, root: str) -> str:
    """Writes ``summary.json`` and ``report.html`` into ``root``; returns the report path."""
    with open(os.path.join(root, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    path = os.path.join(root, 'report.html')
    with open(path, 'w') as f:
        f.write(render_report(summary))
    return path


def gate_lines(summary: dict) -> list:
    """The gate's verdict as text lines (shared by the console summary and the HTML report)."""
    gate = summary['gate']
    verdict = 'BLESSED, pushed' if gate['blessed'] else 'NOT BLESSED, not pushed'
    lines = [f'Model gate (Evaluator -> Pusher): balanced model {verdict}']
    for check in gate['checks']:
        value = 'n/a' if check['value'] is None else f'{check["value"]:.3f}'
        mark = 'PASS' if check['passed'] else 'FAIL'
        lines.append(f'  {check["metric"]} {check["rule"]}: {value}  {mark}')
    lines += interval_lines(summary)
    if summary.get('accuracy_verdict'):
        lines.append(summary['accuracy_verdict'])
    return lines


def format_summary(summary: dict) -> str:
    from tfx_balance.core.common.labels import format_count_table

    stages = summary['stages']
    rows = {c: {s: stages[s].get(c, 0) for s in stages} for c in summary['classes']}
    kind = unit(summary)
    counted = ', examples carrying each label, rarest first' if kind == 'label' else ''
    lines = [
        '',
        f'== {summary["title"]} ==',
        f'{kind.capitalize()} counts per stage (label {summary["label_feature"]!r}{counted}):',
        format_count_table(rows, list(stages), title=kind),
        '',
        'Class-distribution checks:',
    ]
    for v in summary['validators']:
        verdict = 'PASS' if v['passed'] else 'VIOLATION'
        notes = v.get('notes', [])
        if notes:
            verdict += f', {len(notes)} note(s) (not violations)'
        lines.append(f'  {v["name"]}: {verdict}' + ''.join(f'\n    - {f}' for f in v['findings']))
        lines += [f'    - note: {n}' for n in notes]
    table = score_table(summary)
    lines += ['', f'{table["title"]}:']
    if table['groups']:
        lines.append(f'  {"":<14}' + ''.join(f'{g:^{10 * span}}' for g, span in table['groups']))
    lines.append(f'  {table["headers"][0]:<14}' + ''.join(f'{h:>10}' for h in table['headers'][1:]))
    rows = table['rows']
    if 'accuracy' in summary:
        rows = rows + [['accuracy'] + [f'{summary["accuracy"][m]:.3f}' for m in summary['recall']]]
    lines += [f'  {row[0]:<14}' + ''.join(f'{cell:>10}' for cell in row[1:]) for row in rows]
    calibration = calibration_lines(summary)
    if calibration:
        lines += ['', *calibration]
    if 'gate' in summary:
        lines += ['', *gate_lines(summary)]
    if 'pipeline_seconds' in summary:
        lines.append(f'\nPipeline wall time: {summary["pipeline_seconds"]:.0f} s')
    return '\n'.join(lines)
