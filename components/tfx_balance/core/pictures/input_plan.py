"""BalancedInputGen's picture, from its ``balance_plan.json``: per split the plan of the
balanced stream: each class's (label group's) examples, its share of every batch, how often an
example is read per epoch (the repeat factor) and the epochs to read every example."""

from __future__ import annotations

from tfx_balance.core.pictures import charts


def _classes(split: str, entry: dict) -> list:
    classes = entry.get('classes') or []
    names = [str(c['class']) for c in classes]
    counts = [c['count'] for c in classes]
    data = entry.get('data_counts') or {}
    largest = max(counts, default=0)
    k = len(classes)
    parts = [
        f'<h4>Split {charts.esc(split)}: {sum(counts):,} examples of {k} classes; each batch '
        f'holds 1/{k} of each class, and an epoch (steps_per_epoch) reads the largest class '
        'once</h4>'
    ]
    series = {'laid out': counts}
    if data:
        series = {'in the data': [data.get(n, 0) for n in names], **series}
    parts.append(charts.bar_rows(f'plan-{split}', f'Examples per class in {split}', names, series))
    rows = [
        [
            n,
            f'{c:,}',
            f'{data[n]:,}' if n in data else '-',
            f'{1 / k:.1%}',
            f'{largest / c:.2f}' if c else '-',
            '1' if c else '-',
        ]
        for n, c in zip(names, counts)
    ]
    parts.append(
        charts.table_beside(
            [
                'class',
                'laid out',
                'in the data',
                'share of a batch',
                'reads per example per epoch',
                'epochs to read all',
            ],
            rows,
        )
    )
    return parts


def _label_sets(split: str, entry: dict) -> list:
    plan = entry['multi_label']
    labels = plan.get('labels') or []
    names = [str(x['label']) for x in labels]
    parts = [
        f'<h4>Split {charts.esc(split)}: policy {charts.esc(plan.get("policy"))}, '
        f'{plan.get("epoch_draws", 0):,} draws per epoch, every example read within '
        f'{plan.get("epochs_to_read_all")} epoch(s); {plan.get("groups_not_drawn", 0)} '
        'group(s) never drawn</h4>'
    ]
    parts.append(
        charts.bar_rows(
            f'plan-{split}',
            f'Label frequency in {split}: the data and the stream',
            names,
            {
                'data': [x.get('data_frequency') for x in labels],
                'stream': [x.get('expected_frequency') for x in labels],
            },
            value_format='{:.1%}',
        )
    )
    groups = plan.get('groups') or []
    parts.append(
        charts.table_beside(
            [
                'group (rarest label)',
                'examples',
                'draws per epoch',
                'repeat factor',
                'epochs to read all',
            ],
            [
                [
                    g.get('group'),
                    f'{g.get("count", 0):,}',
                    f'{g.get("draws_per_epoch", 0):,}',
                    f'{g.get("repeat", 0):.2f}',
                    g.get('epochs_to_read_all'),
                ]
                for g in groups
            ],
        )
    )
    return parts


def draw(plan: dict) -> list:
    parts = []
    for split, entry in (plan.get('splits') or {}).items():
        parts += _label_sets(split, entry) if 'multi_label' in entry else _classes(split, entry)
    passthrough = plan.get('passthrough_splits') or []
    if passthrough:
        parts.append(f'<p>Passed through unchanged: {charts.esc(", ".join(passthrough))}.</p>')
    return parts
