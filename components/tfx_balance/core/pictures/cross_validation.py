"""CrossValidationAggregate's picture, from its ``cross_validation.json``: per metric each
fold's value and the mean with its 95% interval, per model, and the gate's verdict."""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts

MEAN = 'mean'


def _number(value) -> str:
    return 'n/a' if value is None else f'{value:.4f}'


def _model(chart_id: str, title: str, folds, metrics: dict) -> list:
    from tfx_balance.core.cross_validation import estimates as e

    names = list(metrics)
    series = {f: [metrics[m][e.FOLD_VALUES][i] for m in names] for i, f in enumerate(folds)}
    series[MEAN] = [metrics[m][e.ESTIMATE_MEAN] for m in names]
    intervals = {
        MEAN: [
            tuple(metrics[m][e.ESTIMATE_INTERVAL]) if metrics[m].get(e.ESTIMATE_INTERVAL) else None
            for m in names
        ]
    }
    values = [abs(v) for s in series.values() for v in s if v is not None]
    return [
        charts.bar_rows(
            chart_id,
            title,
            names,
            series,
            value_format='{:.3f}',
            log_scale=False,
            intervals=intervals,
            x_max=max([1.0] + values) if values else 1.0,
        ),
        charts.table_beside(
            ['metric', *folds, 'mean', 'std', '95% interval'],
            [
                [
                    m,
                    *(_number(v) for v in metrics[m][e.FOLD_VALUES]),
                    _number(metrics[m][e.ESTIMATE_MEAN]),
                    _number(metrics[m][e.ESTIMATE_STD]),
                    '[{}, {}]'.format(*map(_number, metrics[m][e.ESTIMATE_INTERVAL]))
                    if metrics[m].get(e.ESTIMATE_INTERVAL)
                    else 'n/a',
                ]
                for m in names
            ],
        ),
    ]


def draw(report: dict) -> list:
    # The report's keys; its package imports numpy, imported when drawing (as split.py does).
    from tfx_balance.core.cross_validation import estimates as e
    from tfx_balance.core.cross_validation import report as r

    folds = list(report.get(r.CV_FOLDS) or [])
    gate = report.get(r.CV_GATE) or {}
    checks = gate.get(e.GATE_CHECKS) or []
    parts = [
        charts.verdict(
            bool(gate.get(keys.BLESSED_PROPERTY)),
            f'{len(folds)} folds; the gate on the {gate.get(e.GATE_ON_ENTRY, e.ESTIMATE_MEAN)} '
            + (
                'blessed the model.'
                if gate.get(keys.BLESSED_PROPERTY)
                else 'did not bless the model.'
            )
            + ('' if checks else ' (no thresholds)'),
        )
    ]
    if checks:
        parts.append(
            charts.table(
                ['metric', 'rule', 'compared', 'value', 'verdict'],
                [
                    [
                        c.get('metric'),
                        c.get('rule'),
                        c.get('compared'),
                        _number(c.get('value')),
                        'PASS' if c.get('passed') else 'FAIL',
                    ]
                    for c in checks
                ],
            )
        )
    for role, model in (report.get(r.CV_MODELS) or {}).items():
        if model:
            name = model.get(r.MODEL_NAME) or role
            parts += _model(f'cv-{role}', f'{name} ({role})', folds, model[r.MODEL_METRICS])
    if report.get(r.CV_DIFFERENCES):
        parts += _model('cv-differences', 'candidate - baseline', folds, report[r.CV_DIFFERENCES])
    return parts
