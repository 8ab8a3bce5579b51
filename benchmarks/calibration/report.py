"""The RESULTS.md section of calibration (``jobs.py``): calibration of the served ``probabilities``
(prior correction) against the baseline model, per sample, over training seeds; and its goals.

Example::

    >>> render({})[0]
    '_Not measured: run `python -m benchmarks.run --sections calibration` (or the whole set)._'
"""

from __future__ import annotations

import statistics

from benchmarks.harness.format import markdown_table, missing_note, not_measured_note

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
    """The section's lines (after its heading)."""
    calibration = results.get('calibration')
    if calibration is None:
        return [not_measured_note('calibration')]
    if 'missing' in calibration:
        return [f'_{calibration["missing"] or missing_note("calibration")}._']
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
    lines += markdown_table(['sample', 'model / output', 'log loss', 'ECE', 'macro recall'], rows)
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
        'bound, mostly eager dispatch; inside the graph it is a few elementwise ops; '
        + (
            'the A/B below times the served signature without it'
            if any('serving_ab' in sample for sample in calibration.values())
            else 'the served signature was not timed without it'
        )
        + '), reading the plan in `run_fn` (after `fit`), '
        'and the whole `run_fn`; mean over seeds. The correction is not in training; the '
        "multi-label sample's refit adds one pass over the eval split to `run_fn`.",
        '',
    ]
    lines += markdown_table(
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
    lines += render_ab(calibration)
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
        lines += markdown_table(
            ['sample', 'this run', 'recorded before', 'where recorded'], unchanged
        )
    return lines + ['']


def _difference(cells, prefix: str):
    """``(mean, shown, above)`` of one difference over the seeds' ``cells``: the mean of the
    paired medians, it shown with the lowest and highest bound of the seeds' 95% intervals, and
    the number of seeds whose interval lies above 0."""
    mean = _mean(c[f'{prefix}_median_ms'] for c in cells)
    low = min(c[f'{prefix}_ci95_ms'][0] for c in cells)
    high = max(c[f'{prefix}_ci95_ms'][1] for c in cells)
    above = sum(c[f'{prefix}_ci95_ms'][0] > 0 for c in cells)
    return mean, f'{mean:+.3f} ({low:+.3f} to {high:+.3f})', above


def _ab_cell(values, digits=3) -> str:
    return f'{_mean(values):.{digits}f}'


def _load(samples: dict) -> str:
    """What the run says about the machine's load (the cores were shared)."""
    loads = [
        row[key]
        for ab in samples.values()
        for row in ab['seeds'].values()
        for key in ('load_average_start', 'load_average_end')
        if key in row
    ]
    measured = (
        f"1-minute load average {min(loads):.1f}-{max(loads):.1f} at the seeds' start and end"
        if loads
        else next((ab['load'] for ab in samples.values() if 'load' in ab), 'load not recorded')
    )
    return (
        f"The machine's 2 cores were shared with other jobs ({measured}): pairing and "
        'interleaving let the load hit both arms alike, and it widens every spread below.'
    )


def render_ab(calibration: dict) -> list:
    """The serving and ``run_fn`` A/B of ``serving_ab.py`` (``serving_ab`` per sample)."""
    samples = {name: s['serving_ab'] for name, s in calibration.items() if 'serving_ab' in s}
    if not samples:
        return []
    first = next(iter(samples.values()))
    one_op = all(
        'one_op_diff_median_ms' in cell
        for ab in samples.values()
        for row in ab['seeds'].values()
        for cell in row['serving'].values()
    )
    lines = [
        '',
        'Serving latency with and without the correction (`benchmarks/calibration/serving_ab.py`, '
        f'{first["when"]}): per sample and training seed, the balanced model retrained by its '
        '`run_fn`, whose one SavedModel carries the served signature and a twin built from the '
        'same serving function without the correction (`with_probabilities(signatures, None)`: '
        '`tf.identity` where the correction was)'
        + (
            ', and a yardstick twin with one elementwise op where the correction was (the '
            'scores times a constant vector: the issue\'s budget, "one elementwise op"); the '
            'three called in rounds, in a random order per round,'
            if one_op
            else '; the two called in pairs, in a random order per pair,'
        )
        + ' on the same serialized test examples after warm-up (batch 1: the test examples '
        'in turn; batch 256: the first 256, all 178 for digits). '
        + _load(samples)
        + ' Per arm: median and p90 of the call (parse, Transform, model, outputs) in ms, mean '
        'over seeds; difference: the median of the paired differences (with - without'
        + (', one op - without' if one_op else '')
        + "), mean over seeds, with the lowest and highest bound of the seeds' bootstrap 95% "
        'intervals of that median.',
        '',
    ]
    rows, measurable, worst_ms, worst_share = [], 0, 0.0, 0.0
    op_measurable, op_worst_ms, ratios = 0, 0.0, []
    for name, ab in samples.items():
        seeds = list(ab['seeds'].values())
        for batch in seeds[0]['serving']:
            cells = [row['serving'][batch] for row in seeds]
            diff, shown, above = _difference(cells, 'diff')
            base = _mean(c['without_median_ms'] for c in cells)
            measurable += above
            worst_ms, worst_share = max(worst_ms, diff), max(worst_share, 100 * diff / base)
            op_cell = []
            if one_op:
                op, op_shown, op_above = _difference(cells, 'one_op_diff')
                op_measurable += op_above
                op_worst_ms = max(op_worst_ms, op)
                if batch == '1' and op > 0:
                    ratios.append(diff / op)
                op_cell = [op_shown]
            rows.append(
                [
                    name,
                    batch,
                    str(len(cells)),
                    f'{cells[0]["pairs"]}',
                    _ab_cell([c['with_median_ms'] for c in cells])
                    + f' ({_ab_cell([c["with_p90_ms"] for c in cells])})',
                    _ab_cell([c['without_median_ms'] for c in cells])
                    + f' ({_ab_cell([c["without_p90_ms"] for c in cells])})',
                    shown,
                    f'{100 * diff / base:+.1f}%',
                    *op_cell,
                ]
            )
    lines += markdown_table(
        [
            'sample',
            'batch',
            'seeds',
            'pairs per seed',
            'with: median (p90), ms',
            'without: median (p90), ms',
            'difference, ms (95% bounds)',
            'of the call',
            *(['one elementwise op: difference, ms (95% bounds)'] if one_op else []),
        ],
        rows,
    )
    cells = sum(
        len(ab['seeds']) * len(next(iter(ab['seeds'].values()))['serving'])
        for ab in samples.values()
    )
    verdict = (
        f'The correction is measurable: in {measurable} of {cells} (sample, batch, seed) cells '
        'the 95% interval of the paired difference lies above 0. It is small: a mean paired '
        f'difference of at most {worst_ms:.3f} ms, and at most {worst_share:+.1f}% of the call, '
        'on these small models (microseconds per call at batch 1). The goal "adds nothing '
        'measurable" is not met as worded; what was measured is the cost of a few elementwise '
        'ops.'
        if measurable
        else f'In none of the {cells} (sample, batch, seed) cells does the 95% interval of the '
        'paired difference lie above 0: nothing measurable at this precision.'
    )
    if one_op:
        verdict += (
            f' The yardstick, one elementwise op, is measurable by the same protocol in '
            f'{op_measurable} of {cells} cells (at most {op_worst_ms:.3f} ms)'
            + (
                f'; at batch 1 the correction costs {min(ratios):.1f}-{max(ratios):.1f}x what '
                'one elementwise op costs.'
                if ratios
                else '.'
            )
            + (
                ' By this protocol the issue\'s own budget is measurable, so "nothing '
                'measurable" cannot be met by a correction made of ops in the served graph, even of one.'
                if op_measurable
                else ''
            )
        )
    lines += [
        '',
        verdict,
        '',
        'Training: the same `run_fn` per seed, with the correction (as shipped) and without it '
        '(`with_prior_correction` replaced by `with_probabilities(signatures, None)`), the two '
        "arms in alternating order over seeds, after one untimed `run_fn` per process (TF's "
        'one-time set-up); seconds, mean over seeds. `fit` runs the same code in both arms (the '
        'correction is built after it returns), so its difference is load; "after fit" is the '
        'signature functions and, for multi-label, the scoring pass over the eval split that '
        'its refit reads (run in both arms); "correction" is the `with_prior_correction` call '
        '(plan read, refit, wrapping); "save" writes the SavedModel (with: one more signature, '
        'the twin above).',
        '',
    ]
    train_rows = []
    for name, ab in samples.items():
        seeds = list(ab['seeds'].values())
        fit_diffs = [row['with']['fit'] - row['without']['fit'] for row in seeds]
        for arm in ('with', 'without'):
            train_rows.append(
                [
                    name,
                    arm,
                    str(len(seeds)),
                    *(
                        f'{_mean(row[arm][part] for row in seeds):.{d}f}'
                        for part, d in (
                            ('fit', 1),
                            ('after_fit_before_correction', 2),
                            ('correction_call', 3),
                            ('save', 1),
                            ('run_fn', 1),
                        )
                    ),
                    f'{min(fit_diffs):+.1f} to {max(fit_diffs):+.1f}' if arm == 'with' else '',
                ]
            )
    lines += markdown_table(
        [
            'sample',
            'correction',
            'seeds',
            'fit, s',
            'after fit, s',
            'correction, s',
            'save, s',
            'run_fn, s',
            'fit with - without, per seed, s',
        ],
        train_rows,
    )
    return lines


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
