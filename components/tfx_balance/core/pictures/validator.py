"""ClassDistributionValidator's picture, from its ``class_distribution.json``: each split's
class shares side by side (against its target where it has one), the distances between splits,
to the targets and to the last span (drift), and every finding with its distance and threshold."""

from __future__ import annotations

from tfx_balance.core.pictures import charts


def _number(value) -> str:
    return 'n/a' if value is None else f'{value:.4f}'


def _target_marks(report: dict, rows, splits) -> dict:
    """Per split with a target, each class's target share (``None`` where it has none)."""
    marks = {}
    for split, entry in (report.get('target_distances') or {}).items():
        target = entry.get('target')
        if split not in splits:
            continue
        if target == 'uniform':
            marks[split] = [1.0 / len(rows)] * len(rows) if rows else []
        elif isinstance(target, dict):
            marks[split] = [target.get(r) for r in rows]
    return marks


def draw(report: dict) -> list:
    shares = report.get('shares') or {}
    rows = list(shares)
    splits = list(report.get('totals') or next(iter(shares.values()), {}))
    passed = bool(report.get('passed'))
    findings = report.get('findings') or []
    parts = [
        charts.verdict(
            passed,
            f'{report.get("label_feature")}: '
            + (
                'every check passed.'
                if passed
                else f'{len(findings)} violation(s); the splits of a violation are not blessed.'
            ),
        )
    ]
    if findings:
        parts.append('<h4>What failed, and by how much</h4>')
        parts.append(
            charts.table(
                ['check', 'splits', 'distance', 'threshold', 'classes', 'finding'],
                [
                    [
                        f.get('kind'),
                        ', '.join(f.get('splits') or []),
                        _number(f.get('distance')),
                        _number(f.get('threshold')),
                        ', '.join(str(c) for c in (f.get('classes') or [])[:5]),
                        f.get('description', ''),
                    ]
                    for f in findings
                ],
                css_class='findings',
            )
        )
    marks = _target_marks(report, rows, splits)
    what = 'label' if report.get('multi_label') else 'class'
    parts.append(
        charts.bar_rows(
            'class-shares',
            f'Share of each {what} per split',
            rows,
            {s: [shares[r].get(s) for r in rows] for s in splits},
            value_format='{:.1%}',
            log_scale=charts.wants_log_scale([v for r in rows for v in shares[r].values()]),
            marks=marks or None,
            mark_name='target share',
        )
    )
    counts = report.get('counts') or {}
    parts.append(
        charts.table_beside(
            [what, *(f'{s} count' for s in splits), *(f'{s} share' for s in splits)],
            [
                [r, *(f'{counts.get(r, {}).get(s, 0):,}' for s in splits)]
                + [f'{shares[r].get(s, 0):.2%}' for s in splits]
                for r in rows
            ],
        )
    )
    distances = []
    limit = report.get('max_split_distance')
    for entry in report.get('split_distances') or []:
        distances.append([' vs '.join(entry['splits']), _number(entry.get('linf')), _number(limit)])
    for split, entry in (report.get('target_distances') or {}).items():
        distances.append(
            [
                f'{split} vs target',
                _number(entry.get('linf')),
                _number(report.get('target_tolerance')),
            ]
        )
    for split, entry in (report.get('baseline_drift') or {}).items():
        distances.append(
            [
                f'{split} vs last span',
                _number(entry.get('linf')),
                _number(entry.get('max_drift_distance')),
            ]
        )
    if distances:
        parts.append('<h4>Distances (L-infinity of the shares)</h4>')
        parts.append(charts.table(['compared', 'distance', 'threshold'], distances))
    for split, entry in (report.get('baseline_drift') or {}).items():
        table = entry.get('classes') or {}
        names = list(table)
        parts.append(
            charts.bar_rows(
                f'drift-{split}',
                f'Drift of {split} against the last span (share per {what})',
                names,
                {
                    'last span': [table[n].get('baseline_share') for n in names],
                    'this span': [table[n].get('current_share') for n in names],
                },
                value_format='{:.1%}',
            )
        )
    notes = report.get('notes') or []
    if notes:
        items = ''.join(f'<li>{charts.esc(n.get("description", ""))}</li>' for n in notes)
        parts.append(f'<h4>Notes (not violations)</h4><ul>{items}</ul>')
    return parts
