"""The smote_speed section: BalancedAugmenter's 'smote' against the I/O floor (and 'interpolate'
beside it), and imbalanced-learn's SMOTE time and memory (issue 28).

Files: ``jobs.py`` (the workload, 10% minority, and the jobs; also runnable alone:
``python -m benchmarks.smote_speed.jobs``), ``report.py`` (its goal and RESULTS.md section).
Run it alone::

    python -m benchmarks.run --sections smote_speed
"""

from __future__ import annotations

from benchmarks.smote_speed.report import goals, render

TITLE = "'smote' vs the I/O floor, and imbalanced-learn's SMOTE time and memory"
KEYS = ('smote_speed',)
FULL_ONLY = False
DEFAULT = {
    'smote_size': 100_000,  # 10% minority grown to parity
    'smote_rounds': 2,  # alternating rounds of floor, smote, interpolate
    'imblearn_sizes': [100_000, 1_000_000],  # imbalanced-learn's SMOTE, for its memory line
}
FULL = {'smote_rounds': 3}
SMOKE = {'smote_size': 2_000, 'smote_rounds': 1, 'imblearn_sizes': [2_000, 4_000]}


def run(args, results: dict) -> dict:
    from benchmarks.smote_speed import jobs

    return {
        'smote_speed': jobs.run(
            args.smote_size, args.smote_rounds, args.isolated, args.work_dir, args.imblearn_sizes
        )
    }


__all__ = ['goals', 'render', 'run']
