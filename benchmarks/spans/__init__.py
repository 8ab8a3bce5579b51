"""The spans section: StratifiedSplitter's splits across spans (issue 51), with and without
previous_assignments, against TFX's hash split by group; ClassDistributionValidator's drift check
over the same spans; the splitter with a window of earlier spans' assignments at scale.

Files: ``data.py`` (the generator: recurring fraud-like users, late duplicates), ``jobs.py``
(the stability and drift data, the scale jobs), ``report.py`` (its goals and RESULTS.md
section). Run it alone::

    python -m benchmarks.run --sections spans
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.spans.report import goals, render

TITLE = 'StratifiedSplitter across spans: stable splits, drift, and a window of assignments'
KEYS = ('spans',)
FULL_ONLY = False
DEFAULT = {
    'spans_users': 1_500,  # users of the stability and drift tables
    'spans_count': 7,  # spans of the stability table (one more, shifted, for the drift check)
    'spans_scale': [100_000, 10_000, 7],  # examples per span, recurring users, earlier spans
    'spans_repeats': 1,
}
FULL = {'spans_scale': [1_000_000, 100_000, 7]}
SMOKE = {'spans_users': 60, 'spans_count': 2, 'spans_scale': [300, 30, 1]}  # ~15 s


def run(args, results: dict) -> dict:
    from benchmarks.spans import jobs

    common.log(f'Splits across {args.spans_count} spans of {args.spans_users:,} users (issue 51)')
    out = {'stability': jobs.stability(args.spans_users, args.spans_count, args.work_dir)}
    n, groups, window = args.spans_scale
    common.log(f'StratifiedSplitter with {window} spans of assignments at {n:,} examples')
    out['scale'] = jobs.scale(n, groups, window, args.spans_repeats, args.isolated, args.work_dir)
    return {'spans': out}


__all__ = ['goals', 'render', 'run']
