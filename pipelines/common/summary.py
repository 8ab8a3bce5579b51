"""Collects what a sample-pipeline run shows: class counts per stage, the validators' verdicts and
per-class recall of both models (from the Evaluator's TFMA output), from the run's artifacts."""

from __future__ import annotations

import glob
import json
import os

from pipelines.common.report import render_report
from tfx_balance import keys


def latest_artifact_dir(pipeline_root: str, component_id: str, output_key: str) -> str | None:
    dirs = glob.glob(os.path.join(pipeline_root, component_id, output_key, '*'))
    dirs = [d for d in dirs if os.path.basename(d).isdigit()]
    return max(dirs, key=lambda d: int(os.path.basename(d))) if dirs else None


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def stage_counts(pipeline_root: str) -> tuple:
    """``(classes, {stage: {class: count}})`` from the splitter and augmenter JSON files."""
    split_dir = latest_artifact_dir(pipeline_root, 'StratifiedSplitter', 'examples')
    per_class = _read_json(os.path.join(split_dir, keys.SPLIT_COUNTS_FILE))
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
    return classes, stages


def augmented_counts(plan: dict) -> dict:
    """``{split: {class: output count}}`` from BalancedAugmenter's plan JSON."""
    return {
        split: {name: int(row['output']) for name, row in per_class.items()}
        for split, per_class in plan.get('splits', {}).items()
    }


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
            }
        )
    return verdicts


def recall_per_class(
    pipeline_root: str, classes, class_ids=None, model_names=('balanced', 'baseline')
) -> dict:
    """``{model: {class: recall}}`` from the Evaluator's TFMA multi-class confusion matrix at
    threshold 0 (the argmax prediction): recall = diagonal / row sum.

    ``class_ids`` maps each class name to the model's class id (default: the name as an int).
    """
    import tensorflow_model_analysis as tfma

    out_dir = latest_artifact_dir(pipeline_root, 'Evaluator', 'evaluation')
    class_ids = class_ids or {c: int(c) for c in classes}
    result = {}
    for model in model_names:
        plots = dict(tfma.load_eval_result(out_dir, model_name=model).plots)[()]
        matrices = [
            values['multiClassConfusionMatrixAtThresholds']['matrices']
            for output in plots.values()
            for values in output.values()
            if 'multiClassConfusionMatrixAtThresholds' in values
        ][0]
        (matrix,) = [m for m in matrices if float(m.get('threshold', 0.0)) == 0.0]
        hits, totals = {}, {}
        for entry in matrix['entries']:
            actual = int(entry.get('actualClassId', 0))
            weight = float(entry.get('numWeightedExamples', 0.0))
            totals[actual] = totals.get(actual, 0.0) + weight
            if actual == int(entry.get('predictedClassId', 0)):
                hits[actual] = hits.get(actual, 0.0) + weight
        result[model] = {
            c: hits.get(class_ids[c], 0.0) / totals[class_ids[c]]
            for c in classes
            if totals.get(class_ids[c])
        }
    return result


def collect(
    pipeline_root: str, title: str, description: str, label_feature: str, class_ids=None
) -> dict:
    """The run's summary; ``class_ids`` maps class names to model class ids (see
    :func:`recall_per_class`; default: the name as an int)."""
    classes, stages = stage_counts(pipeline_root)
    recall = recall_per_class(pipeline_root, classes, class_ids)
    return {
        'title': title,
        'description': description,
        'label_feature': label_feature,
        'classes': classes,
        'stages': stages,
        'validators': validator_verdicts(pipeline_root, ['StratifiedCheck', 'BalancedCheck']),
        'recall': recall,
        # Macro recall over the classes present in the test split.
        'macro_recall': {m: sum(r.values()) / len(r) for m, r in recall.items()},
    }


def write_outputs(summary: dict, root: str) -> str:
    """Writes ``summary.json`` and ``report.html`` into ``root``; returns the report path."""
    with open(os.path.join(root, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    path = os.path.join(root, 'report.html')
    with open(path, 'w') as f:
        f.write(render_report(summary))
    return path


def format_summary(summary: dict) -> str:
    from tfx_balance.core.labels import format_count_table

    stages = summary['stages']
    rows = {c: {s: stages[s].get(c, 0) for s in stages} for c in summary['classes']}
    lines = [
        '',
        f'== {summary["title"]} ==',
        f'Class counts per stage (label {summary["label_feature"]!r}):',
        format_count_table(rows, list(stages)),
        '',
        'Class-distribution checks:',
    ]
    for v in summary['validators']:
        verdict = 'PASS' if v['passed'] else 'VIOLATION'
        lines.append(f'  {v["name"]}: {verdict}' + ''.join(f'\n    - {f}' for f in v['findings']))
    recall = summary['recall']
    lines += ['', 'Per-class recall on the test split:']
    header = f'  {"class":<14}' + ''.join(f'{m:>10}' for m in recall)
    lines.append(header)
    for c in summary['classes']:
        cells = (f'{recall[m][c]:>10.3f}' if c in recall[m] else f'{"n/a":>10}' for m in recall)
        lines.append(f'  {c:<14}' + ''.join(cells))
    lines.append(
        f'  {"macro recall":<14}' + ''.join(f'{summary["macro_recall"][m]:>10.3f}' for m in recall)
    )
    if 'pipeline_seconds' in summary:
        lines.append(f'\nPipeline wall time: {summary["pipeline_seconds"]:.0f} s')
    return '\n'.join(lines)
