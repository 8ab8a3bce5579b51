"""What StratifiedSplitter writes to ``split_counts.json`` and logs.

One label per example: the plain table ``{class: {split: count}}``; with ``folds``, label bins,
``group_feature`` or earlier spans' assignments, a structured report: ``{"counts": table}``
plus ``"folds"``/``"holdout"``, ``"label_bins"``, ``"groups"`` and ``"pinned"`` entries
(``split_report``; their fields: docs/stratified_splitter.md). ``counts_of`` reads the table
from either form. Multi-label splits: per split its examples, per label its count and share,
the examples with no label and the label cardinality (``label_set_report``); with
``stratify_features``, a ``"strata"`` entry of the same shape as the exact form's
(``label_set_strata_report``).

Example:
    >>> counts_of({'a': {'train': 8, 'eval': 1}})
    {'a': {'train': 8, 'eval': 1}}
    >>> counts_of({'counts': {'0': {'fold-0': 2, 'fold-1': 1}}, 'folds': ['fold-0', 'fold-1']})
    {'0': {'fold-0': 2, 'fold-1': 1}}
"""

from __future__ import annotations

from typing import NamedTuple

from tfx_balance.core.common.folds import fold_names
from tfx_balance.core.common.keys import GROUP_FEATURE_KEY, MULTI_LABEL_KEY
from tfx_balance.core.common.labels import (
    class_name,
    class_sort_key,
    format_count_table,
    sorted_classes,
)
from tfx_balance.core.split.assignments import PINNED, pinning_lines
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import BinEdges, bin_names
from tfx_balance.core.split.stratify_features import (
    MISSING,
    FeatureValue,
    Stratum,
    class_of,
    split_label_set,
    stratum_sort_key,
    value_name,
    value_sort_key,
)

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
# With stratify_features: {'features': [names], 'strata': [{'class', 'values', 'counts'}] (each
# class x values stratum's examples per split; a value None is the missing one), 'values':
# {feature: {value: {split: examples}}} (across classes), 'largest_deviation': {'stratum':
# {'class', 'values', 'split', 'deviation'}, 'values': {feature: {'value', 'split',
# 'deviation'}}}: the largest |examples - share| of a stratum, and of each feature's values, in a
# split (shares: the split's weight of the stratum's or value's examples). Multi-label splits
# (label_set_strata_report): a stratum per label x values (its examples carrying the label;
# 'class' NO_LABEL: those without a label), 'values' per example as here. The iterative rule
# balances each label and each value; a label x values stratum is reported, not planned.
STRATA = 'strata'
STRATA_FEATURES = 'features'
STRATA_ROWS = 'strata'
STRATA_VALUES = 'values'
STRATUM_CLASS = 'class'
STRATUM_COUNTS = 'counts'
LARGEST_DEVIATION = 'largest_deviation'
LARGEST_STRATUM = 'stratum'  # the LARGEST_DEVIATION entry of a stratum (its values: STRATA_VALUES)
DEVIATION_SPLIT = 'split'
DEVIATION_AMOUNT = 'deviation'
DEVIATION_VALUE = 'value'
# A multi-label split_counts.json (label_set_report): per split its examples, per label (and
# NO_LABEL) per split its count and share.
LABEL_SET_EXAMPLES = 'examples'
LABEL_SET_LABELS = 'labels'
LABEL_COUNT = 'count'
# the kinds of a multi-label count key ``(split, kind, label)``; with stratify_features also
# ``(split, VALUE_KIND, FeatureValue)`` and ``(split, STRATUM_KIND, Stratum(label or None, values))``
EXAMPLES_KIND, NO_LABEL_KIND, LABEL_KIND, VALUE_KIND, STRATUM_KIND = 0, 1, 2, 3, 4


def is_structured(report: dict) -> bool:
    return isinstance(report.get(COUNTS), dict) and any(
        key in report for key in (FOLDS, LABEL_BINS, GROUPS, PINNED, STRATA)
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
        counted = class_of(unit.stratum)
        dominant = class_name(counted)
        key = (LARGEST_GROUP, dominant)
        terms[key] = max(terms.get(key, 0), unit.size)
        for label in map(class_of, unit.labels):
            if label != counted:
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
    strata=None,
) -> dict:
    """The report of a run: ``table`` as is, or structured with folds, bins, groups (the merged
    ``group_terms``), what earlier spans pinned (``assignments.pinning_report``'s) and the
    strata of ``stratify_features`` (``strata_report``'s)."""
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
    if strata is not None:
        report[STRATA] = strata
    return report


