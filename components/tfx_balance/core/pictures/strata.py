"""The strata in StratifiedSplitter's and ClassDistributionValidator's pictures: per stratify
feature, its largest values' class mix in each split (a tick at the value's mix over all
splits), and the worst deviations in a table.

Example:
    >>> mix = {'a': {'0': {'train': 8, 'eval': 1}, '1': {'train': 2, 'eval': 0}},
    ...        'b': {'0': {'train': 1, 'eval': 0}}}
    >>> largest_values(mix)
    ['a', 'b']
    >>> svg = mix_chart('strata-site', 'site', mix, ['train', 'eval'])
    >>> svg.count('class="bar"'), svg.count('class="mark"')
    (6, 6)
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx_balance.core.pictures import charts

# The values whose class mix is drawn, largest (by examples) first: 8 values of up to 5 classes
# fill charts.MAX_ROWS; every value is counted in the picture's text.
TOP_VALUES = 8


def largest_values(mix: Mapping[str, Mapping[str, Mapping[str, int]]], top=TOP_VALUES) -> list:
    """The ``top`` values of ``{value: {class: {split: examples}}}`` with the most examples
    (ties in the report's order)."""
    totals = {v: sum(sum(row.values()) for row in classes.values()) for v, classes in mix.items()}
    order = {v: i for i, v in enumerate(mix)}
    return sorted(mix, key=lambda v: (-totals[v], order[v]))[:top]


def mix_chart(chart_id: str, feature: str, mix, splits: Sequence[str]) -> str:
    """Bars of each of the largest values' classes: per split its share of the value's
    examples there, a tick at its share over all splits."""
    rows, series, marks = [], {s: [] for s in splits}, {s: [] for s in splits}
    shown = largest_values(mix)
    for value in shown:
        classes = mix[value]
        total = sum(sum(row.values()) for row in classes.values())
        here = {s: sum(row.get(s, 0) for row in classes.values()) for s in splits}
        for label, row in classes.items():
            rows.append(f'{feature}={value} | {label}')
            overall = sum(row.values()) / total if total else None
            for s in splits:
                series[s].append(row.get(s, 0) / here[s] if here[s] else None)
                marks[s].append(overall)
    return charts.bar_rows(
        chart_id,
        f'Class mix of the {len(shown)} largest of {len(mix):,} values of {feature}, per split',
        rows,
        series,
        log_scale=False,
        value_format='{:.1%}',
        marks=marks,
        mark_name="the value's mix over all splits",
        x_max=1.0,
    )


def mix_table(feature: str, mix, splits: Sequence[str]) -> str:
    """Every value's examples of each class per split (the largest values first)."""
    body = [
        [value, label, *(f'{mix[value][label].get(s, 0):,}' for s in splits)]
        for value in largest_values(mix, len(mix))
        for label in mix[value]
    ]
    return charts.table_beside([feature, 'class', *splits], body)


def strata_parts(features: Sequence[str], mixes, splits, intro: str, deviations) -> list:
    """The strata's part of a picture: ``intro``, the worst ``deviations`` (``(headers,
    rows)``), and per feature its largest values' class mix and every value's counts."""
    headers, rows = deviations
    parts = [f'<h4>Strata</h4><p>{charts.esc(intro)}</p>']
    if rows:
        parts.append(charts.table(headers, rows, css_class='strata-deviations'))
    for feature in features:
        parts.append(mix_chart(f'strata-{feature}', feature, mixes[feature], splits))
        parts.append(mix_table(feature, mixes[feature], splits))
    return parts
