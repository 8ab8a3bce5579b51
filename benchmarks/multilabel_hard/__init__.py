"""The multilabel_hard section: the multi-label split on harder shapes (issue 40), a label
hierarchy, with groups, and 5,000 labels, against iterstrat and skmultilearn.

Full runs only (iterstrat on 5,000 labels takes minutes per size). Files: ``jobs.py`` (the
plans and their quality; also runnable alone: ``python -m benchmarks.multilabel_hard.jobs``),
``report.py`` (its RESULTS.md section); the workloads are shared with multilabel_quality
(``benchmarks/common/hard_multilabel_data.py``). Run it alone::

    python -m benchmarks.run --sections multilabel_hard
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.harness.format import not_measured_note
from benchmarks.multilabel_hard import report

TITLE = 'Multi-label split on harder shapes (issue 40): hierarchy, groups, 5,000 labels'
KEYS = ('multilabel_hard',)
FULL_ONLY = True
DEFAULT = {
    'multilabel_hard_sizes': [2_000, 5_000, 30_000, 100_000, 1_000_000],
    # iterstrat and skmultilearn only up to 5,000 / 2,000 units of this shape (their limits in
    # jobs.py: iterstrat took 313 s at 5k and did not finish in 20 min at 20k)
    'multilabel_hard_many_sizes': [2_000, 5_000, 20_000, 30_000, 100_000, 1_000_000],
}
FULL = {}
SMOKE = {'multilabel_hard_sizes': [500], 'multilabel_hard_many_sizes': []}


def run(args, results: dict) -> dict:
    from benchmarks.multilabel_hard import jobs

    common.log('Multi-label split on a hierarchy, groups and 5,000 labels (issue 40)')
    return {
        'multilabel_hard': jobs.run_section(
            args.multilabel_hard_sizes, args.multilabel_hard_many_sizes, log=common.log
        )
    }


def render(results: dict) -> list:
    return report.render_section(results) or [not_measured_note('multilabel_hard')]


def goals(results: dict) -> list:
    return []  # its goals are judged in its own table