def class_table(pairs, split_names) -> dict:
    """Turns summed ``((split_index, label), count)`` pairs into ``{class_name: {split: count}}``."""
    by_class = {}
    for (index, stratum), count in pairs:
        row = by_class.setdefault(class_of(stratum), {})
        row[split_names[index]] = row.get(split_names[index], 0) + count
    return {
        class_name(label): {s: by_class[label].get(s, 0) for s in split_names}
        for label in sorted_classes(by_class)
    }


class StratumRow(NamedTuple):
    """A row of the ``STRATA`` entry: a stratum's class name, values and examples per split."""

    name: str | None  # None only as the largest deviation when no stratum deviates
    values: tuple
    counts: list


def strata_report(pairs, config: StratifiedSplitConfig, bins: BinEdges | None = None) -> dict:
    """The ``STRATA`` entry of a report from the summed ``((split index, Stratum), examples)``
    count ``pairs`` (a class named as in ``counts``: with bins, its bin index)."""
    names, features = list(config.splits), config.stratify_features
    rows, by_value = {}, [{} for _ in features]
    for (index, stratum), n in pairs:
        row = rows.setdefault(stratum, [0] * len(names))
        row[index] += n
        for f, value in enumerate(stratum.values):
            counts = by_value[f].setdefault(value, [0] * len(names))
            counts[index] += n
    label_name = str if bins is not None else class_name
    ordered = sorted(rows, key=stratum_sort_key)
    return _strata_entry(
        config, [StratumRow(label_name(s.label), s.values, rows[s]) for s in ordered], by_value
    )


def label_set_strata_report(pairs, config: StratifiedSplitConfig) -> dict:
    """The ``STRATA`` entry of a multi-label report from the summed count ``pairs`` of
    ``count_label_set`` (its ``VALUE_KIND`` and ``STRATUM_KIND`` keys): a stratum per label x
    values, the examples without a label last (``NO_LABEL``)."""
    names, features = list(config.splits), config.stratify_features
    rows, by_value = {}, [{} for _ in features]
    for (index, kind, key), n in pairs:  # keys plain (stratify_features.plain_counts)
        if kind == STRATUM_KIND:
            row = rows.setdefault(Stratum(*key), [0] * len(names))
        elif kind == VALUE_KIND:
            feature, value = key
            row = by_value[feature].setdefault(value, [0] * len(names))
        else:
            continue
        row[index] += n

    def order(stratum):
        label = stratum.label
        return (
            label is None,
            class_sort_key(label) if label is not None else (),
            *map(value_sort_key, stratum.values),
        )

    ordered = sorted(rows, key=order)
    named = [
        StratumRow(NO_LABEL if s.label is None else class_name(s.label), s.values, rows[s])
        for s in ordered
    ]
    return _strata_entry(config, named, by_value)


def _strata_entry(config: StratifiedSplitConfig, rows: list, by_value: list) -> dict:
    """The ``STRATA`` entry of ``rows`` (``StratumRow``s, in report order) and ``by_value`` (per
    feature, ``{value: examples per split}``)."""
    names, features = list(config.splits), list(config.stratify_features)
    weights = list(config.splits.values())
    total_weight = sum(weights)

    def worst(table):
        """``(deviation, key, split index)`` of the largest |examples - share| in ``table``."""
        found = (0.0, None, 0)
        for key in table:
            row = table[key]
            n = sum(row)
            for i, x in enumerate(row):
                d = abs(x - n * weights[i] / total_weight)
                if d > found[0] + 1e-12:
                    found = (d, key, i)
        return found

    deviation, at, split = worst({i: row.counts for i, row in enumerate(rows)})
    worst_row = rows[at] if at is not None else StratumRow(None, (), [])
    largest = {
        LARGEST_STRATUM: {
            STRATUM_CLASS: worst_row.name,
            STRATA_VALUES: [None if v is None else value_name(v) for v in worst_row.values],
            DEVIATION_SPLIT: names[split],
            DEVIATION_AMOUNT: round(deviation, 6),
        },
        STRATA_VALUES: {},
    }
    for f, feature in enumerate(features):
        values = sorted(by_value[f], key=value_sort_key)
        d, value, i = worst({v: by_value[f][v] for v in values})
        largest[STRATA_VALUES][feature] = {
            DEVIATION_VALUE: value_name(value) if d else None,
            DEVIATION_SPLIT: names[i],
            DEVIATION_AMOUNT: round(d, 6),
        }
    return {
        STRATA_FEATURES: features,
        STRATA_ROWS: [
            {
                STRATUM_CLASS: row.name,
                STRATA_VALUES: [None if v is None else value_name(v) for v in row.values],
                STRATUM_COUNTS: dict(zip(names, row.counts)),
            }
            for row in rows
        ],
        STRATA_VALUES: {
            feature: {
                value_name(v): dict(zip(names, by_value[f][v]))
                for v in sorted(by_value[f], key=value_sort_key)
            }
            for f, feature in enumerate(features)
        },
        LARGEST_DEVIATION: largest,
    }


