"""Small formatting helpers shared by the RESULTS.md renderers (``report.py`` and the
``report_*.py`` section modules): numbers, ratios, goal status, markdown tables, a job's row
and the "not measured" line of a section.

Example::

    >>> markdown_table(['job', 'median s'], [['I/O floor', fmt_seconds(1.5)]])
    ['| job | median s |', '|---|---|', '| I/O floor | 1.50 |']
"""

from __future__ import annotations


def fmt_num(value, fmt='{:,.0f}'):
    return '—' if value is None else fmt.format(value)


def fmt_seconds(value):
    return fmt_num(value, '{:.2f}')


def fmt_mib(value):
    return fmt_num(value, '{:,.0f}')


def fmt_ratio(value):
    return fmt_num(value, '{:.2f}x')


def goal_status(met):
    return 'met' if met else '**MISSED**'


def markdown_table(header, rows) -> list:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _ in header) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return lines


def job_row(label, summary, floor=None):
    ratio = summary['seconds'] / floor['seconds'] if floor else None
    return [
        label,
        fmt_seconds(summary['seconds']),
        ', '.join(f'{s:.1f}' for s in summary['runs']),
        fmt_num(summary['examples_written']),
        fmt_num(summary['rate']),
        fmt_mib(summary.get('peak_rss_mb')),
        fmt_mib(summary.get('baseline_rss_mb')),
        fmt_ratio(ratio)
        if floor
        else '1.00x (floor)'
        if floor is None and label.startswith('I/O')
        else '—',
    ]


def missing_note(section: str) -> str:
    return f'Not measured: run `python -m benchmarks.run --sections {section}` (or the whole set)'


def not_measured_note(section: str) -> str:
    return f'_{missing_note(section)}._'


def render_result(result: dict) -> list:
    """A section's result as its lines: its "missing" reason, the markdown its job wrote
    (``result['markdown']``), or else its fields as a table."""
    if 'missing' in result:
        return [f'_{result["missing"]}._']
    if isinstance(result.get('markdown'), str):
        return [result['markdown'].rstrip()]
    rows = []
    for key, value in result.items():
        if key == 'goals':
            continue
        if isinstance(value, dict):
            rows.append([key] + [f'{k}: {v}' for k, v in value.items()])
        else:
            rows.append([key, value])
    width = max((len(r) for r in rows), default=2)
    rows = [r + [''] * (width - len(r)) for r in rows]
    return markdown_table(['measure'] + ['value'] * (width - 1), rows)
