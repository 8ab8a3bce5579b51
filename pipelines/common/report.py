"""A self-contained HTML report of a sample-pipeline run: class counts per stage and per-class
recall of the balanced model vs the baseline, drawn as inline SVG bar charts (no scripts, no
external files), the calibration of the served probabilities (a reliability diagram), plus the
validators' verdicts and the model gate's verdict. A multi-label
summary (``'multi_label': True``) is drawn per label, in its order (the rarest label first), with
precision and F1 per label beside recall (and macro F1 beside macro recall).

The input is the summary dict built by ``pipelines.common.summary``.
"""

from __future__ import annotations

import html
import math

from pipelines.common.calibration_report import calibration_section

PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1']
LEGEND_ROW = 18  # px per row of legend entries
LEGEND_FONT = 12


def _text_width(text: str, font_size: int = LEGEND_FONT) -> int:
    """A generous estimate of the rendered width of ``text`` in a sans-serif font (0.62 em per
    character; real text is narrower except for runs of capitals like 'MW')."""
    return math.ceil(len(text) * font_size * 0.62)


def _legend_layout(names, left: float, right: float) -> list:
    """``(x, row)`` of each legend entry (a swatch, then the name): left to right, starting a new
    row where an entry would cross ``right``, so every name is drawn inside the chart."""
    positions, x, row = [], left, 0
    for name in names:
        entry = 16 + _text_width(name) + 20  # swatch + gap, text, space before the next entry
        if x > left and x + entry - 20 > right:
            x, row = left, row + 1
        positions.append((x, row))
        x += entry
    return positions


def _bar_chart(
    chart_id: str,
    title: str,
    categories: list,
    series: dict,
    log_scale: bool = False,
    value_format: str = '{:g}',
    y_max: float | None = None,
) -> str:
    """Grouped vertical bar chart as an <svg> element; one group per category, and a legend
    naming every series (wrapped onto as many rows as it needs)."""
    width, left, bottom, top, plot_h = max(520, 60 + len(categories) * 70), 50, 70, 30, 200
    legend = _legend_layout(series, left, width - 10)
    rows = 1 + max((row for _, row in legend), default=0)
    height = top + plot_h + bottom + (rows - 1) * LEGEND_ROW
    plot_w = width - left - 10
    values = [v for s in series.values() for v in s]
    vmax = y_max if y_max is not None else max([1] + values)

    def scale(v):
        if v <= 0:
            return 0.0
        if log_scale:
            return plot_h * math.log10(1 + v) / math.log10(1 + vmax)
        return plot_h * v / vmax

    group_w = plot_w / max(1, len(categories))
    bar_w = group_w * 0.8 / max(1, len(series))
    parts = [
        f'<svg id="{chart_id}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{html.escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#333"/>',
    ]
    for si, (name, vals) in enumerate(series.items()):
        color = PALETTE[si % len(PALETTE)]
        for ci, value in enumerate(vals):
            h = scale(value)
            x = left + ci * group_w + group_w * 0.1 + si * bar_w
            y = top + plot_h - h
            label = value_format.format(value)
            parts.append(
                f'<rect class="bar" data-series="{html.escape(name)}" '
                f'data-category="{html.escape(str(categories[ci]))}" data-value="{value}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.95:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{html.escape(name)} / '
                f'{html.escape(str(categories[ci]))}: {label}</title></rect>'
            )
        lx, row = legend[si]
        ly = top + plot_h + 52 + row * LEGEND_ROW
        parts.append(
            f'<g class="legend-item"><rect x="{lx}" y="{ly}" width="12" height="12" '
            f'fill="{color}"/><text class="legend" x="{lx + 16}" y="{ly + 10}" '
            f'font-size="{LEGEND_FONT}">{html.escape(name)}</text></g>'
        )
    for ci, cat in enumerate(categories):
        x = left + ci * group_w + group_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">'
            f'{html.escape(str(cat))}</text>'
        )
    scale_note = 'log scale' if log_scale else f'0 .. {value_format.format(vmax)}'
    parts.append(f'<text x="4" y="{top + 10}" font-size="10" fill="#666">{scale_note}</text>')
    parts.append('</svg>')
    return '\n'.join(parts)


def unit(summary: dict) -> str:
    """What the summary counts: 'label' (multi-label) or 'class'."""
    return 'label' if summary.get('multi_label') else 'class'


# The per-class (per-label) scores a summary can hold, in the order shown: (summary key, title,
# summary key of its macro average or None). Single-label summaries hold recall; multi-label ones
# all three (a model that predicts every label has recall 1.0: precision and F1 show it).
SCORES = (
    ('recall', 'recall', 'macro_recall'),
    ('precision', 'precision', None),
    ('f1', 'F1', 'macro_f1'),
)


