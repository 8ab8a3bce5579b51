"""The calibration section: the served probabilities' log loss and ECE with the prior
correction against the baseline model (issue 42), per sample pipeline, over 3 training seeds,
and what the correction costs at serving time (the A/B).

Full runs only (about 15 min quiet): each sample pipeline runs once
(``benchmarks/common/pipeline_run.py``) unless ``--set calibration_runs=taxi=RUN,digits=RUN,
multilabel=RUN`` names finished runs, then both of its models are retrained with each seed on
that run's artifacts. Files: ``jobs.py`` (the retraining and scores; also runnable alone:
``python -m benchmarks.calibration.jobs --runs ...``), ``serving_ab.py`` (the serving A/B),
``report.py`` (its goals and RESULTS.md section). Run it alone::

    python -m benchmarks.run --sections calibration
"""

from __future__ import annotations

import os

from benchmarks import common
from benchmarks.calibration.report import goals, render
from benchmarks.common import pipeline_run

TITLE = 'Calibration of the served probabilities (prior correction)'
KEYS = ('calibration',)
FULL_ONLY = True
DEFAULT = {'calibration_runs': []}  # sample=run folder (taxi, digits, multilabel) to read
FULL = {}
SMOKE = {}


def run(args, results: dict) -> dict:
    from benchmarks.calibration import jobs, serving_ab

    runs = dict(item.split('=', 1) for item in args.calibration_runs or [])
    if args.smoke and not runs:
        return {
            'calibration': {
                'missing': 'not measured in smoke runs: pass --set calibration_runs=sample=run'
            }
        }
    for sample in jobs.SAMPLES:
        if sample not in runs:
            runs[sample] = os.path.join(args.work_dir, f'calibration-{sample}')
            common.log(f'Calibration: running the {sample} sample into {runs[sample]}')
            pipeline_run.run_pipeline(runs[sample], f'pipelines.{sample}.run_local')
    common.log('Calibration: retraining both models of each sample with 3 seeds')
    result = jobs.run(runs)
    common.log('Calibration: serving and run_fn with and without the correction (A/B)')
    for sample, ab in serving_ab.run(runs, jobs.SEEDS).items():
        result[sample]['serving_ab'] = ab
    return {'calibration': result}


__all__ = ['goals', 'render', 'run']
