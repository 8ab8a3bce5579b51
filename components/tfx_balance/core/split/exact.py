"""The exact per-class strategy: one label per example, each class cut at its rule's counts.

1. ``ToUnits``: an input batch's ``Unit``s, one per example (its class: its label, or with
   label bins its bin), or with ``group_feature`` one per group, counting for its dominant class.
2. ``PlanClasses``, one combine: units counted per class and hash bucket, every class's counts
   by ``allocation.allocate_classes`` (``class_counts``), cut by ``ClassSplitPlan.of``.

Example:
    >>> from tfx_balance.core.split.config import StratifiedSplitConfig
    >>> to_units = ExactStrategy.units(StratifiedSplitConfig(label_feature='label'), grouped=False)
    >>> from tensorflow.core.example import example_pb2
    >>> labelled = example_pb2.Example()
    >>> labelled.features.feature['label'].int64_list.value.append(3)
    >>> [(unit.label, unit.size, unit.ranks) for unit in to_units([labelled.SerializeToString()])]
    [(3, 1, 1)]
"""

from __future__ import annotations

import collections
import functools
from fractions import Fraction
from typing import NamedTuple

import apache_beam as beam

from tfx_balance.core.common.groups import group_key, read_group_ids
from tfx_balance.core.common.hashing import (
    bucket_of,
    example_keys,
    fingerprint,
    seeded_hash,
    seeded_hashes,
)
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    class_sort_key,
    example_fingerprint,
    read_labels,
    unlabelled_keys,
)
from tfx_balance.core.common.records import RecordBatch
from tfx_balance.core.split.allocation import allocate_classes
from tfx_balance.core.split.assignments import PinnedCounts, group_members, whole_units
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import read_classes
from tfx_balance.core.split.placement import (
    ClassSplitPlan,
    Group,
    PlaceUnits,
    check_not_empty,
    place_groups,
)
from tfx_balance.core.split.report import (
    class_table,
    format_report,
    group_terms,
    merge_group_terms,
    split_report,
)


class Unit(NamedTuple):
    """A unit of assignment: one example, or one group of examples."""

    label: object  # class the unit counts for
    hash: int
    size: int
    records: tuple  # serialized examples (none in the plan pass: ToUnits' records=False)
    labels: tuple  # their labels
    # (label, example name) of its examples that name their label for the label kind check
    # (first_names): the first example of each label value of an input batch
    named: tuple = ()
    pinned: int | None = None  # the split earlier spans put it in (assignments.PinUnits)
    group: bytes | None = None  # its group id (group_feature); None for an example
    # the key its assignment is written and pinned by (assignments.py): an example's hash, a
    # group's groups.group_key (its hash is of its seed keys, which spell the id's type)
    key: int | None = None
    # an example's key as assignments of format 1 wrote it (its label included), only where the
    # window holds some (assignments.LEGACY)
    legacy: int | None = None

    @property
    def stratum(self):
        """What the unit counts for in the plan: its class."""
        return self.label

    @property
    def ranks(self) -> int:
        """The ranks the unit takes in its class's order: a class's plan counts examples, so a
        group takes as many as it has examples."""
        return self.size

    def examples(self):
        """``(record, label)`` of each of the unit's examples."""
        return zip(self.records, self.labels)


