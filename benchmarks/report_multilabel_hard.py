"""The issue-40 section of RESULTS.md: the hard multi-label workloads, ours vs iterstrat.

Renders the rows of :func:`benchmarks.bench_multilabel_hard.run` as markdown: per workload, each
method's LD, max relative deviation (labels with >= 100 units), missing pairs, split sizes and
heaviest-split rule violations, with the issue's goals checked for our plan and the prototype.

Example:
    >>> lines = render({'rows': []})
    >>> lines[0].startswith('| data')
    True
"""

from __future__ import annotations

LD_GOAL = 1.5  # LD <= 1.5x iterstrat's
DEVIATION_GOAL = 1.0  # max relative deviation <= 1.0x iterstrat's
EXAMPLE_SIZE_GOAL_PCT = 3.0  # with groups: each split within 3% of its share in examples
UNIT_SIZE_GOAL = 1.0  # without groups: each split within 1 unit of its share

HEADER = [
    '| data | units | method | LD (x iterstrat) | max rel. dev. (x iterstrat) [worst] '
    '| missing pairs | sizes: max off share | heaviest-rule labels | goals missed | s |',
    '|---|---|---|---|---|---|---|---|---|---|',
]


def _ratio(mine: float, theirs: float) -> str:
    if not theirs:
        return ''
    return f' ({mine / theirs:.2f}x)'


def missed(q: dict, ref: dict, grouped: bool) -> list:
    """The issue's goals ``q`` misses (``ref``: iterstrat's measures on the same data)."""
    out = []
    if ref and q['ld'] > LD_GOAL * ref['ld']:
        out.append(f'LD {q["ld"] / ref["ld"]:.2f}x')
    dev, ref_dev = q['max_relative_deviation'], (ref or {}).get('max_relative_deviation')
    if ref_dev is not None and dev > DEVIATION_GOAL * ref_dev + 1e-12:
        out.append(f'dev {dev / ref_dev:.2f}x' if ref_dev else 'dev')
    if q['missing_pairs']:
        out.append(f'{q["missing_pairs"]} missing')
    if grouped and q['max_example_size_deviation_pct'] > EXAMPLE_SIZE_GOAL_PCT:
        out.append(f'sizes {q["max_example_size_deviation_pct"]:.1f}%')
    if not grouped and q['max_unit_size_deviation'] > UNIT_SIZE_GOAL:
        out.append(f'sizes {q["max_unit_size_deviation"]:.0f} units')
    if q['heaviest_rule_labels']:
        out.append(f'rule {q["heaviest_rule_labels"]}')
    return out


def _worst(q: dict) -> str:
    w = q.get('worst')
    return f' [l{w["label"]} {w["split"]} {w["count"]}/{w["expected"]}]' if w else ''


def _sizes(q: dict, grouped: bool) -> str:
    if grouped:
        return f'{q["max_example_size_deviation_pct"]:.1f}% ex. ({q["example_sizes"]})'
    return f'{q["max_unit_size_deviation"]:.0f} u ({q["unit_sizes"]})'


def row_lines(row: dict) -> list:
    grouped = row['shape'] == 'hierarchy_groups'
    ref = row['methods'].get('iterstrat', {})
    ref = ref if 'ld' in ref else {}
    data = f'{row["shape"]} {row["n"]:,} ({":".join(map(str, row["weights"]))})'
    lines = []
    entries = list(row['methods'].items())
    previous = None
    for name, q in row.get('steps', {}).items():
        if q != previous:  # a step that changed nothing gets no row
            entries.append((f'ours after step {name}', q))
        previous = q
    for method, q in entries:
        if 'ld' not in q:
            lines.append(f'| {data} | {row["units"]:,} | {method} | {q.get("error", "")} |||||||')
            continue
        goals = ''
        if method in ('ours', 'prototype'):
            goals = ', '.join(missed(q, ref, grouped)) or 'none'
        sizes = _sizes(q, grouped) if 'max_unit_size_deviation' in q else f'{q["unit_sizes"]}'
        lines.append(
            f'| {data} | {row["units"]:,} | {method} '
            f'| {q["ld"]:.3g}{_ratio(q["ld"], ref.get("ld"))} '
            f'| {q["max_relative_deviation"]:.3g}'
            f'{_ratio(q["max_relative_deviation"], ref.get("max_relative_deviation"))}{_worst(q)} '
            f'| {q["missing_pairs"]} | {sizes} | {q["heaviest_rule_labels"]} | {goals} '
            f'| {q.get("seconds", "")} |'
        )
    return lines


def render(results: dict) -> list:
    """The table of every row (the section's prose is written around it)."""
    lines = list(HEADER)
    for row in results['rows']:
        lines += row_lines(row)
    return lines


if __name__ == '__main__':
    import json
    import sys

    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            rows += json.load(f)['rows']
    print('\n'.join(render({'rows': rows})))
