"""The smote_quality section: balanced accuracy per augmentation against imbalanced-learn's SMOTE
(issue 28), cross-validated on datasets that ship with scikit-learn.

Files: ``jobs.py`` (the folds, the resamplings and the scores; also runnable alone:
``python -m benchmarks.smote_quality.jobs``), ``report.py`` (its goals and RESULTS.md section).
Run it alone::

    python -m benchmarks.run --sections smote_quality
"""

from __future__ import annotations

from benchmarks import common, harness
from benchmarks.smote_quality.report import goals, render

TITLE = "'smote' balanced accuracy per augmentation vs imbalanced-learn's SMOTE"
KEYS = ('smote_quality',)
FULL_ONLY = False
DEFAULT = {
    'smote_seeds': 5,  # seeds 0 .. n-1
    'smote_datasets': None,  # all three (or names by prefix, e.g. ['wine'])
    'smote_draws': 10,  # resampling draws per fold
}
FULL = {}
SMOKE = {'smote_seeds': 1, 'smote_datasets': ['wine'], 'smote_draws': 1}


def run(args, results: dict) -> dict:
    """In a fresh process."""
    common.log('SMOTE quality: balanced accuracy per augmentation and dataset')
    job = harness.Job(
        'smote-quality',
        'benchmarks.smote_quality.jobs:quality_job',
        {
            'seeds': list(range(args.smote_seeds)),
            'only': args.smote_datasets,
            'draws': args.smote_draws,
        },
    )
    result = harness.run_isolated(job)[0] if args.isolated else harness.run_inprocess(job)
    return {'smote_quality': result}


__all__ = ['goals', 'render', 'run']
