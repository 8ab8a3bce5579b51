"""The RESULTS.md sections of the sample pipelines' runs (``bench_demo.py``): section 5
(`make demo`) and section 8 (`make demo-taxi-cv`), seconds per component from the run's MLMD.

Example::

    >>> render_demo({})
    ['_Not measured: run `python -m benchmarks.run --sections demo` (or the whole set)._']
"""

from __future__ import annotations

from benchmarks.bench_demo import shown_path
from benchmarks.report_format import _missing, _not_measured, _table


def _render_demo(demo: dict) -> list:
    if 'missing' in demo:
        return [f'_{demo["missing"]}._']
    metadata = shown_path(demo['metadata'])  # results recorded before it held absolute paths
    command = (
        f' The whole `make demo` command (imports, pipeline, summary, report) took '
        f'{demo["command_seconds"]:.0f} s.'
        if demo.get('command_seconds')
        else ''
    )
    lines = [
        f'Pipeline `{demo["pipeline"]}`, run `{demo["run"]}` (from `{metadata}`): '
        f"{demo['wall_seconds']:.1f} s from the run's start to its last published output."
        + command,
        '',
    ]
    rows = [[c['component'], c['state'], f'{c["seconds"]:.1f}'] for c in demo['components']]
    total = sum(c['seconds'] for c in demo['components'])
    rows.append(['**sum of components**', '', f'{total:.1f}'])
    return lines + _table(['component', 'state', 'seconds'], rows)


def render_demo(results: dict) -> list:
    """Section 5's lines (after its heading)."""
    return _render_demo(results.get('demo') or {'missing': _missing('demo')})


def render_taxi_cv(results: dict) -> list:
    """Section 8's lines (after its heading)."""
    lines = [
        'Full runs only (`BENCH_FULL=1 make bench`, or `--sections taxi_cv`): about 2.5 minutes, '
        'no goal but its time; when and at which commit it was measured is in the sections '
        'table above.',
        '',
    ]
    taxi = results.get('taxi_cv')
    if taxi is None:
        lines += [_not_measured('taxi_cv')]
    else:
        lines += [
            line.replace('`make demo` command', '`make demo-taxi-cv` command')
            for line in _render_demo(taxi)
        ]
    lines += ['']
    return lines
