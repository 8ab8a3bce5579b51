"""BalancedAugmenter's picture, from its ``rebalance_plan.json``: per split and class, the
examples before, and after: the originals kept and the synthetic ones, with the target marked."""

from __future__ import annotations

from tfx_balance.core.pictures import charts

BEFORE, ORIGINALS, SYNTHETIC = 'before', 'after: originals', 'after: synthetic'


def draw(plan: dict) -> list:
    parts = [
        f'<p>Target {charts.esc(plan.get("target"))}, augmentation '
        f'{charts.esc(plan.get("augmentation"))}'
        + (', undersampling' if plan.get('undersample') else '')
        + f'; synthetic examples are marked by {charts.esc(plan.get("provenance_feature"))}.</p>'
    ]
    for split, per_class in plan.get('splits', {}).items():
        rows = list(per_class)
        before = [per_class[c]['input'] for c in rows]
        kept = [per_class[c]['input'] - per_class[c]['dropped'] for c in rows]
        synthetic = [per_class[c]['generated'] for c in rows]
        output = [per_class[c]['output'] for c in rows]
        parts.append(
            f'<h4>Split {charts.esc(split)}: {sum(before):,} examples before, {sum(output):,} '
            f'after ({sum(synthetic):,} synthetic, {sum(b - k for b, k in zip(before, kept)):,} '
            'dropped)</h4>'
        )
        parts.append(
            charts.bar_rows(
                f'rebalance-{split}',
                f'Examples per class in {split}',
                rows,
                {BEFORE: before, ORIGINALS: kept, SYNTHETIC: synthetic},
                marks={ORIGINALS: [per_class[c]['target'] for c in rows]},
                mark_name='target',
            )
        )
        headers = ['class', 'before', 'target', 'synthetic', 'dropped', 'after']
        body = [
            [c, *(f'{per_class[c][k]:,}' for k in ('input', 'target', 'generated', 'dropped'))]
            + [f'{per_class[c]["output"]:,}']
            for c in rows
        ]
        parts.append(charts.table_beside(headers, body))
    return parts
