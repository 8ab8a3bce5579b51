"""The taxi_cv section: the cross-validated taxi pipeline (``make demo-taxi-cv``, issue 26) by
component, read from its run's MLMD as for the demo (``benchmarks/common/pipeline_run.py``).
Full runs only (about 2.5 min): its time is no goal. ``--set taxi_cv_run=DIR`` reads a finished
run instead; smoke runs read ``runs/taxi-cv`` if there is one. Run it alone::

    python -m benchmarks.run --sections taxi_cv
"""

from __future__ import annotations

import os

from benchmarks.common import pipeline_run
from benchmarks.harness.format import not_measured_note

TITLE = 'Cross-validated taxi pipeline (`make demo-taxi-cv`) by component'
KEYS = ('taxi_cv',)
FULL_ONLY = True
DEFAULT = {'taxi_cv_run': None}  # a finished make demo-taxi-cv run to read instead
FULL = {}
SMOKE = {}
MODULE = 'pipelines.taxi.run_local_cv'  # make demo-taxi-cv
SMOKE_RUN_DIR = os.path.join('runs', 'taxi-cv')


def run(args, results: dict) -> dict:
    return {
        'taxi_cv': pipeline_run.measure(
            args.taxi_cv_run,
            SMOKE_RUN_DIR if args.smoke else None,
            os.path.join(args.work_dir, 'taxi-cv'),
            'make demo-taxi-cv',
            MODULE,
            ' (~2.5 min)',
        )
    }


def render(results: dict) -> list:
    lines = [
        'Full runs only (`BENCH_FULL=1 make bench`, or `--sections taxi_cv`): about 2.5 minutes, '
        'no goal but its time; when and at which commit it was measured is in the sections '
        'table above.',
        '',
    ]
    taxi = results.get('taxi_cv')
    if taxi is None:
        return lines + [not_measured_note('taxi_cv')]
    return lines + [
        line.replace('`make demo` command', '`make demo-taxi-cv` command')
        for line in pipeline_run.render(taxi)
    ]


def goals(results: dict) -> list:
    return []  # its time is reported, with no goal
