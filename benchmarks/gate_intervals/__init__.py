"""The gate_intervals section: what ``balanced_eval_config(confidence=0.95)`` costs the Evaluator
on the taxi sample (issue 91; goal: at most 1.5x its time without the intervals).

TFX's Evaluator executor runs on a finished taxi sample run's Evaluator inputs, in a fresh
process per job (``jobs.py``), alternating the sample's EvalConfig without and with
``confidence``. Full runs run the taxi sample into ``benchmarks/_work/gate_intervals/taxi``
unless ``--set gate_intervals_run=DIR`` names a finished run. Run it alone::

    python -m benchmarks.run --sections gate_intervals --set gate_intervals_run=runs/taxi
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from benchmarks.common import ROOT, log, pipeline_run
from benchmarks.harness.format import markdown_table, missing_note

TITLE = 'Confidence intervals in the Evaluator (taxi sample)'
KEYS = ('gate_intervals',)
FULL_ONLY = True  # runs the taxi sample (about 3 min) and 2 x repeats Evaluators (about 1 min each)
DEFAULT = {'gate_intervals_run': None, 'gate_intervals_repeats': 3}
FULL = {}
SMOKE = {'gate_intervals_repeats': 1}
MODULE = 'pipelines.taxi.run_local'
SMOKE_RUN_DIR = os.path.join('runs', 'taxi')  # where make demo-taxi leaves its run
GOAL = 1.5
CONFIGS = {'point estimates': 'none', 'confidence=0.95': '0.95'}


def _job(run_dir: str, confidence: str, out_dir: str) -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'benchmarks.gate_intervals.jobs',
            '--run',
            run_dir,
            '--confidence',
            confidence,
            '--out',
            out_dir,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args, results: dict) -> dict:
    run_dir = args.gate_intervals_run
    if run_dir is None and args.smoke:
        run_dir = SMOKE_RUN_DIR if os.path.isdir(SMOKE_RUN_DIR) else None
        if run_dir is None:
            return {'gate_intervals': {'missing': 'not measured: run `make demo-taxi` first'}}
    if run_dir is None:
        run_dir = os.path.join(args.work_dir, 'gate_intervals', 'taxi')
        log(f'gate_intervals: running the taxi sample into {run_dir}')
        pipeline_run.run_pipeline(run_dir, MODULE)
    seconds = {name: [] for name in CONFIGS}
    blessed = {}
    for repeat in range(args.gate_intervals_repeats):
        order = list(CONFIGS) if repeat % 2 == 0 else list(reversed(CONFIGS))
        for name in order:
            out = os.path.join(args.work_dir, 'gate_intervals', 'out', f'{repeat}-{CONFIGS[name]}')
            job = _job(run_dir, CONFIGS[name], out)
            log(f'gate_intervals: {name}: {job["seconds"]:.1f} s')
            seconds[name].append(job['seconds'])
            blessed[name] = job['blessed']
    return {
        'gate_intervals': {
            'run': pipeline_run.shown_path(os.path.abspath(run_dir)),
            'seconds': seconds,
            'blessed': blessed,
        }
    }


def _ratio(measured: dict) -> float:
    base, with_intervals = (statistics.median(measured['seconds'][n]) for n in CONFIGS)
    return with_intervals / base


def _overlap(measured: dict) -> str:
    """A note when the two configs' runs overlap: the difference is the machine's noise."""
    base, with_intervals = (measured['seconds'][n] for n in CONFIGS)
    if min(with_intervals) <= max(base) and min(base) <= max(with_intervals):
        return " The two configs' runs overlap: the difference is within the machine's noise."
    return ''


def render(results: dict) -> list:
    measured = results.get('gate_intervals') or {'missing': missing_note('gate_intervals')}
    if 'missing' in measured:
        return [f'_{measured["missing"]}._']
    rows = [
        [
            name,
            f'{statistics.median(s):.1f}',
            ', '.join(f'{v:.1f}' for v in s),
            'yes' if measured['blessed'][name] else 'no',
        ]
        for name, s in measured['seconds'].items()
    ]
    return [
        f"TFX's Evaluator executor on the Evaluator inputs of the taxi sample run "
        f'`{measured["run"]}` (its 1,501 test examples, both models), one fresh process per job, '
        f'the two configs alternating. With the intervals it takes {_ratio(measured):.2f}x its '
        f'time without them (medians).{_overlap(measured)}',
        '',
        *markdown_table(['EvalConfig', 'median s', 'runs (s)', 'blessed'], rows),
    ]


def goals(results: dict) -> list:
    measured = results.get('gate_intervals') or {}
    if not measured or 'missing' in measured:
        return []
    ratio = _ratio(measured)
    return [
        (
            f'Evaluator with confidence intervals <= {GOAL:g}x its time without (taxi)',
            f'{ratio:.2f}x',
            ratio <= GOAL,
            '',
        )
    ]
