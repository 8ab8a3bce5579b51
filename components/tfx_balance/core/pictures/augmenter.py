"""BalancedAugmenter's picture, from its ``rebalance_plan.json``: per split and class, the
examples before, and after: the originals kept and the synthetic ones, with the target marked."""

from __future__ import annotations

from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts

BEFORE, ORIGINALS, SYNTHETIC = 'before', 'after: originals', 'after: synthetic'


def draw(plan: dict) -> list:
    # The plan's keys; its package imports Beam, imported when drawing (as split.py does).
    from tfx_balance.core.balanced_augmenter import plan as p

    parts = [
        f'<p>Target {charts.esc(plan.get(keys.TARGET_KEY))}, augmentation '
        f'{charts.esc(plan.get(keys.AUGMENTATION_KEY))}'
        + (', undersampling' if plan.get(keys.UNDERSAMPLE_KEY) else '')
        + f'; synthetic examples are marked by {charts.esc(plan.get(keys.PROVENANCE_FEATURE_KEY))}.</p>'
    ]
    for split, per_class in plan.get(keys.SPLITS_KEY, {}).items():
        rows = list(per_class)
        before = [per_class[c][p.PLAN_INPUT] for c in rows]
        kept = [per_class[c][p.PLAN_INPUT] - per_class[c][p.PLAN_DROPPED] for c in rows]
        synthetic = [per_class[c][p.PLAN_GENERATED] for c in rows]
        output = [per_class[c][p.PLAN_OUTPUT] for c in rows]
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
                marks={ORIGINALS: [per_class[c][p.PLAN_TARGET] for c in rows]},
                mark_name='target',
            )
        )
        headers = ['class', 'before', 'target', 'synthetic', 'dropped', 'after']
        body = [[c, *(f'{per_class[c][k]:,}' for k in p.PLAN_COLUMNS)] for c in rows]
        parts.append(charts.table_beside(headers, body))
    return parts
