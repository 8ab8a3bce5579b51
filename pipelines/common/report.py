"""A self-contained HTML report of a sample-pipeline run: class counts per stage and per-class
recall of the balanced model vs the baseline, drawn as inline SVG bar charts (no scripts, no
external files) with the package's charts (``tfx_balance.core.pictures``), each component's
picture (what its ``html_report`` output holds), the calibration of the served probabilities (a
reliability diagram), plus the validators' verdicts and the model gate's verdict. A multi-label
summary (``'multi_label': True``) is drawn per label, in its order (the rarest label first), with
precision and F1 per label beside recall (and macro F1 beside macro recall).

The input is the summary dict built by ``pipelines.common.summary``.
"""

from __future__ import annotations

import html

from pipelines.common.calibration_report import calibration_section
from tfx_balance.core.pictures.charts import bar_chart as _bar_chart
from tfx_balance.core.pictures.charts import table as _table


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

    intervals = summary.get('intervals') or {}

    def score_chart(key: str, title: str) -> str:
        """Bars of both models' ``summary[key]`` per class (label), 0 .. 1, with their confidence
        intervals where the Evaluator computed them."""
        scores = summary.get(key) or {}
        bounds = intervals.get(key) or {}
        confidence = f' ({intervals["confidence"]}% intervals)' if bounds else ''
        return _bar_chart(
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
{_pictures_section(summary)}
</body></html>
"""
