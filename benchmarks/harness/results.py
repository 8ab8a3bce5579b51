"""Where the sections' results persist (``results.json``), and when each was measured.

Every run writes the results the report is built from to ``results.json`` next to
``RESULTS.md`` (``benchmarks/results.json``, committed with it). A run measures some sections
(all of the default set, or those named with ``--sections``) and merges them into the results
already there: a section it did not run keeps its earlier figures and its own provenance
(date, git commit, command line, mode, length), which RESULTS.md prints per section, so figures
measured at different commits never mix silently.

Example::

    python -m benchmarks.run --sections smote_quality smote_speed  # re-run two, keep the rest
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess

from benchmarks import common
from benchmarks.sections import SECTIONS

RESULTS_JSON = 'results.json'
# Files a bench run rewrites: not counted when deciding whether the worktree was modified.
OUTPUTS = ('RESULTS.md', 'README.md', RESULTS_JSON, 'scaling.png')

# The mode a run is recorded with when its --set changed its preset's parameters (sizes,
# repeats): its sections' times say nothing of the default set's length.
CUSTOM_MODE = 'custom'


def git_commit() -> str:
    """The checked-out commit (short), with ``+modified`` if tracked files outside the bench
    outputs differ from it; ``unknown`` outside a git checkout."""
    try:
        head = subprocess.run(
            ['git', 'rev-parse', '--short', 'HEAD'],
            cwd=common.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        excluded = [f':(exclude)benchmarks/{name}' for name in OUTPUTS]
        status = subprocess.run(
            ['git', 'status', '--porcelain', '--untracked-files=no', '--', '.', *excluded],
            cwd=common.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head + ('+modified' if status else '')


def now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec='seconds')


def load(out_dir: str) -> dict:
    """The results persisted in ``out_dir`` (empty if none)."""
    path = os.path.join(out_dir, RESULTS_JSON)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def merge(previous: dict, current: dict, measured: list) -> dict:
    """``current`` (this run) with the sections it did not measure taken from ``previous``
    (their results and provenance); run-level fields are this run's, except ``whole_run`` (the
    last run of the whole default set), kept unless this run is one."""
    merged = dict(current)
    provenance = dict(previous.get('provenance') or {})
    provenance.update(current.get('provenance') or {})
    for name, section in SECTIONS.items():
        if name in measured or name not in provenance:
            continue
        for key in section.KEYS:
            if key in previous:
                merged[key] = previous[key]
    merged['provenance'] = {n: provenance[n] for n in SECTIONS if n in provenance}
    if 'whole_run' not in current and 'whole_run' in previous:
        merged['whole_run'] = previous['whole_run']
    return merged


def save(results: dict, out_dir: str) -> str:
    path = os.path.join(out_dir, RESULTS_JSON)
    with open(path, 'w') as f:
        json.dump(results, f, indent=1, default=str)
        f.write('\n')
    return path


def roundtrip(results: dict) -> dict:
    """``results`` as read back from JSON (int keys become strings): what the report gets from
    a later run, so a report never depends on in-memory types."""
    return json.loads(json.dumps(results, default=str))
