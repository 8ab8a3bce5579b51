"""The sections of ``make bench``: one table, section name -> its module.

A section is one measurement with one name: its folder ``benchmarks/<name>/`` (its workload, its
jobs, its report), its key for ``python -m benchmarks.run --sections <name>`` and its RESULTS.md
heading ``## <number>. <name>: <TITLE>``, numbered in this table's order, which is also the order
of a run (the augmenter reuses the floors the splitter measured). Each section module
(``benchmarks/<name>/__init__.py``) has:

- ``TITLE``: its heading (and its line in ``--help``);
- ``KEYS``: the keys of ``results.json`` it fills (its name, and the dataset section's parts);
- ``FULL_ONLY``: measured by full and smoke runs only (or by ``--sections``);
- ``DEFAULT``, ``FULL``, ``SMOKE``: its parameters (``--set NAME=VALUE``) and their values in a
  default run and what full and smoke runs change;
- ``run(args, results)``: measures it; returns ``{key: result}`` for its KEYS;
- ``render(results)``: its RESULTS.md lines under its heading;
- ``goals(results)``: its rows of the goals table, ``[(goal, measured, met, why)]``;
- ``write(results, out_dir)``, if it has files of its own beside RESULTS.md (the splitter's
  ``scaling.png``).

Example::

    >>> from benchmarks import sections
    >>> sections.heading('dataset')
    '## 3. dataset: balanced_dataset vs the tf.data alternatives, and training speed'
"""

from __future__ import annotations

from benchmarks import (
    augmenter,
    calibration,
    classes,
    dataset,
    demo,
    gate_intervals,
    multilabel,
    multilabel_hard,
    multilabel_quality,
    pictures,
    smote_quality,
    smote_speed,
    spans,
    splitter,
    taxi_cv,
    window,
)

SECTIONS = {
    module.__name__.rsplit('.', 1)[1]: module
    for module in (
        splitter,
        augmenter,
        dataset,
        classes,
        demo,
        multilabel,
        smote_quality,
        smote_speed,
        taxi_cv,
        calibration,
        multilabel_hard,
        multilabel_quality,
        spans,
        window,
        pictures,
        gate_intervals,
    )
}
# Full runs only: taxi_cv (about 2.5 min quiet, no goal); calibration (three sample pipelines and
# 18 models retrained, about 15 min); multilabel_hard (iterstrat on 5,000 labels, about 5 min at
# 5k examples; 20k did not finish in 20 min on a loaded machine, so beyond 5k examples only our
# plan runs on that shape; the hierarchy shapes at 1M: hierarchy_groups 96 s with iterstrat);
# multilabel_quality (40 small models, about 10 min); gate_intervals (the taxi sample, then six
# Evaluator runs, about 8 min).


def default_sections(full: bool) -> list:
    """The sections a run measures without ``--sections``: all of them in full (and smoke)
    runs, the others less the FULL_ONLY ones in a default run."""
    return [name for name, s in SECTIONS.items() if full or not s.FULL_ONLY]


def heading(name: str) -> str:
    number = list(SECTIONS).index(name) + 1
    return f'## {number}. {name}: {SECTIONS[name].TITLE}'


def help_text() -> str:
    return '; '.join(
        f'{name}: {s.TITLE}' + (' (full runs only)' if s.FULL_ONLY else '')
        for name, s in SECTIONS.items()
    )


def parameters(mode: str) -> dict:
    """Every section's parameters with their values in a ``mode`` run ('default', 'full' or
    'smoke')."""
    values = {}
    for s in SECTIONS.values():
        values.update(s.DEFAULT)
        values.update({'default': {}, 'full': s.FULL, 'smoke': s.SMOKE}[mode])
    return values
