"""A sample pipeline's wall time split by component, read from a finished run's MLMD (issue 8,
item 5): shared by the demo, taxi_cv and calibration sections.

``measure`` runs a sample pipeline's command (``run_pipeline``, e.g. ``make demo``'s
``python -m pipelines.digits.run_local``, into ``benchmarks/_work/demo``), so the figures are of
the code being measured, or reads an existing run instead (``--set demo_run=DIR``; smoke runs
read ``runs/digits`` if ``make demo`` left one); ``render`` writes a run's timings.

``make demo`` runs the sample pipeline under LocalDagRunner with a SQLite MLMD store in its run
folder. ``component_timings`` reads that store directly (``sqlite3``; no TFX import): for the
latest pipeline run, every execution's node (from its ``node`` context), state, and the time from
its creation to its last update (the launcher creates the execution before the executor runs and
updates it when the outputs are published). The run's wall time is from the run context's
creation to the last update of any of its executions.
"""

from __future__ import annotations

import glob
import os
import sqlite3
import subprocess
import sys
import time

from benchmarks.common import ROOT, log
from benchmarks.harness.format import markdown_table

# ml_metadata Execution.State values.
STATES = {
    0: 'UNKNOWN',
    1: 'NEW',
    2: 'RUNNING',
    3: 'COMPLETE',
    4: 'FAILED',
    5: 'CACHED',
    6: 'CANCELED',
}


def shown_path(path: str) -> str:
    """``path`` as results.json records it and RESULTS.md shows it: relative to this checkout
    when inside it (a relative ``path`` is taken as already so), else absolute (a run made
    elsewhere, e.g. in a benchmark clone), so the report reads the same wherever it is rendered.

    Example::

        >>> shown_path(os.path.join(ROOT, 'runs', 'digits', 'metadata.db'))
        'runs/digits/metadata.db'
        >>> shown_path('/elsewhere/metadata.db')
        '/elsewhere/metadata.db'
    """
    full = os.path.normpath(os.path.join(ROOT, path))  # an absolute path stays as it is
    inside = os.path.relpath(full, ROOT)
    return full if inside.startswith('..') else inside


def find_metadata(run_dir: str) -> str | None:
    """The MLMD SQLite file of a run folder (``metadata.db`` or the only ``*.db``), or None."""
    preferred = os.path.join(run_dir, 'metadata.db')
    if os.path.isfile(preferred):
        return preferred
    found = sorted(glob.glob(os.path.join(run_dir, '**', '*.db'), recursive=True))
    return found[0] if found else None


def component_timings(metadata_path: str) -> dict:
    """Per-component timings of the latest pipeline run recorded in ``metadata_path``.

    Returns ``{'pipeline', 'run', 'wall_seconds', 'components': [{'component', 'type', 'state',
    'seconds'}]}`` with components in execution order. Raises ``ValueError`` if the store holds
    no pipeline run.
    """
    db = sqlite3.connect(f'file:{metadata_path}?mode=ro', uri=True)
    try:
        type_ids = dict(db.execute('SELECT name, id FROM Type'))
        runs = db.execute(
            'SELECT id, name, create_time_since_epoch FROM Context WHERE type_id = ? '
            'ORDER BY create_time_since_epoch DESC, id DESC',
            (type_ids.get('pipeline_run', -1),),
        ).fetchall()
        if not runs:
            raise ValueError(f'{metadata_path} records no pipeline run; run the pipeline first.')
        run_id, run_name, run_created = runs[0]
        pipeline = db.execute(
            'SELECT name FROM Context WHERE type_id = ?', (type_ids.get('pipeline', -1),)
        ).fetchone()
        rows = db.execute(
            'SELECT e.id, t.name, e.last_known_state, e.create_time_since_epoch, '
            'e.last_update_time_since_epoch FROM Execution e '
            'JOIN Association a ON a.execution_id = e.id JOIN Type t ON t.id = e.type_id '
            'WHERE a.context_id = ? ORDER BY e.create_time_since_epoch, e.id',
            (run_id,),
        ).fetchall()
        node_type = type_ids.get('node', -1)
        components = []
        for execution_id, type_name, state, created, updated in rows:
            node = db.execute(
                'SELECT c.name FROM Context c JOIN Association a ON a.context_id = c.id '
                'WHERE a.execution_id = ? AND c.type_id = ?',
                (execution_id, node_type),
            ).fetchone()
            name = node[0].split('.', 1)[-1] if node else type_name.rsplit('.', 1)[-1]
            components.append(
                {
                    'component': name,
                    'type': type_name,
                    'state': STATES.get(state, str(state)),
                    'seconds': (updated - created) / 1000.0,
                }
            )
        last = max((r[4] for r in rows), default=run_created)
        return {
            'pipeline': pipeline[0] if pipeline else None,
            'run': run_name,
            'wall_seconds': (last - run_created) / 1000.0,
            'components': components,
        }
    finally:
        db.close()


