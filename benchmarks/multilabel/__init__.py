"""The multilabel section: the multi-label StratifiedSplitter against the I/O floor, iterstrat and
a random split (issue 24), on 100 labels, independent and correlated.

Files: ``jobs.py`` (the jobs), ``report.py`` (its goals and RESULTS.md section); the workloads
(``benchmarks/common/multilabel_data.py``) and the floor are shared. Run it alone::

    python -m benchmarks.run --sections multilabel
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.multilabel.report import goals, render

TITLE = 'Multi-label StratifiedSplitter vs iterstrat and a random split'
KEYS = ('multilabel',)
FULL_ONLY = False
DEFAULT = {
    'multilabel_sizes': [100_000, 1_000_000],
    'multilabel_repeats': 1,  # alternating runs of the multi-label splitter and floor
}
FULL = {'multilabel_repeats': 3}
SMOKE = {'multilabel_sizes': [1_000]}


def run(args, results: dict) -> dict:
    from benchmarks.multilabel import jobs

    common.log('Multi-label StratifiedSplitter vs iterstrat and a random split')
    return {
        'multilabel': jobs.run(
            args.multilabel_sizes, args.multilabel_repeats, args.isolated, args.work_dir
        )
    }


__all__ = ['goals', 'render', 'run']
