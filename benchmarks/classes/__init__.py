"""The classes section: balanced_dataset at 10 to 10,000 classes (issue 23), time to first batch
and steady rate against the best plain read.

Files: ``jobs.py`` (the measurement, on the dataset section's tabular workload and read methods:
``benchmarks.dataset.workloads`` and ``benchmarks.dataset.reads``), ``report.py`` (its goals and
RESULTS.md section). Run it alone::

    python -m benchmarks.run --sections classes
"""

from __future__ import annotations

from benchmarks import common, harness
from benchmarks.classes.report import goals, render

TITLE = 'balanced_dataset as the number of classes grows'
KEYS = ('classes',)
FULL_ONLY = False
DEFAULT = {
    'classes_runs': 3,  # alternating runs per method
    'classes_streamed_max': 10,  # the streamed path (no goal) up to this many classes
}
FULL = {'classes_streamed_max': 100}
SMOKE = {'classes_runs': 1}


def run(args, results: dict) -> dict:
    """In a fresh process."""
    common.log('balanced_dataset as the number of classes grows')
    job = harness.Job(
        'classes',
        'benchmarks.classes.jobs:run',
        {
            'smoke': args.smoke,
            'runs': args.classes_runs,
            'streamed_max': args.classes_streamed_max,
            'work_dir': args.work_dir,
        },
    )
    result = harness.run_isolated(job)[0] if args.isolated else harness.run_inprocess(job)
    return {'classes': result}


__all__ = ['goals', 'render', 'run']
