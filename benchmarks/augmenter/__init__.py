"""The augmenter section: BalancedAugmenter (copy, numeric, interpolate, a user augment_fn, image)
against the I/O floor, in time per written example.

Files: ``jobs.py`` (the executor jobs), ``augment_fn_module.py`` (the user augment_fn),
``report.py`` (its goals and RESULTS.md section); the workloads and the floor are shared
(``benchmarks/common``). Run it alone::

    python -m benchmarks.run --sections augmenter
"""

from __future__ import annotations

from benchmarks.augmenter.report import goals, render

TITLE = 'BalancedAugmenter vs the I/O floor'
KEYS = ('augmenter',)
FULL_ONLY = False
DEFAULT = {'augment_size': 20_000, 'image_size': 2_000, 'augment_repeats': 3}
FULL = {}
SMOKE = {'augment_size': 500, 'image_size': 200, 'augment_repeats': 1}


def run(args, results: dict) -> dict:
    """Reuses the tabular floors the splitter section measured in this run."""
    from benchmarks.augmenter import jobs

    sp = results.get('splitter') or {}
    floors = {('tabular', n): row['floor'] for n, row in sp.get('compare', {}).items()}
    floors.update({('tabular', n): row['floor'] for n, row in sp.get('scaling', {}).items()})
    return {
        'augmenter': jobs.run(
            args.augment_size,
            args.image_size,
            args.augment_repeats,
            args.isolated,
            args.work_dir,
            floors,
        )
    }


__all__ = ['goals', 'render', 'run']