def run_pipeline(run_dir: str, module: str) -> float:
    """Runs a sample pipeline's command (``module``, e.g. ``pipelines.digits.run_local`` for
    ``make demo``) into ``run_dir`` in a fresh process; returns the wall seconds of the whole
    command (imports included)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
    started = time.time()
    subprocess.run(
        [sys.executable, '-m', module, '--root', run_dir],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.time() - started


def timings(run_dir: str) -> dict:
    """Timings of the pipeline run in ``run_dir``, or ``{'missing': reason}`` if there is none."""
    metadata = find_metadata(run_dir) if os.path.isdir(run_dir) else None
    if metadata is None:
        return {'missing': f'not measured: run `make demo` first (no MLMD store under {run_dir}/)'}
    try:
        timings = component_timings(metadata)
    except (ValueError, sqlite3.Error) as e:
        return {'missing': f'not measured: {metadata} could not be read ({e})'}
    timings['metadata'] = shown_path(os.path.abspath(metadata))
    return timings


def measure(run_dir, smoke_dir, out_dir, command, module, note='') -> dict:
    """Runs a sample pipeline's ``command`` (``module``) into ``out_dir`` unless ``run_dir`` (an
    earlier run) or ``smoke_dir`` (smoke runs) is given, then reads the run's MLMD timings."""
    command_seconds = None
    if run_dir is None and smoke_dir is None:
        run_dir = out_dir
        log(f'Sample pipeline: running {command} into {run_dir}{note}')
        command_seconds = run_pipeline(run_dir, module)
    result = timings(run_dir or smoke_dir)
    if 'missing' in result:
        result['missing'] = result['missing'].replace('make demo', command)
    elif command_seconds is not None:
        result['command_seconds'] = command_seconds
    return result


def render(demo: dict) -> list:
    """A pipeline run's timings (as ``timings`` returns them) as RESULTS.md lines: its wall
    time and a table of seconds per component."""
    if 'missing' in demo:
        return [f'_{demo["missing"]}._']
    metadata = shown_path(demo['metadata'])  # results recorded before it held absolute paths
    command = (
        f' The whole `make demo` command (imports, pipeline, summary, report) took '
        f'{demo["command_seconds"]:.0f} s.'
        if demo.get('command_seconds')
        else ''
    )
    lines = [
        f'Pipeline `{demo["pipeline"]}`, run `{demo["run"]}` (from `{metadata}`): '
        f"{demo['wall_seconds']:.1f} s from the run's start to its last published output."
        + command,
        '',
    ]
    rows = [[c['component'], c['state'], f'{c["seconds"]:.1f}'] for c in demo['components']]
    total = sum(c['seconds'] for c in demo['components'])
    rows.append(['**sum of components**', '', f'{total:.1f}'])
    return lines + markdown_table(['component', 'state', 'seconds'], rows)
