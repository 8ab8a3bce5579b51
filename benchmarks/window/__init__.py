"""The window section: what one daily run of each component costs with a window of 1 span and
of 7 (issue 51's goal: <= 1.2x, for each of our components), by the recipes of
docs/continuous_training.md.

Files: ``jobs.py`` (the workload of daily spans and the executor and core jobs, and
``history_job``: what tfx_balance.periodic's history adds to a daily run, LookBack, the
components' reads of the pinned history and CommitSpan, with 0 and ``window - 1`` earlier spans
committed), ``report.py`` (its goals and RESULTS.md section). The StratifiedSplitter's window
(previous_assignments) is measured by the spans section's scale job, and cited here. Run it
alone::

    python -m benchmarks.run --sections window
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.window.report import goals, render

TITLE = 'A daily run of each component with a window of 1 span and of 7 (issue 51)'
KEYS = ('window',)
FULL_ONLY = False
DEFAULT = {
    'window_spans': [30_000, 3_000, 7],  # examples per span, recurring users, spans of the window
    'window_read': [64, 500],  # balanced_dataset: batch size, batches after the first
}
FULL = {}
SMOKE = {'window_spans': [200, 20, 2], 'window_read': [16, 5]}  # a window of 2 in smoke runs


def run(args, results: dict) -> dict:
    from benchmarks.window import jobs

    n, groups, window = args.window_spans
    common.log(f'A daily run with a window of 1 and of {window} spans of {n:,} examples')
    batch_size, batches = args.window_read
    out = jobs.measure(n, groups, window, batch_size, batches, args.isolated, args.work_dir)
    return {'window': out}


__all__ = ['goals', 'render', 'run']
