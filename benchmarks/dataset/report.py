"""Goals and the RESULTS.md section of the balanced_dataset benchmarks
(``bench_balanced_dataset.py``, ``bench_training.py``, ``bench_classes.py``,
``bench_multilabel_input.py``): section 3, reads and ``model.fit`` against the tf.data
alternatives, at many classes, and multi-label.

Example::

    >>> dataset_goals({})
    []
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.goals import (
    CLASSES_10K_FIRST_BATCH_SECONDS,
    CLASSES_10K_RATE_GOAL,
    CLASSES_FIRST_BATCH_GOAL,
    CLASSES_RATE_GOAL,
    DATASET_GOAL,
    MULTILABEL_DATASET_GOAL,
    MULTILABEL_TRAINING_GOAL,
    TRAINING_GOAL,
)
from benchmarks.report_format import _missing, _table


def dataset_goals(results: dict) -> list:
    """balanced_dataset >= DATASET_GOAL x the best-tuned plain read on every workload."""
    dataset = results.get('dataset') or {}
    exact = bool(dataset.get('balanced_batches_exact'))
    goals = []
    for w in dataset.get('workloads', []):
        met = w['ratio'] >= DATASET_GOAL and exact
        goals.append(
            (
                f'balanced_dataset >= {DATASET_GOAL}x the best-tuned plain read, exact batches '
                f'({w["workload"]})',
                f'{w["ratio"]:.2f}x, batches {"exact" if exact else "NOT exact"}',
                met,
                ''
                if met
                else _spread_why(
                    _runs_of(w['rows'], 'balanced_dataset'),
                    _runs_of(w['rows'], w['best_plain']),
                    'examples/s',
                ),
            )
        )
    return goals


def classes_goals(results: dict) -> list:
    """balanced_dataset at 1,000 and 10,000 classes: time to first batch and steady rate."""
    goals = []
    for r in (results.get('classes') or {}).get('classes', []):
        ours, best = r['rows']['balanced_dataset'], r['rows'][r['best_plain']]
        rate_why = _spread_why(ours['runs_rate'], best['runs_rate'], 'examples/s')
        if r['classes'] == 1_000:
            factor, extra = CLASSES_FIRST_BATCH_GOAL
            limit, rate_goal = factor * best['first_s'] + extra, CLASSES_RATE_GOAL
            first_goal = f"<= {factor:g}x the plain read's + {extra:g} s"
        elif r['classes'] == 10_000:
            limit, rate_goal = CLASSES_10K_FIRST_BATCH_SECONDS, CLASSES_10K_RATE_GOAL
            first_goal = f'<= {limit:g} s'
        else:
            continue
        met = ours['first_s'] <= limit
        goals.append(
            (
                f'balanced_dataset time to first batch {first_goal} ({r["classes"]:,} classes)',
                f'{ours["first_s"]:.2f} s (limit {limit:.2f} s)',
                met,
                '' if met else f'runs: {", ".join(f"{x:.2f}" for x in ours["runs_first_s"])} s',
            )
        )
        met = r['rate_ratio'] >= rate_goal
        goals.append(
            (
                f'balanced_dataset steady rate >= {rate_goal}x the best-tuned plain read '
                f'({r["classes"]:,} classes)',
                f'{r["rate_ratio"]:.2f}x',
                met,
                '' if met else rate_why,
            )
        )
    return goals


def _runs_of(rows: list, method: str) -> list:
    return next(row['runs'] for row in rows if row['method'] == method)


def _spread_why(ours: list, theirs: list, unit: str) -> str:
    """Why-missed text: the runs of balanced_dataset (``ours``) and of the plain read, side by
    side."""

    def span(values):
        return f'{min(values):,.0f}-{max(values):,.0f}'

    return (
        f'balanced_dataset ran at {span(ours)} {unit} and the plain read at {span(theirs)} '
        f'{unit} over the runs: the difference is within how much runs of the same input vary '
        'on this shared machine (see section 3).'
    )


def training_goals(results: dict) -> list:
    """model.fit with balanced_dataset >= TRAINING_GOAL x the steps/s with the plain read."""
    goals = []
    for w in (results.get('training') or {}).get('workloads', []):
        met = w['ratio'] >= TRAINING_GOAL
        goals.append(
            (
                f'model.fit steps/s with balanced_dataset >= {TRAINING_GOAL}x with the plain read '
                f'({w["workload"]}, {w["model"]})',
                f'{w["ratio"]:.2f}x',
                met,
                ''
                if met
                else _spread_why(
                    w['rows']['balanced_dataset']['runs_steps_per_s'],
                    w['rows']['plain read']['runs_steps_per_s'],
                    'steps/s',
                ),
            )
        )
    return goals


def multilabel_input_goals(results: dict) -> list:
    """Multi-label balanced_dataset >= MULTILABEL_DATASET_GOAL x the best plain read, and
    model.fit with it >= MULTILABEL_TRAINING_GOAL x with that read (issue 25)."""
    ml = results.get('multilabel_input') or {}
    if 'reads' not in ml:
        return []
    reads_, fit = ml['reads'], ml['training']
    # results before the default policy became floored_label_balanced measured label_balanced
    policy = ml.get('policy', 'label_balanced')
    others = ml.get('policy_ratios') or {'repeat_factor': ml.get('ratio_repeat_factor')}
    others = ', '.join(f'{p} {r:.2f}x' for p, r in others.items() if p != policy and r)
    ours = next(r for r in reads_['rows'] if r['method'] == f'balanced_dataset ({policy})')
    best = next(r for r in reads_['rows'] if r['method'] == reads_['best_plain'])
    size = common.size_label(reads_['examples'])
    met_read = ml['ratio'] >= MULTILABEL_DATASET_GOAL
    met_fit = ml['training_ratio'] >= MULTILABEL_TRAINING_GOAL
    return [
        (
            f'multi-label balanced_dataset >= {MULTILABEL_DATASET_GOAL}x the best-tuned plain '
            f'read ({size}, {policy})',
            f'{ml["ratio"]:.2f}x' + (f' ({others})' if others else ''),
            met_read,
            '' if met_read else _spread_why(ours['runs'], best['runs'], 'examples/s'),
        ),
        (
            f'multi-label model.fit steps/s with balanced_dataset >= {MULTILABEL_TRAINING_GOAL}x '
            f'with the plain read ({size}, {fit.get("policy", "label_balanced")}, one sigmoid '
            'layer)',
            f'{ml["training_ratio"]:.2f}x',
            met_fit,
            ''
            if met_fit
            else _spread_why(
                fit['rows']['balanced_dataset']['runs_steps_per_s'],
                fit['rows']['plain read']['runs_steps_per_s'],
                'steps/s',
            ),
        ),
    ]


def _render_dataset(dataset: dict) -> list:
    if 'missing' in dataset:
        return [f'_{dataset["missing"]}._']
    if isinstance(dataset.get('markdown'), str):
        return [dataset['markdown'].rstrip()]
    rows = []
    for key, value in dataset.items():
        if key == 'goals':
            continue
        if isinstance(value, dict):
            rows.append([key] + [f'{k}: {v}' for k, v in value.items()])
        else:
            rows.append([key, value])
    width = max((len(r) for r in rows), default=2)
    rows = [r + [''] * (width - len(r)) for r in rows]
    return _table(['measure'] + ['value'] * (width - 1), rows)


def render(results: dict) -> list:
    """Section 3's lines (after its heading), with its training, classes and multi-label parts."""
    lines = _render_dataset(results.get('dataset') or {'missing': _missing('dataset')})
    lines += ['', '### Training: `model.fit` steps per second', '']
    lines += _render_dataset(results.get('training') or {'missing': _missing('dataset')})
    lines += ['', '### balanced_dataset as the number of classes grows', '']
    lines += _render_dataset(results.get('classes') or {'missing': _missing('classes')})
    lines += ['', '### Multi-label balanced_dataset and training', '']
    lines += _render_dataset(results.get('multilabel_input') or {'missing': _missing('dataset')})
    return lines