class ToUnits:
    """Turns an input batch into units: one per example, unless the input is already units
    (``grouped``: by ``group_feature``, or joined with earlier spans' assignments)."""

    def __init__(self, config: StratifiedSplitConfig, grouped: bool, legacy: bool = False):
        self._label_feature = config.label_feature
        self._seed = config.seed
        self.grouped = grouped
        self.legacy = legacy  # also key examples as format-1 assignments did (Unit.legacy)

    def __call__(self, batch, edges=None) -> list:
        return batch if self.grouped else self.example_units(batch, edges)

    @staticmethod
    def first_names(records, labels, where: str) -> dict:
        """``{index: name}`` of the first example of each label value of a batch (its fingerprint
        and `` in where``), for the label kind check."""
        first = dict(zip(reversed(labels), range(len(labels) - 1, -1, -1)))  # label -> first index
        at = list(first.values())
        found = example_keys([records[i] for i in at])
        in_where = f' in {where}' if where else ''
        return {i: fingerprint(key) + in_where for i, key in zip(at, found)}

    def classes(self, records, where: str, edges) -> list:
        """The class of each example: its label; with bin ``edges`` (label bins), its bin."""
        if edges is None:  # StratifiedSplit.expand chose: no bins
            return read_labels(records, self._label_feature, where)
        return read_classes(records, self._label_feature, where, edges)

    def example_units(self, batch, edges=None, records: bool = True) -> list:
        """One ``Unit`` per example of an input batch."""
        where, batch_records = RecordBatch.of(batch)
        labels = self.classes(batch_records, where, edges)
        names = self.first_names(batch_records, labels, where)
        hashes = seeded_hashes(self._seed, unlabelled_keys(batch_records, self._label_feature))
        legacy = seeded_hashes(self._seed, example_keys(batch_records)) if self.legacy else None
        return [
            Unit(
                label,
                hashes[i],
                1,
                (batch_records[i],) if records else (),
                (label,) if records else (),
                ((label, names[i]),) if i in names else (),
                key=hashes[i],
                legacy=None if legacy is None else legacy[i],
            )
            for i, label in enumerate(labels)
        ]

    def key_by_group(self, batch, group_feature: str, edges=None, records: bool = True):
        """``(group, (label, seed key, record, name, key))`` per example of an input batch:
        ``record`` None with ``records=False``, ``name`` None unless it names its label
        (``first_names``), ``key`` its content key without the label (``unlabelled_keys``)."""
        where, batch_records = RecordBatch.of(batch)
        labels = self.classes(batch_records, where, edges)
        ids = read_group_ids(
            batch_records,
            group_feature,
            lambda i: (
                f'(fingerprint {example_fingerprint(batch_records[i])}) '
                f'of class {class_name(labels[i])!r}'
            ),
            where,
        )
        names = self.first_names(batch_records, labels, where)
        keys = unlabelled_keys(batch_records, self._label_feature)
        for i, ((group, seed_key), label) in enumerate(zip(ids, labels)):
            record = batch_records[i] if records else None
            yield group, (label, seed_key, record, names.get(i), keys[i])

    def group_to_unit(self, item) -> Unit:
        """The ``Unit`` of a group, ``(group, members)``: it counts for its dominant class (ties:
        the class of the least content key, the label left out), its hash is its members' least
        seed key's, its records are in byte order, and it is pinned if a member says so
        (``assignments.group_members``)."""
        group, members = item
        members, pinned = group_members(members)
        with_records = members[0][2] is not None  # the members of a pass all carry one, or none
        if with_records:
            members.sort(key=lambda m: m[2])
        counts, named, least = {}, {}, {}
        for label, _, _, name, key in members:
            counts[label] = counts.get(label, 0) + 1
            if name is not None and (label not in named or name < named[label]):
                named[label] = name
            if label not in least or key < least[label]:
                least[label] = key
        dominant = min(counts, key=lambda c: (-counts[c], least[c], class_sort_key(c)))
        return Unit(
            dominant,
            seeded_hash(self._seed, min(m[1] for m in members)),
            len(members),
            tuple(m[2] for m in members) if with_records else (),
            tuple(m[0] for m in members),
            tuple(sorted(named.items(), key=lambda item: class_sort_key(item[0]))),
            pinned,
            group,
            group_key(self._seed, group),
        )


