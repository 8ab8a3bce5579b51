"""The drawing every picture shares: inline SVG bar charts and HTML tables in one self-contained
fragment (no script, no font or file from the network), and the page that holds one.

``bar_rows`` draws one row of bars per class (label, metric), so that 2 classes and 1,000 read
the same way: a log scale where counts span more than ``LOG_SCALE_RATIO``, each value written at
the end of its bar, and past ``MAX_ROWS`` rows the rarest and the largest drawn, every row in the
table beside. ``bar_chart`` draws grouped columns, for a few categories (the samples' report).

Example:
    >>> svg = bar_rows('counts', 'Examples per class', ['a', 'b'], {'train': [800, 2]})
    >>> svg.count('class="bar"'), 'log scale' in svg
    (2, True)
"""

from __future__ import annotations

import html
import math
import re
from typing import Mapping, Sequence

PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1']
MARK_COLOR = '#222'  # a rule's count, a target, an interval
LEGEND_ROW = 18  # px per row of legend entries
LEGEND_FONT = 12
# Counts whose largest is more than this times the smallest non-zero one are drawn on a log scale.
LOG_SCALE_RATIO = 50
# Rows bar_rows draws at most: the rarest half and the largest half (the table has them all).
MAX_ROWS = 40
BAR = 11  # px: the height of one bar of bar_rows
# The CSS of a picture, scoped to its class so that a notebook's or a report's page is untouched.
STYLE = (
    '.tfxb{font-family:sans-serif;color:#222;font-size:13px;max-width:980px}'
    '.tfxb h3{font-size:15px;margin:10px 0 4px}.tfxb h4{font-size:13px;margin:10px 0 2px}'
    '.tfxb p{margin:4px 0}.tfxb svg{display:block;margin:6px 0}'
    '.tfxb table{border-collapse:collapse;margin:4px 0 12px}'
    '.tfxb td,.tfxb th{border:1px solid #ccc;padding:2px 7px;text-align:right}'
    '.tfxb th{background:#f3f3f3}.tfxb td:first-child{text-align:left}'
    '.tfxb .pass{color:#2a7a2a;font-weight:bold}.tfxb .fail{color:#b22;font-weight:bold}'
    '.tfxb summary{cursor:pointer;color:#555}'
)


def esc(value) -> str:
    return html.escape(str(value))


def text_width(text: str, font_size: int = LEGEND_FONT) -> int:
    """A generous estimate of the rendered width of ``text`` in a sans-serif font (0.62 em per
    character; real text is narrower except for runs of capitals like 'MW')."""
    return math.ceil(len(text) * font_size * 0.62)


def legend_layout(names, left: float, right: float) -> list:
    """``(x, row)`` of each legend entry (a swatch, then the name): left to right, starting a new
    row where an entry would cross ``right``, so every name is drawn inside the chart."""
    positions, x, row = [], left, 0
    for name in names:
        entry = 16 + text_width(name) + 20  # swatch + gap, text, space before the next entry
        if x > left and x + entry - 20 > right:
            x, row = left, row + 1
        positions.append((x, row))
        x += entry
    return positions


def _legend(names, colors, left: float, right: float, top: float) -> tuple:
    """The legend's SVG parts and its height."""
    layout = legend_layout(names, left, right)
    parts = []
    for name, color, (x, row) in zip(names, colors, layout):
        y = top + row * LEGEND_ROW
        parts.append(
            f'<g class="legend-item"><rect x="{x}" y="{y}" width="12" height="12" '
            f'fill="{color}"/><text class="legend" x="{x + 16}" y="{y + 10}" '
            f'font-size="{LEGEND_FONT}">{esc(name)}</text></g>'
        )
    rows = 1 + max((row for _, row in layout), default=0)
    return parts, rows * LEGEND_ROW


def wants_log_scale(values) -> bool:
    positive = [v for v in values if v and v > 0]
    return bool(positive) and max(positive) > LOG_SCALE_RATIO * min(positive)


