"""What StratifiedSplitter writes to ``split_counts.json`` and logs.

One label per example: the plain table ``{class: {split: count}}``; with ``folds``, label bins,
``group_feature`` or earlier spans' assignments, a structured report: ``{"counts": table}``
plus ``"folds"``/``"holdout"``, ``"label_bins"``, ``"groups"`` and ``"pinned"`` entries
(``split_report``; their fields: docs/stratified_splitter.md). ``counts_of`` reads the table
from either form. Multi-label splits: per split its examples, per label its count and share,
the examples with no label and the label cardinality (``label_set_report``).

Example:
    >>> counts_of({'a': {'train': 8, 'eval': 1}})
    {'a': {'train': 8, 'eval': 1}}
    >>> counts_of({'counts': {'0': {'fold-0': 2, 'fold-1': 1}}, 'folds': ['fold-0', 'fold-1']})
    {'0': {'fold-0': 2, 'fold-1': 1}}
"""

from __future__ import annotations

from tfx_balance.core.common.folds import fold_names
from tfx_balance.core.common.keys import GROUP_FEATURE_KEY, MULTI_LABEL_KEY
from tfx_balance.core.common.labels import class_name, format_count_table, sorted_classes
from tfx_balance.core.split.assignments import PINNED, pinning_lines
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import BinEdges, bin_names

COUNTS = 'counts'
FOLDS = 'folds'
HOLDOUT = 'holdout'
LABEL_BINS = 'label_bins'
# With group_feature (one label per example): {'group_feature': name, 'largest_group': {class:
# examples}, 'mixed': {class: examples}}: per class its largest group (groups count for their most
# frequent class), which bounds how far a split's count is from the rule's, and the examples of
# groups that mix it with another class (of it in another class's groups, or of another class in
# its groups), which can move its label count further.
GROUPS = 'groups'
LARGEST_GROUP = 'largest_group'
MIXED = 'mixed'
NO_LABEL = '(no label)'  # the row of examples without a label in split_counts.json and logs
BIN_NAMES = 'bins'  # the LABEL_BINS entry's name of each bin (its range)
# A multi-label split_counts.json (label_set_report): per split its examples, per label (and
# NO_LABEL) per split its count and share.
LABEL_SET_EXAMPLES = 'examples'
LABEL_SET_LABELS = 'labels'
LABEL_COUNT = 'count'
# the kinds of a multi-label count key ``(split, kind, label)``
EXAMPLES_KIND, NO_LABEL_KIND, LABEL_KIND = 0, 1, 2


def is_structured(report: dict) -> bool:
    return isinstance(report.get(COUNTS), dict) and any(
        key in report for key in (FOLDS, LABEL_BINS, GROUPS, PINNED)
    )


def group_slack(report: dict) -> dict:
    """``{class: examples}`` by which ``group_feature`` lets a split's count of the class differ
    from the rule's, from a ``split_counts.json``: its largest group - 1, plus its examples in
    mixed groups (``{}`` without groups: every unit is one example)."""
    groups = report.get(GROUPS, {}) if is_structured(report) else {}
    largest, mixed = groups.get(LARGEST_GROUP, {}), groups.get(MIXED, {})
    return {c: largest.get(c, 1) - 1 + mixed.get(c, 0) for c in {**largest, **mixed}}


def group_terms(units) -> dict:
    """``{(LARGEST_GROUP | MIXED, class name): examples}`` of a batch of group units; merged over
    batches by ``merge_group_terms`` (largest by max, mixed by sum)."""
    terms = {}
    for unit in units:
        dominant = class_name(unit.stratum)
        key = (LARGEST_GROUP, dominant)
        terms[key] = max(terms.get(key, 0), unit.size)
        for label in unit.labels:
            if label != unit.stratum:
                for name in (class_name(label), dominant):
                    terms[(MIXED, name)] = terms.get((MIXED, name), 0) + 1
    return terms


def merge_group_terms(parts) -> dict:
    merged = {}
    for part in parts:
        for key, value in part.items():
            old = merged.get(key, 0)
            merged[key] = max(old, value) if key[0] == LARGEST_GROUP else old + value
    return merged


def counts_of(report: dict) -> dict:
    """``{class: {split: count}}`` of a ``split_counts.json`` in either form."""
    return report[COUNTS] if is_structured(report) else report


def split_report(
    table: dict,
    config: StratifiedSplitConfig,
    bins: BinEdges | None = None,
    groups=None,
    pinning=None,
) -> dict:
    """The report of a run: ``table`` as is, or structured with folds, bins, groups (the merged
    ``group_terms``) and what earlier spans pinned (``assignments.pinning_report``'s)."""
    if not config.structured_report and pinning is None:
        return table
    report = {}
    if config.binned:  # every bin, in bin order, empty ones included
        names = bin_names(bins.edges)
        empty = dict.fromkeys(config.splits, 0)
        table = {str(i): dict(table.get(str(i), empty)) for i in range(len(names))}
        report[LABEL_BINS] = {
            'label_feature': config.label_feature,
            'edges': list(bins.edges),
            BIN_NAMES: names,
            'requested_bins': config.label_bins,
            'exact': bins.exact,
            'coarsened_bits': bins.coarsened_bits,
        }
    report = {COUNTS: table, **report}
    if config.group_feature is not None:
        terms = groups or {}
        report[GROUPS] = {
            GROUP_FEATURE_KEY: config.group_feature,
            **{
                kind: {c: terms[(kind, c)] for c in table if (kind, c) in terms}
                for kind in (LARGEST_GROUP, MIXED)
            },
        }
    if config.folds is not None:
        report[FOLDS] = fold_names(config.folds)
        report[HOLDOUT] = dict(config.holdout or {})
    if pinning is not None:
        report[PINNED] = pinning
    return report


