"""The benchmark harness: measured jobs in a fresh process, with their peak memory; medians.

A measured job is a function ``module:function`` taking keyword arguments and returning a dict
with ``seconds`` (wall time of the Beam job itself, imports excluded, timed with ``timed``)
and ``examples_written``. ``run_isolated`` runs its repeats back to back in one fresh Python
process (``python -m benchmarks.harness <spec.json>``): the imports (~20 s of TensorFlow and TFX per
process on these machines) are paid once per job, and each run's peak RSS is read from ``VmHWM``
after resetting it (``/proc/self/clear_refs``), so the memory of one job never mixes with
another's. ``run_inprocess`` runs it in this process (smoke mode only: no memory figure); the
jobs it runs share one build of TFX's ephemeral sdist (``shared_tfx_sdist``).

Example::

    from benchmarks import common, harness
    from benchmarks.splitter import jobs

    data_dir = common.tabular_workload(100_000)
    job = jobs.job('splitter', 100_000, data_dir, common.WORK_DIR)  # a harness.Job
    print(harness.measure(job, repeats=3, isolated=True)['seconds'])  # the median of 3 runs
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List

from benchmarks.common import ROOT, log


def _status_mib(field: str) -> float:
    """A memory field of ``/proc/self/status`` (e.g. ``VmRSS``) in MiB (Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def rss_mb() -> float:
    """Current resident set size of this process in MiB (Linux)."""
    return _status_mib('VmRSS')


@dataclasses.dataclass
class Job:
    """One measured run: ``function`` (``'module:name'``) called with ``params``."""

    name: str
    function: str
    params: dict

    def resolve(self) -> Callable[..., dict]:
        module, name = self.function.split(':')
        return getattr(importlib.import_module(module), name)


_BASELINE = {}


def _call(job: Job) -> dict:
    fn = job.resolve()
    _BASELINE.clear()
    result = fn(**job.params)
    result['baseline_rss_mb'] = _BASELINE.get('rss_mb', rss_mb())
    return result


_SDIST = {}


@contextlib.contextmanager
def shared_tfx_sdist():
    """Within it, TFX's ephemeral sdist is built once for this process, not once per executor.

    A Beam executor given Beam args (our jobs pass ``common.IN_PROCESS_ARGS``) builds an sdist
    of TFX in its constructor (``tfx.utils.dependency_utils.build_ephemeral_package``, for
    remote workers): 42 MB and 7-14 s on these machines, outside the timed ``Do``, and the same
    file every time in one process. Jobs in a fresh process (``run_shared``) still build it
    each, as before; in-process jobs (smoke runs: about 20 executors) reuse the first build.
    The executor gets the same Beam args either way (``--extra_package=<the sdist>``).
    """
    from tfx.utils import dependency_utils

    build = dependency_utils.build_ephemeral_package

    def once() -> str:
        if not os.path.exists(_SDIST.get('path', '')):
            _SDIST['path'] = build()
        return _SDIST['path']

    dependency_utils.build_ephemeral_package = once
    try:
        yield
    finally:
        dependency_utils.build_ephemeral_package = build


@contextlib.contextmanager
def tf_keras_not_converted():
    """Within it, AutoGraph leaves tf_keras's own code as it is, as it leaves Keras's
    (``tfx_balance.skip_autograph_of_keras``, which the sample trainer modules call).

    TensorFlow 2.16's AutoGraph rules (``tensorflow/python/autograph/core/config.py``) list
    ``DoNotConvert('keras')`` but not ``tf_keras``, the Keras 2 package that
    ``TF_USE_LEGACY_KERAS=1`` selects: the first ``model.fit`` of a process converts the whole of
    tf_keras's training step (layers, losses, optimizer), 46 s for a two-layer model on these
    machines against 2.3 s with this rule; later fits reuse the conversions. Smoke runs only
    (``benchmarks.run``): a default or full run keeps TensorFlow's rules, and its first fit of each
    model is an untimed warm-up anyway. The rules are TensorFlow's again on leaving.
    """
    from tensorflow.python.autograph.core import config

    from tfx_balance import skip_autograph_of_keras

    rules = config.CONVERSION_RULES
    skip_autograph_of_keras()
    try:
        yield
    finally:
        config.CONVERSION_RULES = rules


def run_inprocess(job: Job) -> dict:
    """Runs ``job`` in this process (no peak memory figure), sharing one TFX sdist build with
    the other in-process jobs (``shared_tfx_sdist``). What the earlier jobs and the imports left
    alive is collected once and frozen (``gc.freeze``) first: ``timed``'s collection then walks
    only what this job makes, instead of about a million objects (2 s a job on these machines,
    about a quarter of a smoke run)."""
    gc.collect()
    gc.freeze()
    with shared_tfx_sdist():
        result = _call(job)
    result['peak_rss_mb'] = None
    result['isolated'] = False
    return result


def _reset_peak_rss() -> None:
    """Resets this process's peak RSS counter (``VmHWM``; Linux ``clear_refs``)."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def peak_rss_mb() -> float:
    """Peak resident set size of this process since start or the last reset, in MiB (Linux)."""
    return _status_mib('VmHWM')


def run_isolated(job: Job, repeats: int = 1, timeout: float = 3600) -> List[dict]:
    """Runs ``job`` ``repeats`` times, back to back, in one fresh Python process; returns each
    run's result with its own peak RSS in MiB (the counter is reset before each run), so imports
    are paid once per job and the memory of one job never mixes with another's.
    """
    return run_shared([job], repeats, timeout)[0]


def run_shared(
    jobs: List[Job], repeats=1, timeout: float = 3600, interleave: bool = False
) -> List[List[dict]]:
    """Runs each of ``jobs`` ``repeats`` times (an int, or one per job), job after job, in one
    fresh Python process (the imports are paid once for all); returns each job's runs. Peak RSS
    is reset before each run, but memory kept by an earlier job counts in a later one's.

    ``interleave``: in rounds instead (every job once, in order, then again), so that a machine
    slowing down or speeding up during the runs moves every job's median alike: for jobs of a few
    milliseconds compared with each other. Only the first round's peak RSS is free of the memory
    later jobs kept."""
    repeats = [repeats] * len(jobs) if isinstance(repeats, int) else list(repeats)
    names = ', '.join(job.name for job in jobs)
    with tempfile.TemporaryDirectory(prefix='bench-job-') as tmp:
        spec = os.path.join(tmp, 'spec.json')
        out = os.path.join(tmp, 'result.json')
        with open(spec, 'w') as f:
            specs = [dataclasses.asdict(job) for job in jobs]
            json.dump({'jobs': specs, 'out': out, 'repeats': repeats, 'interleave': interleave}, f)
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
        # The job's temporary files (TFX builds an sdist of itself there for every executor
        # given Beam args, 42 MB each) go with this folder.
        env['TMPDIR'] = os.path.join(tmp, 'tmp')
        os.mkdir(env['TMPDIR'])
        proc = subprocess.Popen(
            [sys.executable, '-m', 'benchmarks.harness', spec], cwd=ROOT, env=env
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f'benchmark job {names} timed out after {timeout:.0f} s') from None
        if proc.returncode != 0 or not os.path.exists(out):
            raise RuntimeError(f'benchmark job {names} failed (exit code {proc.returncode})')
        with open(out) as f:
            results = json.load(f)
    for runs in results:
        for result in runs:
            result['isolated'] = True
    return results


def median_of(runs: List[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def measure(job: Job, repeats: int, isolated: bool) -> dict:
    """Runs ``job`` ``repeats`` times; returns the medians and the individual runs."""
    if isolated:
        results = run_isolated(job, repeats)
    else:
        results = [run_inprocess(job) for _ in range(repeats)]
    return summarize(job, results)


def summarize(job: Job, runs: List[dict]) -> dict:
    """The medians of a job's runs, and the runs' times."""
    for i, result in enumerate(runs):
        log(
            f'  {job.name} [{i + 1}/{len(runs)}]: {result["seconds"]:.2f} s, '
            f'{result["examples_written"]:,} written'
            + (f', peak RSS {result["peak_rss_mb"]:.0f} MiB' if result['peak_rss_mb'] else '')
        )
    summary = {
        'name': job.name,
        'repeats': len(runs),
        'seconds': median_of(runs, 'seconds'),
        'peak_rss_mb': median_of(runs, 'peak_rss_mb'),
        'baseline_rss_mb': median_of(runs, 'baseline_rss_mb'),
        'examples_written': runs[-1]['examples_written'],
        'runs': [r['seconds'] for r in runs],
    }
    extra = {k: v for k, v in runs[-1].items() if k not in summary and k != 'isolated'}
    summary.update(extra)
    summary['rate'] = summary['examples_written'] / summary['seconds']
    return summary


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of ``fn()``; records the RSS just before it (imports done) as the baseline.
    Python's garbage is collected first, so that a run does not pay for the cycles an earlier
    job or repeat of the same process left (several jobs share a process, ``run_shared``)."""
    gc.collect()
    _BASELINE['rss_mb'] = rss_mb()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# Machine and versions.


def machine_info() -> Dict[str, str]:
    from importlib import metadata

    mem = 'unknown'
    try:
        with open('/proc/meminfo') as f:
            kib = int(f.readline().split()[1])
        mem = f'{kib / 1024 / 1024:.1f} GiB'
    except OSError:
        pass
    cpu = platform.processor() or 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for dist in ('tfx', 'apache-beam', 'tensorflow', 'tfx-bsl', 'protobuf', 'numpy'):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = 'not installed'
    return {
        'cores': str(os.cpu_count()),
        'cpu': cpu,
        'memory': mem,
        'python': platform.python_version(),
        'platform': platform.platform(),
        **versions,
    }


def main(argv: List[str]) -> int:
    """The fresh process of ``run_shared``: runs the jobs of the spec file ``argv[1]``."""
    with open(argv[1]) as f:
        spec = json.load(f)
    jobs = [Job(**job_spec) for job_spec in spec['jobs']]
    order = [(i, r) for i, n in enumerate(spec['repeats']) for r in range(n)]  # job after job
    if spec.get('interleave'):
        order.sort(key=lambda job_round: job_round[1])  # round after round
    results = [[] for _ in jobs]
    for i, _ in order:
        _reset_peak_rss()
        result = _call(jobs[i])
        result['peak_rss_mb'] = peak_rss_mb()
        results[i].append(result)
    with open(spec['out'], 'w') as f:
        json.dump(results, f)
    return 0
