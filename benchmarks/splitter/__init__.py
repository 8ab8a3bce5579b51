"""The splitter section: StratifiedSplitter (8:1:1, folds=5, label_bins=10), TFX's hash split and
LeakageCheck against the I/O floor on the tabular workload, and the scaling curve.

Files: ``jobs.py`` (the executor jobs), ``leakage.py`` (LeakageCheck's job), ``report.py`` (its
goals, its RESULTS.md section and ``scaling.png``); the workload and the floor are shared
(``benchmarks/common``). Run it alone::

    python -m benchmarks.run --sections splitter
"""

from __future__ import annotations

import os

from benchmarks.splitter.report import goals, render, write_chart

TITLE = "StratifiedSplitter vs the I/O floor and TFX's hash split"
KEYS = ('splitter',)
FULL_ONLY = False
LARGE = 300_000  # from this size on, a job runs large_repeats times
DEFAULT = {
    'sizes': [100_000, 1_000_000],
    'scaling_sizes': [100_000, 1_000_000],
    'multi_size': 0,  # the runner-mode comparison (no goal) only in full runs
    'repeats': 3,
    'large_repeats': 1,  # runs per job at LARGE examples or more
    'tfx_hash_max': 100_000,  # TFX's hash split only up to this size
    'multi_floor': False,  # the I/O floor in multi-processing mode too
}
FULL = {
    'scaling_sizes': [100_000, 300_000, 1_000_000],
    'multi_size': 1_000_000,
    'large_repeats': 3,
    'tfx_hash_max': None,
    'multi_floor': True,
}
SMOKE = {'sizes': [1_000], 'scaling_sizes': [500, 1_000], 'repeats': 1}


def run(args, results: dict) -> dict:
    from benchmarks.splitter import jobs

    return {
        'splitter': jobs.run(
            args.sizes,
            args.scaling_sizes,
            args.multi_size,
            lambda n: args.large_repeats if n >= LARGE else args.repeats,
            args.isolated,
            args.work_dir,
            tfx_hash_max=args.tfx_hash_max,
            multi_floor=args.multi_floor,
        )
    }


def write(results: dict, out_dir: str) -> None:
    """The scaling chart, ``scaling.png`` beside RESULTS.md."""
    write_chart(results, os.path.join(out_dir, 'scaling.png'))


__all__ = ['goals', 'render', 'run', 'write']