def class_table(pairs, split_names) -> dict:
    """Turns summed ``((split_index, label), count)`` pairs into ``{class_name: {split: count}}``."""
    by_class = {}
    for (index, label), count in pairs:
        by_class.setdefault(label, {})[split_names[index]] = count
    return {
        class_name(label): {s: by_class[label].get(s, 0) for s in split_names}
        for label in sorted_classes(by_class)
    }


def format_report(report: dict, splits) -> str:
    """The logged table: per class (or bin, named by its range), per split; folds named."""
    table = counts_of(report)
    structured = is_structured(report)
    binned = structured and LABEL_BINS in report
    lines = []
    if binned:
        bins = report[LABEL_BINS]
        names = bins[BIN_NAMES]
        table = {f'{i}: {names[int(i)]}': row for i, row in table.items()}
        exact = 'exact' if bins['exact'] else f'coarsened by {bins["coarsened_bits"]} bits'
        lines.append(f'label bins of {bins["label_feature"]!r}: edges {bins["edges"]} ({exact})')
    if structured and FOLDS in report:
        held = report[HOLDOUT]
        lines.append(f'{len(report[FOLDS])} folds' + (f', held out first: {held}' if held else ''))
    lines.append(format_count_table(table, list(splits), 'bin' if binned else 'class'))
    return '\n'.join(lines + pinning_lines(report))


def count_label_set(counts: dict, split: int, labels: tuple, n: int = 1) -> None:
    """Counts ``n`` examples of label set ``labels`` placed in ``split``: keys
    ``(split, kind, label)`` for the split's examples, its examples with no label, and each label."""
    counts[split, EXAMPLES_KIND, None] = counts.get((split, EXAMPLES_KIND, None), 0) + n
    if not labels:
        counts[split, NO_LABEL_KIND, None] = counts.get((split, NO_LABEL_KIND, None), 0) + n
    for label in labels:
        counts[split, LABEL_KIND, label] = counts.get((split, LABEL_KIND, label), 0) + n


def label_set_report(pairs, split_names, form: str) -> dict:
    """``split_counts.json`` of a multi-label split: per split its examples, per label its count
    and share (of the split's examples) per split, the examples with no label, and the label
    cardinality (mean labels per example)."""
    counts = {}
    for key, n in pairs:
        counts[key] = counts.get(key, 0) + n
    sizes = [counts.get((i, EXAMPLES_KIND, None), 0) for i in range(len(split_names))]
    labels = sorted_classes(label for (_, kind, label) in counts if kind == LABEL_KIND)

    def row(kind, label):
        return {
            name: {
                LABEL_COUNT: counts.get((i, kind, label), 0),
                'share': round(counts.get((i, kind, label), 0) / sizes[i], 6) if sizes[i] else 0.0,
            }
            for i, name in enumerate(split_names)
        }

    per_label = {class_name(label): row(LABEL_KIND, label) for label in labels}
    values = [
        sum(counts.get((i, LABEL_KIND, label), 0) for label in labels) for i in range(len(sizes))
    ]
    return {
        MULTI_LABEL_KEY: form,
        LABEL_SET_EXAMPLES: dict(zip(split_names, sizes)),
        LABEL_SET_LABELS: per_label,
        NO_LABEL: row(NO_LABEL_KIND, None),
        'label_cardinality': {
            name: round(values[i] / sizes[i], 6) if sizes[i] else 0.0
            for i, name in enumerate(split_names)
        },
    }


def format_label_set_report(report: dict, split_names) -> str:
    """The logged table of a multi-label report: count and share per label and split."""
    rows = [(name, report[LABEL_SET_LABELS][name]) for name in report[LABEL_SET_LABELS]]
    rows.append((NO_LABEL, report[NO_LABEL]))
    width = max([len('label'), len('examples')] + [len(name) for name, _ in rows])
    cols = {s: max(len(s), 16) for s in split_names}
    header = f'{"label":<{width}}  ' + '  '.join(f'{s:>{cols[s]}}' for s in split_names)
    lines = [header, '-' * len(header)]
    for name, cells in rows:
        text = [f'{cells[s][LABEL_COUNT]} ({cells[s]["share"]:.2%})' for s in split_names]
        lines.append(
            f'{name:<{width}}  ' + '  '.join(f'{t:>{cols[s]}}' for t, s in zip(text, split_names))
        )
    lines.append('-' * len(header))
    lines.append(
        f'{"examples":<{width}}  '
        + '  '.join(f'{report["examples"][s]:>{cols[s]}}' for s in split_names)
    )
    lines.append(
        f'{"labels/example":<{width}}  '
        + '  '.join(f'{report["label_cardinality"][s]:>{cols[s]}.3f}' for s in split_names)
    )
    return '\n'.join(lines + pinning_lines(report, 'label occurrences'))
