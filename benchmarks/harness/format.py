"""Small formatting helpers shared by the RESULTS.md renderers (``report.py`` and the
``report_*.py`` section modules): numbers, ratios, goal status, markdown tables, a job's row
and the "not measured" line of a section.

Example::

    >>> _table(['job', 'median s'], [['I/O floor', _sec(1.5)]])
    ['| job | median s |', '|---|---|', '| I/O floor | 1.50 |']
"""

from __future__ import annotations

from benchmarks import common


def _num(value, fmt='{:,.0f}'):
    return '—' if value is None else fmt.format(value)


def _sec(value):
    return _num(value, '{:.2f}')


def _mib(value):
    return _num(value, '{:,.0f}')


def _ratio(value):
    return _num(value, '{:.2f}x')


def _status(met):
    return 'met' if met else '**MISSED**'


_size = common.size_label


def _table(header, rows) -> list:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _ in header) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return lines


def _job_row(label, summary, floor=None):
    ratio = summary['seconds'] / floor['seconds'] if floor else None
    return [
        label,
        _sec(summary['seconds']),
        ', '.join(f'{s:.1f}' for s in summary['runs']),
        _num(summary['examples_written']),
        _num(summary['rate']),
        _mib(summary.get('peak_rss_mb')),
        _mib(summary.get('baseline_rss_mb')),
        _ratio(ratio)
        if floor
        else '1.00x (floor)'
        if floor is None and label.startswith('I/O')
        else '—',
    ]


def _missing(section: str) -> str:
    return f'Not measured: run `python -m benchmarks.run --sections {section}` (or the whole set)'


def _not_measured(section: str) -> str:
    return f'_{_missing(section)}._'


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
    return _table(['measure'] + ['value'] * (width - 1), rows)
