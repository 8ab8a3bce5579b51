"""The multilabel_quality section of RESULTS.md: the multi-label policies' coverage and model
quality (issue 41).

Renders ``benchmarks.multilabel_quality.jobs.run`` as markdown.

Example:
    >>> render_section({})
    []
"""

from __future__ import annotations

INTRO = (
    '`benchmarks/multilabel_quality/jobs.py` (`python -m benchmarks.run --sections '
    "multilabel_quality`; full runs). **Coverage**: each policy's plan (`make_multilabel_plan`) "
    "on the issue's data: the correlated workload of section 3 and the `hierarchy` shape of "
    'section 11 (all examples as the training split). "unread in 3 epochs": examples not read '
    'in `3 * sum(D)` draws (groups are read in passes); "min lift": the lowest stream / data '
    'frequency of a label; "rare >= 2x": labels on at most 2% of the examples at >= 2x their '
    'data frequency.'
)
QUALITY = (
    "**Quality**: the same model (the multi-label sample's trainer: dense 128 ReLU -> one "
    'sigmoid per label, Adam 1e-3, binary cross-entropy) trained for {steps} steps of batch '
    '{batch} on the plain read (shuffled, repeated) or on `balanced_dataset` over a '
    '`BalancedLayout` with each policy; {seeds} seeds (initial weights and stream order), mean '
    '+- standard deviation over seeds, scored on a held-out 30% test cut. `digits`: the '
    "multi-label sample's tiles (`pipelines/multilabel/dataset.py`, 10 labels, 78% down to "
    '3.2%); `hierarchy`: SYNTHETIC (`benchmarks/multilabel_quality/data.py`: 4 parents, 28 '
    "children with Zipf-like shares 42% down to 0.6%, features = the labels' prototype vectors "
    '+ noise). "rarest third": mean recall at 0.5 of the rarest third of the labels (training '
    'frequency); "worst AP vs plain": the largest per-label drop of the mean AP against the plain '
    'read (label id).'
)


def _pm(pair) -> str:
    return f'{pair[0]:.3f} +- {pair[1]:.3f}'


def coverage_goals(rows: list) -> list:
    """The issue's goals for the default policy's plan, met or missed, per data set."""
    out = []
    for r in (r for r in rows if r['policy'] == 'floored_label_balanced'):
        checks = [
            ('0 groups not drawn', r['groups_not_drawn'] == 0, f'{r["groups_not_drawn"]}'),
            (
                'every example read within 3 epochs',
                r['unread_in_3_epochs'] == 0,
                f'{r["unread_in_3_epochs"]} unread',
            ),
            ('no label below 0.5x', r['min_lift'] >= 0.5, f'min {r["min_lift"]:.2f}x'),
            (
                'every label on <= 2% at >= 2x',
                r['rare_lifted_2x'] == r['rare_labels'],
                f'{r["rare_lifted_2x"]} of {r["rare_labels"]}',
            ),
        ]
        shown = '; '.join(f'{g}: {v} ({"met" if ok else "**missed**"})' for g, ok, v in checks)
        out.append(f'- Goals, `floored_label_balanced` on {r["data"]}: {shown}.')
    return out


def render(result: dict) -> list:
    """The section's markdown lines (without its heading)."""
    lines = [INTRO, '']
    lines += [
        '| data | policy | groups | not drawn | unread in 3 epochs | epochs to read all '
        '| min lift | rare >= 2x | max freq |',
        '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for r in result['coverage']:
        epochs = r['epochs_to_read_all']
        lines.append(
            f'| {r["data"]} | {r["policy"]} | {r["groups"]} | {r["groups_not_drawn"]} '
            f'| {r["unread_in_3_epochs"]:,} of {r["examples"]:,} '
            f'| {"never" if epochs is None else epochs} | {r["min_lift"]:.2f}x '
            f'| {r["rare_lifted_2x"]} of {r["rare_labels"]} | {r["max_frequency"]:.3f} |'
        )
    lines += ['', *coverage_goals(result['coverage']), '']
    for name, (floored, free) in result['bounds'].items():
        lines.append(
            f'- {name}: the best any policy can give every label on <= 2% at once (a linear '
            f"program over the groups' shares, every label >= 0.5x): {floored:.2f}x with every "
            f'example read within 3 epochs, {free:.2f}x without that floor: the 2x goal cannot '
            'be met for all of them together with the 3-epoch floor (the default, by its equal '
            'frequency, lifts most of the rarest labels past 2x and those near 2% less).'
        )
    sp = result['speed']
    lines += [
        '',
        f"Speed under the new default (section 3's multi-label rows, {sp['examples']:,} examples "
        f'of the correlated workload, median of {sp["runs"]} runs alternating): '
        f"`balanced_dataset` {sp['read_ratio']:.2f}x the best plain read's examples/s "
        f'({sp["best_plain"]}; goal >= 1.0x) and {sp["read_cpu_ratio"]:.2f}x its examples per '
        f'CPU-second; `label_balanced` in the same runs {sp["old_read_ratio"]:.2f}x and '
        f"{sp['old_read_cpu_ratio']:.2f}x; `model.fit` {sp['fit_ratio']:.2f}x the plain read's "
        'steps/s (goal >= 0.97x). The reading code is unchanged (only the draws are); the wall '
        'ratios move with the load of the shared machine, the CPU ratios much less.',
    ]
    lines += ['', QUALITY.format(**result), '']
    for name, s in result['quality'].items():
        methods = [m for m in s if isinstance(s[m], dict) and 'macro_f1' in s[m]]
        lines += [
            f'`{name}` ({s["labels"]} labels, {s["examples"]["train"]:,} train / '
            f'{s["examples"]["test"]:,} test; rarest third: labels {s["rarest_third"]})',
            '',
            '| method | macro-F1 | macro AP | rarest-third recall | worst AP vs plain |',
            '|---|---:|---:|---:|---:|',
        ]
        for m in methods:
            change, label = s[m]['worst_ap_change']
            lines.append(
                f'| {m} | {_pm(s[m]["macro_f1"])} | {_pm(s[m]["macro_ap"])} '
                f'| {_pm(s[m]["rare_recall"])} | {change:+.3f} ({label}) |'
            )
        lines += ['', '| goal (floored_label_balanced) | measured | met |', '|---|---:|---|']
        lines += [f'| {g} | {v} | {"yes" if ok else "**no**"} |' for g, v, ok in s['goals']]
        lines.append('')
    return lines


def render_section(results: dict) -> list:
    """The section from ``results['multilabel_quality']`` (empty when not measured)."""
    section = results.get('multilabel_quality') or {}
    if 'coverage' not in section:
        return [f'_{section["missing"]}._'] if 'missing' in section else []
    return render(section)
