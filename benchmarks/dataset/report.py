"""Goals and the RESULTS.md section of the dataset section (``reads.py``, ``training.py``,
``multilabel_input.py``): reads and ``model.fit`` against the tf.data alternatives, single- and
multi-label.

Example::

    >>> dataset_goals({})
    []
"""

from __future__ import annotations

from benchmarks import common
from benchmarks.harness.format import missing_note, render_result

DATASET_GOAL = 1.0  # balanced_dataset examples/s >= 1.0x the best-tuned plain read
TRAINING_GOAL = 0.97  # model.fit steps/s with balanced_dataset >= 0.97x with the plain read
MULTILABEL_DATASET_GOAL = 1.0  # examples/s >= 1.0x the best-tuned plain read of the same data
MULTILABEL_TRAINING_GOAL = 0.97  # model.fit steps/s >= 0.97x with that plain read


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
                else spread_why(
                    _runs_of(w['rows'], 'balanced_dataset'),
                    _runs_of(w['rows'], w['best_plain']),
                    'examples/s',
                ),
            )
        )
    return goals


def _runs_of(rows: list, method: str) -> list:
    return next(row['runs'] for row in rows if row['method'] == method)


def spread_why(ours: list, theirs: list, unit: str) -> str:
    """Why-missed text: the runs of balanced_dataset (``ours``) and of the plain read, side by
    side, and whether their ranges overlap (run-to-run variation) or not (every run slower).

    Example::

        spread_why(ours['runs_rate'], best['runs_rate'], 'examples/s')
    """

    def span(values):
        return f'{min(values):,.0f}-{max(values):,.0f}'

    runs = (
        f'balanced_dataset ran at {span(ours)} {unit} and the plain read at {span(theirs)} '
        f'{unit} over the runs'
    )
    if max(ours) >= min(theirs):
        return (
            f'{runs}: the ranges overlap, so the difference is within how much runs of the '
            'same input vary on this shared machine (see section 3).'
        )
    return f'{runs}: every run of balanced_dataset was slower than every run of the plain read.'


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
                else spread_why(
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
            '' if met_read else spread_why(ours['runs'], best['runs'], 'examples/s'),
        ),
        (
            f'multi-label model.fit steps/s with balanced_dataset >= {MULTILABEL_TRAINING_GOAL}x '
            f'with the plain read ({size}, {fit.get("policy", "label_balanced")}, one sigmoid '
            'layer)',
            f'{ml["training_ratio"]:.2f}x',
            met_fit,
            ''
            if met_fit
            else spread_why(
                fit['rows']['balanced_dataset']['runs_steps_per_s'],
                fit['rows']['plain read']['runs_steps_per_s'],
                'steps/s',
            ),
        ),
    ]


def goals(results: dict) -> list:
    """``[(goal, measured, met, why)]`` of the reads, the training and the multi-label parts."""
    return dataset_goals(results) + training_goals(results) + multilabel_input_goals(results)


def render(results: dict) -> list:
    """The section's lines (after its heading), with its training and multi-label parts."""
    lines = render_result(results.get('dataset') or {'missing': missing_note('dataset')})
    lines += ['', '### Training: `model.fit` steps per second', '']
    lines += render_result(results.get('training') or {'missing': missing_note('dataset')})
    lines += ['', '### Multi-label balanced_dataset and training', '']
    lines += render_result(results.get('multilabel_input') or {'missing': missing_note('dataset')})
    return lines
