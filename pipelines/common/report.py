"""A self-contained HTML report of a sample-pipeline run: class counts per stage and per-class
recall of the balanced model vs the baseline, drawn as inline SVG bar charts (``bar_chart``; no
scripts, no external files), each component's picture (what its ``html_report`` output holds,
drawn by ``tfx_balance.core.pictures``), the calibration of the served probabilities (a
reliability diagram), plus the validators' verdicts and the model gate's verdict. A multi-label
summary (``'multi_label': True``) is drawn per label, in its order (the rarest label first), with
precision and F1 per label beside recall (and macro F1 beside macro recall).

The input is the summary dict built by ``pipelines.common.summary``.
"""

from __future__ import annotations

import html

from pipelines.common.calibration_report import calibration_section
from tfx_balance.core.pictures import charts


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


def _gate_section(summary: dict) -> str:
    """The Evaluator's gate on the balanced model (blessed or not, each threshold) and why accuracy
    alone would have chosen wrong; empty when the summary has no gate."""
    gate = summary.get('gate')
    if not gate:
        return ''
    verdict = 'BLESSED: the Pusher shipped it' if gate['blessed'] else 'NOT BLESSED: not pushed'
    checks = charts.table(
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
    improvement = (summary.get('intervals') or {}).get('improvement')
    if improvement:
        section += f'\n<p id="improvement-interval">{html.escape(_interval_text(summary))}</p>'

    accuracy = summary.get('accuracy')
    if accuracy:  # single-label samples: what accuracy alone would have chosen
        accuracy_row = ''.join(f' {html.escape(m)} {v:.3f};' for m, v in accuracy.items())
        section += (
            f'\n<p>Accuracy (not gated):{accuracy_row}</p>\n'
            f'<p id="accuracy-verdict">{html.escape(summary.get("accuracy_verdict", ""))}</p>'
        )
    return section


def _interval_text(summary: dict) -> str:
    """The paired improvement with its interval and verdict, in one sentence."""
    intervals = summary['intervals']
    improvement = intervals['improvement']
    return (
        f'Paired improvement over the baseline: {improvement["estimate"]:+.3f}, '
        f'{intervals["confidence"]}% interval [{improvement["lower"]:+.3f}, '
        f'{improvement["upper"]:+.3f}]; {improvement["verdict"]}.'
    )


def _pictures_section(summary: dict) -> str:
    """Each component's picture (``summary['pictures']``: ``{component id: HTML fragment}``)."""
    pictures = summary.get('pictures') or {}
    if not pictures:
        return ''
    parts = [f'<section id="picture-{html.escape(c)}">{p}</section>' for c, p in pictures.items()]
    return '<h2>What each component reported</h2>\n' + '\n'.join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    categories: list,
    series: dict,
    log_scale: bool = False,
    value_format: str = '{:g}',
    y_max: float | None = None,
    intervals: dict | None = None,
) -> str:
    """Grouped vertical bar chart as an <svg> element; one group per category, and a legend
    naming every series (wrapped onto as many rows as it needs). For a few categories.
    ``intervals``: per series a ``(low, high)`` or None per category, drawn as a line across
    its bar (e.g. a confidence interval)."""
    width, left, bottom, top, plot_h = max(520, 60 + len(categories) * 70), 50, 70, 30, 200
    legend = charts.legend_layout(series, left, width - 10)
    rows = 1 + max((row for _, row in legend), default=0)
    height = top + plot_h + bottom + (rows - 1) * charts.LEGEND_ROW
    plot_w = width - left - 10
    values = [v for s in series.values() for v in s]
    vmax = y_max if y_max is not None else max([1] + values)
    scale = charts.axis_scale(vmax, plot_h, log_scale)
    group_w = plot_w / max(1, len(categories))
    bar_w = group_w * 0.8 / max(1, len(series))
    parts = [
        f'<svg id="{chart_id}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" role="img" aria-label="{charts.esc(title)}">',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{charts.esc(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#333"/>',
    ]
    for si, (name, vals) in enumerate(series.items()):
        color = charts.PALETTE[si % len(charts.PALETTE)]
        for ci, value in enumerate(vals):
            h = scale(value)
            x = left + ci * group_w + group_w * 0.1 + si * bar_w
            y = top + plot_h - h
            label = value_format.format(value)
            parts.append(
                f'<rect class="bar" data-series="{charts.esc(name)}" '
                f'data-category="{charts.esc(categories[ci])}" data-value="{value}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.95:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{charts.esc(name)} / '
                f'{charts.esc(categories[ci])}: {label}</title></rect>'
            )
            interval = (intervals or {}).get(name)
            if interval is not None and interval[ci] is not None:
                low, high = (top + plot_h - scale(v) for v in interval[ci])
                cx = x + bar_w * 0.95 / 2
                parts.append(
                    f'<line class="interval" data-series="{charts.esc(name)}" '
                    f'data-category="{charts.esc(categories[ci])}" x1="{cx:.1f}" y1="{low:.1f}" '
                    f'x2="{cx:.1f}" y2="{high:.1f}" stroke="{charts.MARK_COLOR}" '
                    'stroke-width="1.5"/>'
                )
        lx, row = legend[si]
        ly = top + plot_h + 52 + row * charts.LEGEND_ROW
        parts.append(
            f'<g class="legend-item"><rect x="{lx}" y="{ly}" width="12" height="12" '
            f'fill="{color}"/><text class="legend" x="{lx + 16}" y="{ly + 10}" '
            f'font-size="{charts.LEGEND_FONT}">{charts.esc(name)}</text></g>'
        )
    for ci, cat in enumerate(categories):
        x = left + ci * group_w + group_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">'
            f'{charts.esc(cat)}</text>'
        )
    scale_note = 'log scale' if log_scale else f'0 .. {value_format.format(vmax)}'
    parts.append(f'<text x="4" y="{top + 10}" font-size="10" fill="#666">{scale_note}</text>')
    parts.append('</svg>')
    return '\n'.join(parts)


def render_report(summary: dict) -> str:
    """Returns the report as one HTML document (string)."""
    classes = summary['classes']
    stages = summary['stages']
    kind = unit(summary)
    counts = [v for stage in stages.values() for v in stage.values()]
    log_scale = bool(counts) and max(counts) > 50 * max(1, min(c for c in counts if c > 0))
    counts_chart = bar_chart(
        'counts-chart',
        f'Examples per {kind} at each stage',
        classes,
        {stage: [per.get(c, 0) for c in classes] for stage, per in stages.items()},
        log_scale=log_scale,
        value_format='{:.0f}',
    )
    recall = summary.get('recall') or {}

    intervals = summary.get('intervals') or {}

    def score_chart(key: str, title: str) -> str:
        """Bars of both models' ``summary[key]`` per class (label), 0 .. 1, with their confidence
        intervals where the Evaluator computed them."""
        scores = summary.get(key) or {}
        bounds = intervals.get(key) or {}
        confidence = f' ({intervals["confidence"]}% intervals)' if bounds else ''
        return bar_chart(
            f'{key}-chart',
            f'Per-{kind} {title} on the test split{confidence}',
            classes,
            {model: [per.get(c, 0.0) for c in classes] for model, per in scores.items()},
            value_format='{:.2f}',
            y_max=1.0,
            intervals={m: [per.get(c) for c in classes] for m, per in bounds.items()},
        )

    recall_chart = score_chart('recall', 'recall')
    f1_chart = score_chart('f1', 'F1') if summary.get('f1') else ''
    verdicts = charts.table(
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
    counts_table = charts.table(
        [kind] + list(stages), [[c] + [stages[s].get(c, 0) for s in stages] for c in classes]
    )
    table = score_table(summary) if recall else None
    recall_table = charts.table(table['headers'], table['rows'], table['groups']) if table else ''
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
{_pictures_section(summary)}
</body></html>
"""