def score_table(summary: dict) -> dict:
    """The per-class (per-label) scores of both models, as the console summary and the HTML
    report show them: ``{'title', 'groups': [(score title, columns)] (empty for one score),
    'headers', 'rows'}``; one column per (score, model), cells formatted (``'n/a'``: no value),
    and a last row of the macro averages (``'-'`` where the score has none).

    Example::

        score_table({'classes': ['a'], 'recall': {'m': {'a': 0.5}}, 'macro_recall': {'m': 0.5}})
        # rows: [['a', '0.500'], ['macro recall', '0.500']]
    """
    kind = unit(summary)
    scores = [score for score in SCORES if summary.get(score[0])]
    models = list(summary['recall'])
    titles = [title for _, title, _ in scores]
    names = titles[0] if len(titles) == 1 else ', '.join(titles[:-1]) + f' and {titles[-1]}'

    def cell(values, key):
        return f'{values[key]:.3f}' if key in values else 'n/a'

    rows = [
        [c] + [cell(summary[key][m], c) for key, _, _ in scores for m in models]
        for c in summary['classes']
    ]
    macro = [
        cell(summary.get(macro_key) or {}, m) if macro_key else '-'
        for _, _, macro_key in scores
        for m in models
    ]
    rows.append([f'macro {titles[0]}' if len(scores) == 1 else 'macro'] + macro)
    return {
        'title': f'Per-{kind} {names} on the test split',
        'groups': [(title, len(models)) for title in titles] if len(scores) > 1 else [],
        'headers': [kind] + models * len(scores),
        'rows': rows,
    }


def _table(headers, rows, groups=()) -> str:
    """An HTML table; ``groups``: (title, columns) spanning the columns after the first."""
    head = ''.join(f'<th>{html.escape(str(h))}</th>' for h in headers)
    if groups:
        spans = ''.join(f'<th colspan="{n}">{html.escape(str(g))}</th>' for g, n in groups)
        head = f'<th></th>{spans}</tr><tr>{head}'
    body = ''.join(
        '<tr>' + ''.join(f'<td>{html.escape(str(c))}</td>' for c in row) + '</tr>' for row in rows
    )
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _gate_section(summary: dict) -> str:
    """The Evaluator's gate on the balanced model (blessed or not, each threshold) and why accuracy
    alone would have chosen wrong; empty when the summary has no gate."""
    gate = summary.get('gate')
    if not gate:
        return ''
    verdict = 'BLESSED: the Pusher shipped it' if gate['blessed'] else 'NOT BLESSED: not pushed'
    checks = _table(
        ['metric', 'rule (balanced model)', 'value', 'verdict'],
        [
            (
                c['metric'],
                c['rule'],
                'n/a' if c['value'] is None else f'{c["value"]:.3f}',
                'PASS' if c['passed'] else 'FAIL',
            )
            for c in gate['checks']
        ],
    )
    section = (
        f'<h2>Model gate</h2>\n<p id="gate-verdict"><b>Balanced model {verdict}</b></p>\n{checks}'
    )
    accuracy = summary.get('accuracy')
    if accuracy:  # single-label samples: what accuracy alone would have chosen
        accuracy_row = ''.join(f' {html.escape(m)} {v:.3f};' for m, v in accuracy.items())
        section += (
            f'\n<p>Accuracy (not gated):{accuracy_row}</p>\n'
            f'<p id="accuracy-verdict">{html.escape(summary.get("accuracy_verdict", ""))}</p>'
        )
    return section


def render_report(summary: dict) -> str:
    """Returns the report as one HTML document (string)."""
    classes = summary['classes']
    stages = summary['stages']
    kind = unit(summary)
    counts = [v for stage in stages.values() for v in stage.values()]
    log_scale = bool(counts) and max(counts) > 50 * max(1, min(c for c in counts if c > 0))
    counts_chart = _bar_chart(
        'counts-chart',
        f'Examples per {kind} at each stage',
        classes,
        {stage: [per.get(c, 0) for c in classes] for stage, per in stages.items()},
        log_scale=log_scale,
        value_format='{:.0f}',
    )
    recall = summary.get('recall') or {}

    def score_chart(key: str, title: str) -> str:
        """Bars of both models' ``summary[key]`` per class (label), 0 .. 1."""
        scores = summary.get(key) or {}
        return _bar_chart(
            f'{key}-chart',
            f'Per-{kind} {title} on the test split',
            classes,
            {model: [per.get(c, 0.0) for c in classes] for model, per in scores.items()},
            value_format='{:.2f}',
            y_max=1.0,
        )

    recall_chart = score_chart('recall', 'recall')
    f1_chart = score_chart('f1', 'F1') if summary.get('f1') else ''
    verdicts = _table(
        ['check', 'verdict', 'findings', 'notes (not violations)'],
        [
            (
                v['name'],
                'PASS' if v['passed'] else 'VIOLATION',
                '; '.join(v['findings']) or '-',
                '; '.join(v.get('notes', [])) or '-',
            )
            for v in summary.get('validators', [])
        ],
    )
    counts_table = _table(
        [kind] + list(stages), [[c] + [stages[s].get(c, 0) for s in stages] for c in classes]
    )
    table = score_table(summary) if recall else None
    recall_table = _table(table['headers'], table['rows'], table['groups']) if table else ''
    gate_section = _gate_section(summary)
    title = html.escape(summary.get('title', 'tfx-balance run'))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
table {{ border-collapse: collapse; margin: 8px 0 24px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}
th {{ background: #f3f3f3; }} th[colspan] {{ text-align: center; }}
td:first-child {{ text-align: left; }}
.chart {{ display: block; margin: 12px 0; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{html.escape(summary.get('description', ''))}</p>
<h2>{kind.capitalize()} counts</h2>
{counts_chart}
{counts_table}
<h2>Class-distribution checks</h2>
{verdicts}
<h2>Balanced vs baseline</h2>
{recall_chart}
{f1_chart}
{recall_table}
{calibration_section(summary)}
{gate_section}
</body></html>
"""