def axis_scale(vmax: float, length: float, log_scale: bool):
    """The length of a value's bar on an axis of ``length`` up to ``vmax`` (log or linear)."""

    def scale(v):
        if not v or v <= 0:
            return 0.0
        if log_scale:
            return length * math.log10(1 + v) / math.log10(1 + vmax)
        return length * min(v, vmax) / vmax

    return scale


def shown_rows(totals: Sequence[float], max_rows: int = MAX_ROWS) -> list:
    """The indexes of the rows drawn, in their order: all of them, or past ``max_rows`` the
    ``max_rows // 2`` rarest and as many largest (by ``totals``), so the rare ones stay seen."""
    if len(totals) <= max_rows:
        return list(range(len(totals)))
    by_size = sorted(range(len(totals)), key=lambda i: (totals[i], i))
    half = max_rows // 2
    return sorted(by_size[:half] + by_size[-half:])


def _gaps(shown: Sequence[int], count: int) -> dict:
    """``{row index: rows not drawn just before it}`` of the ``shown`` rows of ``count`` (the
    index ``count`` for those after the last drawn row)."""
    edges = [-1, *shown, count]
    return {b: b - a - 1 for a, b in zip(edges, edges[1:]) if b - a > 1}


def bar_rows(
    chart_id: str,
    title: str,
    rows: Sequence,
    series: Mapping[str, Sequence[float]],
    *,
    log_scale: bool | None = None,
    value_format: str = '{:,.0f}',
    marks: Mapping[str, Sequence] | None = None,
    mark_name: str = '',
    intervals: Mapping[str, Sequence] | None = None,
    x_max: float | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """Horizontal bars as an <svg>: one group of bars per row (one bar per series), each value
    written after its bar. ``marks``: per series a value per row drawn as a tick across its bar
    (e.g. the rule's count, named ``mark_name`` in the legend); ``intervals``: per series a
    ``(low, high)`` per row drawn as a line. ``log_scale`` None: chosen by ``wants_log_scale``."""
    names = list(series)
    values = [v for s in series.values() for v in s if v is not None]
    extra = [v for m in (marks or {}).values() for v in m if v is not None]
    extra += [v for iv in (intervals or {}).values() for p in iv if p for v in p if v is not None]
    if log_scale is None:
        log_scale = wants_log_scale(values)
    vmax = x_max if x_max is not None else max([1e-12] + [abs(v) for v in values + extra])
    totals = [sum((series[s][i] or 0) for s in names) for i in range(len(rows))]
    shown = shown_rows(totals, max_rows)
    label_w = min(220, max([40] + [text_width(str(r), 11) for r in rows]) + 8)
    plot_w, value_w, left = 380, 70, 8
    width = left + label_w + plot_w + value_w
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    legend_names, legend_colors = list(names), list(colors)
    if marks:
        legend_names.append(mark_name or 'mark')
        legend_colors.append(MARK_COLOR)
    legend, legend_h = _legend(legend_names, legend_colors, left, width - 10, 26)
    top = 26 + legend_h + 6
    group_h = len(names) * (BAR + 1) + 7
    gaps = _gaps(shown, len(rows))
    gap_rows = len(gaps)
    height = top + group_h * len(shown) + gap_rows * 18 + 22
    scale = axis_scale(vmax, plot_w, log_scale)
    x0 = left + label_w
    parts = [
        f'<svg id="{esc(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(title)}">',
        f'<text x="{left}" y="16" font-size="14" font-weight="bold">{esc(title)}</text>',
        *legend,
    ]
    y = top
    for i in shown + [len(rows)]:
        if i in gaps:
            parts.append(
                f'<text class="gap" x="{x0}" y="{y + 12}" font-size="11" fill="#666">'
                f'... {gaps[i]:,} rows not drawn here (every row is in the table)</text>'
            )
            y += 18
        if i == len(rows):
            break
        parts.append(
            f'<text class="row" x="{x0 - 6}" y="{y + group_h / 2 + 1:.1f}" font-size="11" '
            f'text-anchor="end">{esc(rows[i])}</text>'
        )
        for si, name in enumerate(names):
            value = series[name][i]
            by = y + si * (BAR + 1)
            w = scale(value or 0)
            label = 'n/a' if value is None else value_format.format(value)
            parts.append(
                f'<rect class="bar" data-series="{esc(name)}" data-category="{esc(rows[i])}" '
                f'data-value="{"" if value is None else value}" x="{x0}" y="{by}" '
                f'width="{w:.1f}" height="{BAR}" fill="{colors[si]}"><title>{esc(name)} / '
                f'{esc(rows[i])}: {esc(label)}</title></rect>'
                f'<text x="{x0 + w + 3:.1f}" y="{by + BAR - 2}" font-size="10">{esc(label)}</text>'
            )
            mark = (marks or {}).get(name)
            if mark is not None and mark[i] is not None:
                mx = x0 + scale(mark[i])
                parts.append(
                    f'<line class="mark" x1="{mx:.1f}" y1="{by - 1}" x2="{mx:.1f}" '
                    f'y2="{by + BAR + 1}" stroke="{MARK_COLOR}" stroke-width="2"/>'
                )
            interval = (intervals or {}).get(name)
            if interval is not None and interval[i]:
                lo, hi = (x0 + scale(v) for v in interval[i])
                cy = by + BAR / 2
                parts.append(
                    f'<line class="interval" x1="{lo:.1f}" y1="{cy}" x2="{hi:.1f}" y2="{cy}" '
                    f'stroke="{MARK_COLOR}" stroke-width="1.5"/>'
                )
        y += group_h
    parts.append(
        f'<line x1="{x0}" y1="{top - 3}" x2="{x0}" y2="{y}" stroke="#333" stroke-width="1"/>'
    )
    note = 'log scale' if log_scale else f'0 .. {value_format.format(vmax)}'
    if len(shown) < len(rows):
        note += f'; {len(rows) - len(shown):,} of {len(rows):,} rows not drawn'
    parts.append(f'<text x="{x0}" y="{y + 14}" font-size="10" fill="#666">{note}</text></svg>')
    return ''.join(parts)


def table(headers, rows, groups=(), css_class: str = '') -> str:
    """An HTML table; ``groups``: (title, columns) spanning the columns after the first."""
    head = ''.join(f'<th>{esc(h)}</th>' for h in headers)
    if groups:
        spans = ''.join(f'<th colspan="{n}">{esc(g)}</th>' for g, n in groups)
        head = f'<th></th>{spans}</tr><tr>{head}'
    body = ''.join('<tr>' + ''.join(f'<td>{esc(c)}</td>' for c in row) + '</tr>' for row in rows)
    cls = f' class="{css_class}"' if css_class else ''
    return f'<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def table_beside(headers, rows, max_rows: int = MAX_ROWS) -> str:
    """Every row's exact values: open under the bars, folded past ``max_rows`` rows."""
    opened = ' open' if len(rows) <= max_rows else ''
    return (
        f'<details class="values"{opened}><summary>Table: {len(rows):,} rows</summary>'
        f'{table(headers, rows)}</details>'
    )


def verdict(passed: bool, text: str) -> str:
    word = 'PASS' if passed else 'FAIL'
    return f'<p class="verdict"><span class="{word.lower()}">{word}</span> {esc(text)}</p>'


def picture(kind: str, title: str, *parts: str) -> str:
    """One picture: a ``<div>`` with its own scoped style (safe to put in any page)."""
    body = ''.join(parts)
    return (
        f'<div class="tfxb" data-picture="{esc(kind)}"><style>{STYLE}</style>'
        f'<h3>{esc(title)}</h3>{body}</div>'
    )


def page(fragment: str, title: str) -> str:
    """A whole HTML document around a picture (what the HTML artifacts hold)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f'</title></head><body style="margin:16px">{fragment}</body></html>\n'
    )


_BODY = re.compile(r'<body[^>]*>(.*)</body>', re.S)


def fragment_of(page_html: str) -> str:
    """What ``page`` wrapped: the picture, to put inside another page (a notebook's output)."""
    found = _BODY.search(page_html)
    return found.group(1) if found else page_html