class PlanClasses(beam.CombineFn):
    """The histogram pass and the plan of the exact rule, as one combine: ``histogram(batch)``
    counts a batch's units per class and hash bucket, one named example per label value, the
    pinned units apart, and each class's least unit hash (``class_counts``); the output is
    ``{class: ClassSplitPlan}``."""

    def __init__(self, to_units, weights, bucket_bits: int, label_feature: str, pinning=False):
        self.to_units, self.weights, self.bucket_bits = to_units, weights, bucket_bits
        self.label_feature, self.pinning = label_feature, pinning

    @staticmethod
    def largest(groups: list) -> list:
        """The ``LISTED_GROUPS`` largest of group units (not pinned)."""
        if len(groups) > LISTED_GROUPS:
            groups.sort(key=_largest)
            del groups[LISTED_GROUPS:]
        return groups

    def histogram(self, batch, edges=None) -> tuple:
        """The ``(buckets, examples, pinned, least, groups)`` of one input batch (``groups``: its
        ``largest`` groups, not pinned)."""
        bucket_bits = self.bucket_bits
        buckets, examples, pinned, least, groups = {}, {}, PinnedCounts(), {}, []
        for unit in self.to_units(batch, edges):
            if unit.hash < least.get(unit.label, _NO_HASH):
                least[unit.label] = unit.hash
            if unit.pinned is not None:  # counted in its split, not ranked (only in unit batches)
                pinned.add(unit.label, unit.pinned, unit.size)
            else:
                hist = buckets.get(unit.label)
                if hist is None:
                    hist = buckets[unit.label] = {}
                bucket = bucket_of(unit.hash, bucket_bits)
                hist[bucket] = hist.get(bucket, 0) + unit.size
                if unit.group is not None:
                    groups.append(unit)
            # a group may hold labels other than the class it counts for
            for label, name in unit.named:
                if label not in examples or name < examples[label]:
                    examples[label] = name
        return buckets, examples, pinned, least, self.largest(groups)

    def create_accumulator(self):
        return {}, {}, PinnedCounts(), {}, []

    def merge_accumulators(self, accs):  # an accumulator has the form of an input
        return functools.reduce(self.add_input, accs)

    def add_input(self, acc, item):
        for label, hist in item[0].items():
            merged = acc[0].setdefault(label, {})
            for bucket, size in hist.items():
                merged[bucket] = merged.get(bucket, 0) + size
        acc[2].merge(item[2])
        for kept, found in ((acc[1], item[1]), (acc[3], item[3])):  # named examples, least hashes
            for label, value in found.items():
                if label not in kept or value < kept[label]:
                    kept[label] = value
        acc[4].extend(item[4])
        self.largest(acc[4])
        return acc

    def extract_output(self, acc) -> dict:
        """``{class: ClassSplitPlan}``, after the checks across batches; with ``pinning``, each
        class counted whole (pinned + fresh) and its fresh units cut."""
        buckets, examples, pinned, least, groups = acc
        totals = {label: sum(hist.values()) for label, hist in buckets.items()}
        if self.pinning:  # the rule applies to a class whole, its pinned units included
            totals = whole_units(totals, pinned.totals())
        check_not_empty(bool(totals))
        check_label_kinds(examples, self.label_feature)
        check_distinct_names(totals, self.label_feature)
        held = None
        if self.pinning:
            held = {label: pinned.held(label, len(self.weights)) for label in totals}
        rule = class_counts(totals, least, self.weights, held)
        listed, placed = self.place_largest(groups, buckets, sum(totals.values()), held)
        return {  # with pinning, a class may have pinned units only: no histogram
            label: ClassSplitPlan.of(
                counts,
                buckets.get(label, {}),
                self.bucket_bits,
                held[label] if self.pinning else None,
                listed.get(label),
                placed.get(label),
            )
            for label, counts in rule.items()
        }

    def place_largest(self, groups: list, buckets: dict, examples: int, held=None) -> tuple:
        """``({class: {group: split}}, {class: [examples per split]})`` of the groups placed one
        by one (all of them where there are at most ``FEW_GROUPS`` per split; else the ``largest``
        of at least ``1 / LISTED_SHARE`` of the smallest split's share of the ``examples``), by
        ``placement.place_groups`` beside the ``held`` units of earlier spans, and taken out of
        ``buckets``."""
        listed, placed = {}, {}
        if len(groups) > FEW_GROUPS * len(self.weights):
            smallest = Fraction(examples) * min(map(Fraction, self.weights))
            smallest /= sum(map(Fraction, self.weights))
            groups = [g for g in groups if g.size * LISTED_SHARE >= smallest]
        groups = sorted(groups, key=_largest)
        kept = {c: row for c, row in (held or {}).items() if any(row)}  # place_groups copies
        entries = [Group(g.size, collections.Counter(g.labels)) for g in groups]
        splits = place_groups(entries, self.weights, kept)
        for g, split in zip(groups, splits):
            listed.setdefault(g.label, {})[g.group] = split
            placed.setdefault(g.label, [0] * len(self.weights))[split] += g.size
            hist, bucket = buckets[g.label], bucket_of(g.hash, self.bucket_bits)
            hist[bucket] -= g.size
            if not hist[bucket]:
                del hist[bucket]
        return listed, placed


