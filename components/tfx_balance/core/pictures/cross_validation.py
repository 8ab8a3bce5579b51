"""CrossValidationAggregate's picture, from its ``cross_validation.json``: per metric each
fold's value and the mean with its 95% interval, per model, and the gate's verdict."""

from __future__ import annotations

from tfx_balance.core.pictures import charts

MEAN = 'mean'


def _number(value) -> str:
    return 'n/a' if value is None else f'{value:.4f}'


def _model(chart_id: str, title: str, folds, metrics: dict) -> list:
    names = list(metrics)
    series = {f: [metrics[m]['values'][i] for m in names] for i, f in enumerate(folds)}
    series[MEAN] = [metrics[m]['mean'] for m in names]
    intervals = {
        MEAN: [tuple(metrics[m]['interval']) if metrics[m].get('interval') else None for m in names]
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
                    *(_number(v) for v in metrics[m]['values']),
                    _number(metrics[m]['mean']),
                    _number(metrics[m]['std']),
                    '[{}, {}]'.format(*map(_number, metrics[m]['interval']))
                    if metrics[m].get('interval')
                    else 'n/a',
                ]
                for m in names
            ],
        ),
    ]


def draw(report: dict) -> list:
    folds = list(report.get('folds') or [])
    gate = report.get('gate') or {}
    checks = gate.get('checks') or []
    parts = [
        charts.verdict(
            bool(gate.get('blessed')),
            f'{len(folds)} folds; the gate on the {gate.get("gate_on", "mean")} '
            + ('blessed the model.' if gate.get('blessed') else 'did not bless the model.')
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
    for role, model in (report.get('models') or {}).items():
        if model:
            name = model.get('name') or role
            parts += _model(f'cv-{role}', f'{name} ({role})', folds, model['metrics'])
    if report.get('differences'):
        parts += _model('cv-differences', 'candidate - baseline', folds, report['differences'])
    return parts
