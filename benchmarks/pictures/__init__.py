"""The pictures section (issue 83): what drawing each component's picture costs, at 2, 100 and
1,000 classes, and how large the page is. The component draws once, after its Beam job, from
the report it wrote (``tfx_balance.core.pictures``); the goal is a few hundred milliseconds at
most. Reports: ``reports.py`` (the formats the components write). Run it alone::

    python -m benchmarks.run --sections pictures
"""

from __future__ import annotations

import time

from benchmarks import common
from benchmarks.harness.format import not_measured_note

TITLE = "what drawing each component's picture costs"
KEYS = ('pictures',)
FULL_ONLY = False
DEFAULT = {'pictures_classes': [2, 100, 1000], 'pictures_repeats': 5}
FULL = {}
SMOKE = {'pictures_classes': [2, 100], 'pictures_repeats': 1}
GOAL_SECONDS = 0.3  # per component and picture, at 1,000 classes: "a few hundred milliseconds"


def run(args, results: dict) -> dict:
    """In this process (drawing is pure Python; the report modules are imported first, as the
    executors have them)."""
    from benchmarks.pictures.reports import example_reports
    from tfx_balance.core.pictures import PICTURES, picture_page
    from tfx_balance.core.split import report  # noqa: F401 (imported by the splitter too)

    common.log("what drawing each component's picture costs")
    rows = []
    for classes in args.pictures_classes:
        reports = example_reports(classes)
        for report_file in PICTURES:
            times, page = [], ''
            for _ in range(args.pictures_repeats):
                started = time.perf_counter()
                page = picture_page(report_file, reports[report_file])
                times.append(time.perf_counter() - started)
            rows.append(
                {
                    'classes': classes,
                    'report': report_file,
                    'seconds': min(times),
                    'bytes': len(page.encode()),
                }
            )
    return {'pictures': {'rows': rows, 'repeats': args.pictures_repeats}}


def render(results: dict) -> list:
    section = results.get('pictures')
    if not section:
        return [not_measured_note('pictures')]
    lines = [
        'Drawing one picture from its report (`picture_page`, the best of '
        f'{section["repeats"]} runs), and the page it gives; reports of `reports.py`, class `i` '
        'holding about `5000 / (i + 1) ** 1.3` examples:',
        '',
        '| report | classes | ms | KB |',
        '| --- | ---: | ---: | ---: |',
    ]
    for r in section['rows']:
        lines.append(
            f'| {r["report"]} | {r["classes"]:,} | {r["seconds"] * 1000:.1f} | '
            f'{r["bytes"] / 1000:.1f} |'
        )
    return lines


def goals(results: dict) -> list:
    section = results.get('pictures') or {}
    rows = [r for r in section.get('rows', []) if r['classes'] == 1000]
    if not rows:
        return []
    worst = max(rows, key=lambda r: r['seconds'])
    return [
        (
            f"drawing a component's picture at 1,000 classes <= {GOAL_SECONDS * 1000:.0f} ms",
            f'{worst["seconds"] * 1000:.1f} ms ({worst["report"]})',
            worst['seconds'] <= GOAL_SECONDS,
            '',
        )
    ]


__all__ = ['goals', 'render', 'run']