_NO_HASH = 1 << 64  # above every unit hash
# The groups a grouped plan places one by one (placement.place_groups), held in the plan (a side
# input of the placement pass), so that no split is empty while there are groups for it and a few
# large groups fill the splits evenly: every group where there are at most FEW_GROUPS per split;
# else at most LISTED_GROUPS, the largest, each of at least 1 / LISTED_SHARE of the smallest
# split's share of the examples. The others fill the rest in hash order, which keeps a recurring
# group's split from span to span where no history pins it (a plan of all 1,500 users of
# benchmarks/RESULTS.md section 13's spans moved 1,187 of them; hash order, 66).
FEW_GROUPS = 16
LISTED_GROUPS = 4096
LISTED_SHARE = 8


def _largest(group: Unit):
    """Sort key of group units: the largest first, then by hash."""
    return -group.size, group.hash


def class_counts(totals: dict, least: dict, weights, held: dict | None = None) -> dict:
    """The rule's ``{class: counts per split}`` of classes of ``totals`` units
    (``allocation.allocate_classes``; ``held``: ``{class: units kept per split}``). Its ties are
    broken by size, then by each class's ``least`` unit hash (of the examples' inputs without the
    label), so that renaming or retyping the labels changes no count; by the labels' order only
    between classes whose least units are the same inputs.

    >>> class_counts({'a': 10, 'b': 10, 'c': 10}, {'a': 5, 'b': 3, 'c': 9}, [1, 1, 1, 1])
    {'b': [3, 3, 2, 2], 'a': [2, 2, 3, 3], 'c': [3, 3, 2, 2]}
    """
    order = sorted(totals, key=lambda c: (-totals[c], least.get(c, _NO_HASH), class_sort_key(c)))
    rows = allocate_classes(
        [totals[c] for c in order], weights, None if held is None else [held[c] for c in order]
    )
    return dict(zip(order, rows))


class ExactStrategy:
    """One label per example (or a label bin), each class split by the exact rule: a label form
    of ``stratified.STRATEGIES``."""

    units = ToUnits  # (config, grouped): an input batch's units
    place_units = PlaceUnits  # the assignment pass's DoFn; its count key is (split, class)
    format_report = staticmethod(format_report)

    @staticmethod
    def plans(batches, to_units, config: StratifiedSplitConfig, bucket_bits: int, pinning, edges):
        """The histogram pass and the plan (``PlanClasses``): one ``{class: ClassSplitPlan}``."""
        weights = list(config.splits.values())
        plan = PlanClasses(to_units, weights, bucket_bits, config.label_feature, pinning)
        return (
            batches
            | 'BatchHistogram' >> beam.Map(plan.histogram, edges)
            | 'Plan' >> beam.CombineGlobally(plan)
        )

    @staticmethod
    def report(pairs, units, config: StratifiedSplitConfig, bins, pinning=None) -> tuple:
        """``(counts, report)``: ``{class: {split: count}}`` of the summed count ``pairs`` and
        ``split_counts.json``'s content (``pinning``: ``assignments.pinning_report``'s side input)."""
        counts = pairs | 'CountsTable' >> beam.Map(class_table, list(config.splits))
        groups = None
        if config.group_feature is not None:
            groups = beam.pvalue.AsSingleton(
                units
                | 'GroupTerms' >> beam.Map(group_terms)
                | 'MergeGroupTerms' >> beam.CombineGlobally(merge_group_terms)
            )
        return counts, counts | 'Report' >> beam.Map(split_report, config, bins, groups, pinning)
