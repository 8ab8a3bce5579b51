"""The sections of ``make bench``, where their results persist, and when each was measured.

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

# name -> (the keys of the results dict it fills, what it measures)
SECTIONS = {
    'splitter': (
        ('splitter',),
        'StratifiedSplitter, folds/label_bins and LeakageCheck vs the I/O floor; scaling curve',
    ),
    'augmenter': (('augmenter',), 'BalancedAugmenter vs the I/O floor'),
    'dataset': (
        ('dataset', 'training', 'multilabel_input'),
        'balanced_dataset (single- and multi-label) vs tf.data reads; model.fit speed',
    ),
    'classes': (('classes',), 'balanced_dataset at 10 to 10,000 classes'),
    'demo': (('demo',), '`make demo` pipeline by component'),
    'multilabel': (('multilabel',), 'multi-label split vs iterstrat and a random split'),
    'smote_quality': (('smote_quality',), "balanced accuracy per augmentation vs imblearn's SMOTE"),
    'smote_speed': (('smote_speed',), "'smote' vs the I/O floor; imblearn's SMOTE time/memory"),
    'taxi_cv': (('taxi_cv',), '`make demo-taxi-cv` run time by component (full runs only)'),
    'multilabel_hard': (
        ('multilabel_hard',),
        'multi-label split on a label hierarchy, groups and 5,000 labels vs iterstrat and '
        'skmultilearn (issue 40; full runs only)',
    ),
    'multilabel_quality': (
        ('multilabel_quality',),
        'multi-label policies: examples read, label lift, and the models trained on each '
        'stream, 5 seeds (issue 41; full runs only)',
    ),
    'calibration': (
        ('calibration',),
        "served probabilities' log loss / ECE vs the baseline, 3 seeds per sample (full runs only)",
    ),
}
# Not in the default run: the taxi CV pipeline's time (about 2.5 min quiet) is no goal; the
# calibration section runs three sample pipelines and retrains 18 models (about 15 min quiet);
# multilabel_hard runs iterstrat on 5,000 labels (about 5 min at 5k examples; 20k did not finish
# in 20 min on a loaded machine, so beyond 5k examples only our plan is run on that shape) and
# the hierarchy shapes at 1M (hierarchy_groups: 96 s with iterstrat); multilabel_quality trains 40
# small models (about 10 min).
FULL_ONLY = ('taxi_cv', 'calibration', 'multilabel_hard', 'multilabel_quality')
RESULTS_JSON = 'results.json'
# Files a bench run rewrites: not counted when deciding whether the worktree was modified.
OUTPUTS = ('RESULTS.md', 'README.md', RESULTS_JSON, 'scaling.png')


def default_sections(full: bool) -> list:
    return [s for s in SECTIONS if full or s not in FULL_ONLY]


def help_text() -> str:
    return '; '.join(f'{name}: {what}' for name, (_, what) in SECTIONS.items())


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
    for name, (keys, _) in SECTIONS.items():
        if name in measured or name not in provenance:
            continue
        for key in keys:
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
