"""What a cross-validated sample run shows: each fold's and the cross-validated macro recall of
both models, their difference, and the gate's verdict, from CrossValidationAggregate's
``cross_validation.json``."""

from __future__ import annotations

import json
import os
import shutil

from pipelines.common.summary import latest_artifact_dir
from tfx_balance.core.common import keys

AGGREGATE = 'CrossValidationAggregate'
METRICS = (keys.MACRO_RECALL, 'sparse_categorical_accuracy')


def collect(pipeline_root: str) -> dict:
    """The aggregate's JSON, plus whether the Pusher pushed and where the HTML is."""
    out = latest_artifact_dir(pipeline_root, AGGREGATE, keys.CROSS_VALIDATION_KEY)
    with open(os.path.join(out, keys.CROSS_VALIDATION_JSON_FILE)) as f:
        result = json.load(f)
    result['html'] = os.path.join(out, keys.CROSS_VALIDATION_HTML_FILE)
    pushed = latest_artifact_dir(pipeline_root, 'Pusher', 'pushed_model')
    result['pushed'] = bool(pushed and os.listdir(pushed))
    return result


def _row(label: str, estimate: dict) -> str:
    cells = ''.join('     n/a' if v is None else f'{v:>8.3f}' for v in estimate['values'])
    if estimate['interval'] is None:
        spread = ''
    else:
        low, high = estimate['interval']
        spread = f'  +/- {estimate["std"]:.3f} (sample std)  95% [{low:.3f}, {high:.3f}]'
    return f'  {label:<22}{cells}  mean {estimate["mean"]:.3f}{spread}'


def format_summary(result: dict, title: str) -> str:
    folds = result['folds']
    models = result['models']
    lines = ['', f'== {title} ==', '  ' + ' ' * 22 + ''.join(f'{f:>8}' for f in folds)]
    candidate, baseline = models['candidate'], models['baseline']
    for metric in METRICS:
        if metric not in candidate['metrics']:
            continue
        lines.append(f'{metric}:')
        lines.append(_row(candidate['name'], candidate['metrics'][metric]))
        if baseline and metric in baseline['metrics']:
            lines.append(_row(baseline['name'], baseline['metrics'][metric]))
        if metric in result['differences']:
            label = f'{candidate["name"]} - {baseline["name"]}'
            lines.append(_row(label, result['differences'][metric]))
        lines.append('')
    gate = result['gate']
    verdict = 'BLESSED' if gate['blessed'] else 'NOT BLESSED'
    pushed = 'pushed' if result['pushed'] else 'not pushed'
    lines.append(f'Cross-validated gate (on the {gate["gate_on"]}): {verdict}, {pushed}')
    for check in gate['checks']:
        value = 'n/a' if check['value'] is None else f'{check["value"]:.3f}'
        mark = 'PASS' if check['passed'] else 'FAIL'
        lines.append(f'  {check["rule"]}: {check["compared"]} = {value}  {mark}')
    lines.append(
        'Each fold column is what a single held-out split would have reported; the spread '
        'across them is the noise one split hides.'
    )
    return '\n'.join(lines)


def write_outputs(result: dict, root: str) -> str:
    """Writes ``summary.json`` and ``report.html`` (the aggregate's page) into ``root``."""
    with open(os.path.join(root, 'summary.json'), 'w') as f:
        json.dump(result, f, indent=2)
    path = os.path.join(root, 'report.html')
    shutil.copyfile(result['html'], path)
    return path
