"""StratifiedSplitter's picture, from its ``split_counts.json``: per class (label, bin), each
split's count, with the rule's count marked where earlier spans' pinned units moved it, and the
pinned units in the table; folds are splits, drawn side by side; with ``stratify_features``, the
largest values' class mix per split and the largest deviations from a share (``strata.py``)."""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts, strata


def _table_of(report: dict) -> tuple:
    """``(row names, splits, {split: [count per row]}, what a row is)``."""
    from tfx_balance.core.split import report as r

    if keys.MULTI_LABEL_KEY in report:
        per_label = dict(report[r.LABEL_SET_LABELS])
        per_label[r.NO_LABEL] = report[r.NO_LABEL]
        splits = list(report[r.LABEL_SET_EXAMPLES])
        rows = list(per_label)
        return (
            rows,
            splits,
            {s: [per_label[n][s][r.LABEL_COUNT] for n in rows] for s in splits},
            'label',
        )
    table = r.counts_of(report)
    rows = list(table)
    splits = list(next(iter(table.values()), {}))
    what = 'class'
    names = rows
    if r.is_structured(report) and r.LABEL_BINS in report:
        bins = report[r.LABEL_BINS][r.BIN_NAMES]
        names = [f'{n}: {bins[int(n)]}' for n in rows]
        what = 'bin'
    return names, splits, {s: [table[r].get(s, 0) for r in rows] for s in splits}, what


def draw(report: dict) -> list:
    # The report's module imports Beam; imported when drawing, so that importing the pictures
    # (every component does) costs nothing more.
    from tfx_balance.core.split.assignments import DEVIATION, PINNED, PINNING_EXACT
    from tfx_balance.core.split.report import (
        FOLDS,
        GROUPS,
        HOLDOUT,
        STRATA,
        counts_of,
        group_slack,
        is_structured,
    )

    rows, splits, series, what = _table_of(report)
    pinning = report.get(PINNED) if isinstance(report.get(PINNED), dict) else None
    row_keys = list(counts_of(report)) if keys.MULTI_LABEL_KEY not in report else rows
    marks, parts = None, []
    totals = {s: sum(series[s]) for s in splits}
    everything = sum(totals.values())
    shares = ', '.join(
        f'{s} {totals[s]:,} ({totals[s] / everything:.1%})' if everything else f'{s} 0'
        for s in splits
    )
    noun = {'class': 'classes', 'label': 'labels', 'bin': 'bins'}[what]
    parts.append(f'<p>{len(rows):,} {noun} into {charts.esc(shares)}.</p>')
    if is_structured(report) and FOLDS in report:
        held = report.get(HOLDOUT) or {}
        parts.append(
            f'<p>{len(report[FOLDS])} folds side by side'
            + (f', held out first: {charts.esc(", ".join(held))}' if held else '')
            + '.</p>'
        )
    pinned = (pinning or {}).get(PINNED, {})
    deviation = (pinning or {}).get(DEVIATION, {})
    if pinning is not None:
        units = sum(n for row in pinned.values() for n in row.values())
        if pinning.get(PINNING_EXACT, not deviation):
            text = f"{units:,} units pinned by earlier spans; every {what} at the rule's counts."
        else:
            text = (
                f"{units:,} units pinned by earlier spans; the ticks mark the rule's count where "
                'the pinned units moved a split off it.'
            )
        parts.append(f'<p>{charts.esc(text)}</p>')
        if deviation:
            marks = {
                s: [
                    series[s][i] - deviation[k][s]
                    if k in deviation and deviation[k].get(s)
                    else None
                    for i, k in enumerate(row_keys)
                ]
                for s in splits
            }
    slack = group_slack(report)
    if slack:
        group = report[GROUPS][keys.GROUP_FEATURE_KEY]
        parts.append(
            f'<p>Grouped by {charts.esc(group)}: a split may differ from the rule by up to a '
            "group per class (the table's last column).</p>"
        )
    parts.append(
        charts.bar_rows(
            'split-counts',
            f'Examples per {what} and split',
            rows,
            series,
            marks=marks,
            mark_name="rule's count",
        )
    )
    headers = [what, *splits]
    if pinned:
        headers += [f'pinned {s}' for s in splits]
    if deviation:
        headers += [f"rule's {s}" for s in splits]
    if slack:
        headers.append('group slack')
    body = []
    for i, (name, key) in enumerate(zip(rows, row_keys)):
        row = [name, *(f'{series[s][i]:,}' for s in splits)]
        if pinned:
            row += [pinned.get(key, {}).get(s, 0) for s in splits]
        if deviation:
            row += [series[s][i] - deviation.get(key, {}).get(s, 0) for s in splits]
        if slack:
            row.append(slack.get(key, 0))
        body.append(row)
    parts.append(charts.table_beside(headers, body))
    entry = report.get(STRATA) if is_structured(report) else None
    if entry:
        parts += _strata(entry, splits)
    return parts


def _strata(entry: dict, splits) -> list:
    """The ``STRATA`` entry's part: its largest deviations, and each feature's largest values."""
    from tfx_balance.core.split import report as r
    from tfx_balance.core.split.report import class_mix
    from tfx_balance.core.split.stratify_features import MISSING

    features = entry[r.STRATA_FEATURES]
    largest = entry[r.LARGEST_DEVIATION]
    worst = largest[r.LARGEST_STRATUM]
    rows = []
    if worst[r.STRATUM_CLASS] is not None:
        values = ', '.join(
            f'{f}={MISSING if v is None else v}' for f, v in zip(features, worst[r.STRATA_VALUES])
        )
        where = f'{worst[r.STRATUM_CLASS]} | {values}'
        rows.append(
            ['a stratum', where, worst[r.DEVIATION_SPLIT], f'{worst[r.DEVIATION_AMOUNT]:.3f}']
        )
    for feature in features:
        found = largest[r.STRATA_VALUES].get(feature) or {}
        if found.get(r.DEVIATION_VALUE) is not None:
            rows.append(
                [
                    f'a value of {feature}',
                    f'{feature}={found[r.DEVIATION_VALUE]}',
                    found[r.DEVIATION_SPLIT],
                    f'{found[r.DEVIATION_AMOUNT]:.3f}',
                ]
            )
    counted = ', '.join(f'{f} ({len(entry[r.STRATA_VALUES][f]):,} values)' for f in features)
    intro = (
        f'{len(entry[r.STRATA_ROWS]):,} strata: class x {counted}. The largest deviations of a '
        "stratum's and of a value's examples in a split from its share:"
    )
    headers = ['largest deviation of', 'where', 'split', 'examples off the share']
    return strata.strata_parts(features, class_mix(entry), splits, intro, (headers, rows))