def class_mix(strata: dict) -> dict:
    """``{feature: {value: {class: {split: examples}}}}`` of a ``split_counts.json``'s
    ``"strata"`` entry: each value's examples of each class per split, over the other features'
    values (the missing value named ``MISSING``); values and classes in the report's order."""
    features = strata[STRATA_FEATURES]
    mix = {feature: {} for feature in features}
    for row in strata[STRATA_ROWS]:
        label, counts = row[STRATUM_CLASS], row[STRATUM_COUNTS]
        for feature, value in zip(features, row[STRATA_VALUES]):
            name = MISSING if value is None else value
            cell = mix[feature].setdefault(name, {}).setdefault(label, dict.fromkeys(counts, 0))
            for split, n in counts.items():
                cell[split] = cell.get(split, 0) + n
    return mix


def strata_lines(report: dict) -> list:
    """The logged lines of a report's ``STRATA`` entry (of either label form)."""
    multi_label = MULTI_LABEL_KEY in report and LABEL_SET_LABELS in report
    strata = report.get(STRATA) if is_structured(report) or multi_label else None
    if not strata:
        return []
    values = ', '.join(
        f'{feature} ({len(strata[STRATA_VALUES][feature])} values)'
        for feature in strata[STRATA_FEATURES]
    )
    worst = strata[LARGEST_DEVIATION][LARGEST_STRATUM]
    where = ''
    if worst[STRATUM_CLASS] is not None:
        named = ', '.join(
            f'{f}={MISSING if v is None else repr(v)}'
            for f, v in zip(strata[STRATA_FEATURES], worst[STRATA_VALUES])
        )
        where = f' ({worst[STRATUM_CLASS]} | {named} in {worst[DEVIATION_SPLIT]})'
    kind = 'label' if multi_label else 'class'
    lines = [
        f'strata: {len(strata[STRATA_ROWS])} ({kind} x {values}); largest deviation from a '
        f'share: {worst[DEVIATION_AMOUNT]:.3f} examples{where}'
    ]
    for feature, found in strata[LARGEST_DEVIATION][STRATA_VALUES].items():
        if found[DEVIATION_VALUE] is not None:
            lines.append(
                f'  {feature}: largest deviation {found[DEVIATION_AMOUNT]:.3f} examples '
                f'({found[DEVIATION_VALUE]!r} in {found[DEVIATION_SPLIT]})'
            )
    return lines


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
    return '\n'.join(lines + strata_lines(report) + pinning_lines(report))


def count_label_set(counts: dict, split: int, labels: tuple, n: int = 1) -> None:
    """Counts ``n`` examples of label set ``labels`` placed in ``split``: keys
    ``(split, kind, label)`` for the split's examples, its examples with no label, and each label;
    with stratify features (``FeatureValue``s after the labels), each value (``VALUE_KIND``) and
    each label x values stratum (``STRATUM_KIND``, label None for no label)."""
    labels, values = split_label_set(labels)
    counts[split, EXAMPLES_KIND, None] = counts.get((split, EXAMPLES_KIND, None), 0) + n
    if not labels:
        counts[split, NO_LABEL_KIND, None] = counts.get((split, NO_LABEL_KIND, None), 0) + n
    for label in labels:
        counts[split, LABEL_KIND, label] = counts.get((split, LABEL_KIND, label), 0) + n
    if values is None:
        return
    for f, value in enumerate(values):
        key = split, VALUE_KIND, FeatureValue(f, value)
        counts[key] = counts.get(key, 0) + n
    for label in labels or (None,):
        key = split, STRATUM_KIND, Stratum(label, values)
        counts[key] = counts.get(key, 0) + n


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
    return '\n'.join(lines + strata_lines(report) + pinning_lines(report, 'label occurrences'))
