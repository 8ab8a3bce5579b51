"""ClassDistributionValidator's picture, from its ``class_distribution.json``: each split's
class shares side by side (against its target where it has one), the distances between splits,
to the targets and to the last span (drift), and every finding with its distance and threshold;
with StratifiedSplitter's strata, each stratify feature's largest deviation and its largest
values' class mix per split (``strata.py``)."""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts, strata


def _number(value) -> str:
    return 'n/a' if value is None else f'{value:.4f}'


def _target_marks(report: dict, rows, splits) -> dict:
    """Per split with a target, each class's target share (``None`` where it has none)."""
    from tfx_balance.core.class_distribution_validator import report as r
    from tfx_balance.core.class_distribution_validator.config import UNIFORM

    marks = {}
    for split, entry in (report.get(r.TARGET_DISTANCES) or {}).items():
        target = entry.get('target')
        if split not in splits:
            continue
        if target == UNIFORM:
            marks[split] = [1.0 / len(rows)] * len(rows) if rows else []
        elif isinstance(target, dict):
            marks[split] = [target.get(r) for r in rows]
    return marks


def draw(report: dict) -> list:
    # The report's keys; its package imports TFDV, imported when drawing (as split.py does).
    from tfx_balance.core.class_distribution_validator import report as r

    shares = report.get(r.SHARES) or {}
    rows = list(shares)
    splits = list(report.get(r.TOTALS) or next(iter(shares.values()), {}))
    passed = bool(report.get(keys.PASSED))
    findings = report.get(r.FINDINGS) or []
    parts = [
        charts.verdict(
            passed,
            f'{report.get(keys.LABEL_FEATURE_KEY)}: '
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
                        f.get(r.FINDING_KIND),
                        ', '.join(f.get(r.FINDING_SPLITS) or []),
                        _number(f.get(r.FINDING_DISTANCE)),
                        _number(f.get(r.FINDING_THRESHOLD)),
                        ', '.join(str(c) for c in (f.get(r.FINDING_CLASSES) or [])[:5]),
                        f.get(r.FINDING_DESCRIPTION, ''),
                    ]
                    for f in findings
                ],
                css_class='findings',
            )
        )
    marks = _target_marks(report, rows, splits)
    what = 'label' if report.get(keys.MULTI_LABEL_KEY) else 'class'
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
    counts = report.get(r.CLASS_COUNTS) or {}
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
    limit = report.get(keys.MAX_SPLIT_DISTANCE_KEY)
    for entry in report.get(r.SPLIT_DISTANCES) or []:
        distances.append(
            [' vs '.join(entry[keys.SPLITS_KEY]), _number(entry.get('linf')), _number(limit)]
        )
    for split, entry in (report.get(r.TARGET_DISTANCES) or {}).items():
        distances.append(
            [
                f'{split} vs target',
                _number(entry.get('linf')),
                _number(report.get(keys.TARGET_TOLERANCE_KEY)),
            ]
        )
    for split, entry in (report.get(r.BASELINE_DRIFT) or {}).items():
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
    for split, entry in (report.get(r.BASELINE_DRIFT) or {}).items():
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
    if report.get(r.STRATA):
        parts += _strata(report[r.STRATA], splits, report.get(keys.MAX_SPLIT_DISTANCE_KEY))
    notes = report.get(r.NOTES) or []
    if notes:
        items = ''.join(f'<li>{charts.esc(n.get(r.FINDING_DESCRIPTION, ""))}</li>' for n in notes)
        parts.append(f'<h4>Notes (not violations)</h4><ul>{items}</ul>')
    return parts


def _strata(entry: dict, splits, limit) -> list:
    """The ``STRATA`` entry's part: per feature its largest deviation, and its largest values."""
    from tfx_balance.core.class_distribution_validator import report as r
    from tfx_balance.core.split import report as split_report

    features = entry[r.STRATA_FEATURES]
    rows = []
    for feature in features:
        worst = entry[r.STRATA_LARGEST].get(feature)
        if worst is None:
            continue
        low, high = worst[r.STRATUM_RANGE]
        rows.append(
            [
                feature,
                worst[split_report.DEVIATION_VALUE],
                worst[split_report.STRATUM_CLASS],
                worst[split_report.DEVIATION_SPLIT],
                _number(worst[r.STRATA_DISTANCE]),
                _number(limit),
                f'{worst[split_report.STRATUM_COUNTS]:,}',
                f'{low:,}-{high:,}',
                'beyond' if worst[r.STRATUM_BEYOND] else 'within',
            ]
        )
    mixes = {
        feature: {
            value: cell[r.STRATA_CLASSES] for value, cell in entry[r.STRATA_MIX][feature].items()
        }
        for feature in features
    }
    counted = ', '.join(f'{f} ({len(mixes[f]):,} values)' for f in features)
    intro = (
        f"Each value's class mix in a split against its mix over all splits (L-infinity), for "
        f"{counted}: beyond StratifiedSplitter's bound (each stratum within 1 of its share) and "
        'above max_split_distance it is a violation, within the bound a note. The largest '
        'deviation of each feature:'
    )
    headers = [
        'stratify feature',
        'value',
        'class',
        'split',
        'distance',
        'threshold',
        'class count',
        "bound's range",
        'bound',
    ]
    return strata.strata_parts(features, mixes, splits, intro, (headers, rows))
