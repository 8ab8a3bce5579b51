"""Calibration of a sample run's served ``probabilities``: read from the Evaluator's TFMA output
(``calibration_of``), shown as text lines beside macro recall (``calibration_lines``) and
as an HTML section with a reliability diagram (``calibration_section``: inline SVG, mean
predicted probability against the observed frequency per confidence bin, one line per model).

The summary's ``'calibration'`` entry is ``{model: {'expected_calibration_error', 'log_loss',
'bins': [[weight share, mean confidence, accuracy], ...]}}``.
"""

from __future__ import annotations

import html
import json
import math

from tfx_balance.core.common import keys
from tfx_balance.core.pictures.charts import PALETTE

COLOURS = PALETTE[:4]


def calibration_of(evaluation_dir: str, models) -> dict:
    """``{model: {...}}`` of the ``probabilities`` output of ``models`` (empty when the
    Evaluator computed no calibration metrics)."""
    import tensorflow_model_analysis as tfma

    out = {}
    bins_key = f'{keys.EXPECTED_CALIBRATION_ERROR}/{keys.CALIBRATION_BINS}'
    for per_slice in tfma.load_metrics(evaluation_dir):
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.metric_keys_and_values:
            key, value = entry.key, entry.value
            if key.is_diff or key.output_name != keys.PROBABILITIES or key.model_name not in models:
                continue
            row = out.setdefault(key.model_name, {})
            if key.name in (keys.EXPECTED_CALIBRATION_ERROR, keys.LOG_LOSS):
                row[key.name] = value.double_value.value
            elif key.name == bins_key:
                row['bins'] = json.loads(value.bytes_value.decode())
    return {m: out[m] for m in models if m in out}


def calibration_lines(summary: dict) -> list:
    """Text lines: ECE and log loss of each model's ``probabilities``."""
    calibration = summary.get('calibration') or {}
    if not calibration:
        return []
    lines = [
        "Calibration of the served 'probabilities' on the test split (the balanced model's are "
        "corrected to the data's class frequencies; decisions above use 'balanced_probabilities'):"
    ]
    for model, row in calibration.items():
        lines.append(
            f'  {model:<14}ECE {row[keys.EXPECTED_CALIBRATION_ERROR]:.3f}   '
            f'log loss {row[keys.LOG_LOSS]:.3f}'
        )
    return lines


def _reliability_svg(calibration: dict) -> str:
    size, pad = 320, 40
    plot = size - 2 * pad

    def xy(conf, acc):
        return pad + conf * plot, size - pad - acc * plot

    parts = [
        f'<svg id="reliability-chart" class="reliability" width="{size + 160}" height="{size}" '
        'style="display: block; margin: 12px 0" '
        'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Reliability diagram">',
        f'<rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="none" stroke="#999"/>',
        f'<line x1="{pad}" y1="{size - pad}" x2="{size - pad}" y2="{pad}" stroke="#bbb" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{pad}" y="{size - 8}" font-size="11">mean predicted probability (0 .. 1)</text>',
        f'<text x="4" y="{pad - 8}" font-size="11">observed frequency (0 .. 1)</text>',
    ]
    for i, (model, row) in enumerate(calibration.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = [
            xy(conf, acc)
            for share, conf, acc in row.get('bins', [])
            if share > 0 and not math.isnan(conf) and not math.isnan(acc)
        ]
        if points:
            path = ' '.join(f'{x:.1f},{y:.1f}' for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
            parts += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points
            ]
        y = pad + 16 * i
        parts.append(f'<rect x="{size}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(
            f'<text x="{size + 14}" y="{y + 9}" font-size="12">{html.escape(model)}</text>'
        )
    parts.append('</svg>')
    return '\n'.join(parts)


def calibration_section(summary: dict) -> str:
    """The HTML section: the reliability diagram and a table of ECE and log loss."""
    calibration = summary.get('calibration') or {}
    if not calibration:
        return ''
    rows = ''.join(
        f'<tr><td>{html.escape(model)}</td><td>{row[keys.EXPECTED_CALIBRATION_ERROR]:.3f}</td>'
        f'<td>{row[keys.LOG_LOSS]:.3f}</td></tr>'
        for model, row in calibration.items()
    )
    return (
        '<h2>Calibration of the served probabilities</h2>\n'
        '<p>The served model outputs <code>probabilities</code> (for the balanced model: its scores '
        "corrected to the data's class frequencies; use them for thresholds and expected counts) "
        'and <code>balanced_probabilities</code> (its own scores: the decisions and recall above). '
        'A well-calibrated model lies on the diagonal.</p>\n'
        f'{_reliability_svg(calibration)}\n'
        '<table><thead><tr><th>model</th><th>ECE</th><th>log loss</th></tr></thead>'
        f'<tbody>{rows}</tbody></table>'
    )
