"""RESULTS.md section 9 (``bench_calibration.py``): calibration of the served ``probabilities``
(prior correction) against the baseline model, per sample, over training seeds; and its goals.

Example::

    >>> render({})[0]
    '_Not measured: run `python -m benchmarks.run --sections calibration` (or the whole set)._'
"""

from __future__ import annotations

import statistics

from benchmarks.report_format import _missing, _not_measured, _table

PROBABILITIES = 'probabilities'
BALANCED_PROBABILITIES = 'balanced_probabilities'
MAX_LOG_LOSS_GAP = 0.02  # probabilities' log loss <= the baseline's + this
MAX_ECE_GAP = 0.01  # probabilities' ECE <= the baseline's + this


def _values(sample: dict, model: str, output: str, metric: str) -> list:
    return [rows[model][output][metric] for rows in sample['seeds'].values()]


def _mean(values) -> float:
    return statistics.mean(values)


def _cell(values, digits=3) -> str:
    """Mean over seeds, and the range."""
    return f'{_mean(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})'


def render(results: dict) -> list:
    """Section 9's lines (after its heading)."""
    calibration = results.get('calibration')
    if calibration is None:
        return [_not_measured('calibration')]
    if 'missing' in calibration:
        return [f'_{calibration["missing"] or _missing("calibration")}._']
    lines = [
        'Protocol: one pipeline run per sample (its splits, Transform graph and BalancedInputGen '
        "layout), then both models of the sample's `trainer.py` retrained by `run_fn` on those "
        'artifacts with training seeds '
        + ', '.join(next(iter(calibration.values()))['seeds'])
        + " at the sample's default steps; every figure on the untouched test split. "
        'Log loss and ECE (top-label, 15 bins; multi-label: every (example, label) pair) of the '
        "balanced model's served `probabilities` (prior-corrected), of its "
        '`balanced_probabilities` (its own scores) and of the baseline model. Mean over seeds '
        '(range). Macro recall is of the argmax (multi-label: score >= 0.5).',
        '',
    ]
    rows = []
    for name, sample in calibration.items():
        for label, model, output in [
            ('balanced `probabilities` (served, corrected)', 'balanced', PROBABILITIES),
            ('balanced `balanced_probabilities`', 'balanced', BALANCED_PROBABILITIES),
            ('baseline', 'baseline', PROBABILITIES),
        ]:
            rows.append(
                [
                    f'{name} ({sample["test_examples"]} test examples)',
                    label,
                    _cell(_values(sample, model, output, 'log_loss')),
                    _cell(_values(sample, model, output, 'ece')),
                    _cell(_values(sample, model, output, 'macro_recall')),
                ]
            )
    lines += _table(['sample', 'model / output', 'log loss', 'ECE', 'macro recall'], rows)
    timing = []
    for name, sample in calibration.items():
        balanced = [rows['balanced'] for rows in sample['seeds'].values()]
        timing.append(
            [
                name,
                f'{_mean(r["serve_ms"] for r in balanced):.1f}',
                f'{_mean(r["correction_ms"] for r in balanced):.2f}',
                f'{_mean(r["plan_read_ms"] for r in balanced):.1f}',
                f'{_mean(r["train_seconds"] for r in balanced):.1f}',
                'yes'
                if all(r['served_equals_correction'] for r in balanced)
                else 'no: refitted on the eval split in run_fn'
                if name == 'multilabel'
                else 'NO',
            ]
        )
    lines += [
        '',
        'Cost: one call of the served signature on the whole test split (parse, Transform, '
        'model, correction), the correction op alone on the same scores (run eagerly: an upper '
        'bound, mostly eager dispatch; inside the graph it is a few elementwise ops, and the '
        'served signature was not timed without it), reading the plan in `run_fn` (after `fit`), '
        'and the whole `run_fn`; mean over seeds. The correction is not in training; the '
        "multi-label sample's refit adds one pass over the eval split to `run_fn`.",
        '',
    ]
    lines += _table(
        [
            'sample',
            'served signature, ms',
            'correction op, ms',
            'plan read, ms',
            'run_fn, s',
            'served = NumPy correction',
        ],
        timing,
    )
    unchanged = [
        [name, f'{row["run"]:.3f}', f'{row["recorded"]:.3f}', row['recorded_where']]
        for name, sample in calibration.items()
        if (row := sample.get('evaluator_macro_recall'))
    ]
    if unchanged:
        lines += [
            '',
            "The decision: the gate's macro recall of `balanced_probabilities` (the Evaluator's, "
            'in the pipeline run above) against the figure recorded before the two outputs '
            'existed (the same split and seed; `balanced_probabilities` is the model output '
            'through `tf.identity`).',
            '',
        ]
        lines += _table(['sample', 'this run', 'recorded before', 'where recorded'], unchanged)
    return lines + ['']


def goals(results: dict) -> list:
    """``[(goal, measured, met, why)]``: per sample, the corrected probabilities' log loss and
    ECE against the baseline's (means over seeds)."""
    calibration = results.get('calibration')
    if not calibration or 'missing' in calibration:
        return [
            (
                'calibration: probabilities log loss <= baseline + 0.02, ECE <= baseline + 0.01',
                'not measured',
                None,
                '',
            ),
        ]
    out = []
    for name, sample in calibration.items():
        for metric, gap in (('log_loss', MAX_LOG_LOSS_GAP), ('ece', MAX_ECE_GAP)):
            per_seed = _values(sample, 'balanced', PROBABILITIES, metric)
            base_per_seed = _values(sample, 'baseline', PROBABILITIES, metric)
            ours, base = _mean(per_seed), _mean(base_per_seed)
            worst = max(a - b for a, b in zip(per_seed, base_per_seed))
            shown = metric.replace('_', ' ') if metric == 'log_loss' else 'ECE'
            out.append(
                (
                    f'{name}: served probabilities {shown} <= baseline + {gap:g} (mean of seeds)',
                    f'{ours:.3f} vs {base:.3f} ({ours - base:+.3f}; worst seed {worst:+.3f})',
                    ours <= base + gap,
                    '',
                )
            )
    return out
