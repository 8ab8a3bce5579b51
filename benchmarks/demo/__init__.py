"""The demo section: the sample pipeline (``make demo``) by component, read from its run's MLMD.

Default and full runs run ``make demo``'s pipeline into ``benchmarks/_work/demo`` unless
``--set demo_run=DIR`` names a finished run; smoke runs read ``runs/digits`` if ``make demo``
left one. The run and its timings: ``benchmarks/common/pipeline_run.py`` (shared with taxi_cv and
calibration). Run it alone::

    python -m benchmarks.run --sections demo
"""

from __future__ import annotations

import os

from benchmarks.common import pipeline_run
from benchmarks.harness.format import missing_note

TITLE = 'Sample pipeline (`make demo`) by component'
KEYS = ('demo',)
FULL_ONLY = False
DEFAULT = {'demo_run': None}  # a finished make demo run to read instead of running it
FULL = {}
SMOKE = {}
MODULE = 'pipelines.digits.run_local'  # make demo
SMOKE_RUN_DIR = os.path.join('runs', 'digits')  # where make demo leaves its run


def run(args, results: dict) -> dict:
    return {
        'demo': pipeline_run.measure(
            args.demo_run,
            SMOKE_RUN_DIR if args.smoke else None,
            os.path.join(args.work_dir, 'demo'),
            'make demo',
            MODULE,
        )
    }


def render(results: dict) -> list:
    return pipeline_run.render(results.get('demo') or {'missing': missing_note('demo')})


def goals(results: dict) -> list:
    return []  # its time is reported, with no goal
