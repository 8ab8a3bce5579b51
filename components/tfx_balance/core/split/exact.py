"""The exact per-class strategy: one label per example, each class cut at its rule's counts.

1. ``ToUnits``: an input batch's ``units.Unit``s, one per example (its class: its label, or with
   label bins its bin), or with ``group_feature`` one per group, counting for its dominant class.
2. ``PlanClasses``, one combine: units counted per class and hash bucket, every class's counts
   by ``allocation.allocate_classes`` (``class_counts``), cut by ``ClassSplitPlan.of``.

Example:
    >>> from tfx_balance.core.split.config import StratifiedSplitConfig
    >>> to_units = ExactStrategy.units(StratifiedSplitConfig(label_feature='label'), grouped=False)
    >>> from tensorflow.core.example import example_pb2
    >>> labelled = example_pb2.Example()
    >>> labelled.features.feature['label'].int64_list.value.append(3)
    >>> [(u.stratum, u.size, u.ranks) for u in to_units([labelled.SerializeToString()])]
    [(3, 1, 1)]
"""

from __future__ import annotations

import collections
import functools
from fractions import Fraction
from typing import NamedTuple

import apache_beam as beam

from tfx_balance.core.common.groups import read_group_ids
from tfx_balance.core.common.hashing import bucket_of, fingerprint, seeded_hash
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    class_sort_key,
    example_fingerprint,
    read_labels,
)
from tfx_balance.core.common.records import RecordBatch
from tfx_balance.core.split.allocation import allocate_classes, allocate_classes_and_strata
from tfx_balance.core.split.assignments import (
    PinnedCounts,
    encode_assignments,
    group_members,
    whole_units,
)
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
    strata_report,
)
from tfx_balance.core.split.stratify_features import (
    Stratum,
    check_values,
    class_of,
    decode_with_label,
    plain,
    read_values,
    strata_pairs,
    stratum_sort_key,
)
from tfx_balance.core.split.units import ExampleKeys, Unit, read_example_keys, unit_keys


class ClassColumns(NamedTuple):
    """An ungrouped batch as columns, one entry per example."""

    records: list
    labels: list  # each example's class
    strata: list  # what each example counts for: its class, or its Stratum (stratify_features)
    hashes: list  # each example's unit key, its hash in its class
    legacy: list | None  # each example's format-1 key, or None
    names: dict  # {index: name}: ToUnits.first_names


def unit_of(c: ClassColumns, i: int, records: bool = True) -> Unit:
    """The ``Unit`` of example ``i`` of a batch's columns (no record with ``records=False``)."""
    stratum, h = c.strata[i], c.hashes[i]
    return Unit(
        stratum,
        h,
        1,
        1,
        (c.records[i],) if records else (),
        (stratum,) if records else (),
        ((c.labels[i], c.names[i]),) if i in c.names else (),
        key=h,
        legacy=None if c.legacy is None else c.legacy[i],
    )


class ExampleMember(NamedTuple):
    """A grouped example, as ``ToUnits.key_by_group`` sends it (a plain tuple on the wire)."""

    label: object  # its class, or its Stratum (stratify_features)
    seed_key: bytes  # its group's seeded hash is the least of its members'
    record: bytes | None  # None in the plan pass
    name: str | None  # names its label (``first_names``), or None
    key: bytes  # its content key without the label


class ToUnits:
    """A label form (``units``): one class per example, its label or its label bin."""

    def __init__(self, config: StratifiedSplitConfig, grouped: bool, legacy: bool = False):
        self._label_feature = config.label_feature
        self._features = config.stratify_features
        self._seed = config.seed
        self.grouped = grouped
        self.legacy = legacy  # also key examples as format-1 assignments did (Unit.legacy)

    def __call__(self, batch, edges=None) -> list:
        return batch if self.grouped else self.example_units(batch, edges)

    @staticmethod
    def first_names(content, labels, where: str) -> dict:
        """``{index: name}`` of the first example of each label value of a batch (the
        fingerprint of its ``content`` key and `` in where``), for the label kind check."""
        first = dict(zip(reversed(labels), range(len(labels) - 1, -1, -1)))  # label -> first index
        in_where = f' in {where}' if where else ''
        return {i: fingerprint(content[i]) + in_where for i in first.values()}

    def classes(self, records, where: str, edges, decoded=None) -> list:
        """The class of each example: its label; with bin ``edges`` (label bins), its bin
        (``decoded``: ``decode_with_label``'s)."""
        if edges is None:  # StratifiedSplit.expand chose: no bins
            return read_labels(records, self._label_feature, where, decoded)
        return read_classes(records, self._label_feature, where, edges)

    def strata(self, records, labels, where: str, decoded=None) -> list:
        """What each example counts for: its class, or with ``stratify_features`` its
        ``Stratum`` (its class and its values), one object per stratum of the batch."""
        if not self._features:
            return labels
        keys = list(zip(labels, read_values(records, self._features, where, decoded)))
        strata = {key: Stratum(*key) for key in set(keys)}
        return [strata[key] for key in keys]

    def keys(self, records) -> ExampleKeys:
        """The batch's ``units.ExampleKeys`` (the label and the stratify features left out)."""
        return read_example_keys(records, self._label_feature, self._seed, self._features)

    def columns(self, batch, edges=None) -> ClassColumns:
        """An ungrouped batch's examples as ``ClassColumns``, without a unit object each."""
        where, records = RecordBatch.of(batch)
        decoded = decode_with_label(records, self._label_feature, self._features)
        labels = self.classes(records, where, edges, decoded)
        hashes, _, content = self.keys(records)
        legacy = unit_keys(self._seed, content) if self.legacy else None
        return ClassColumns(
            records,
            labels,
            self.strata(records, labels, where, decoded),
            hashes,
            legacy,
            self.first_names(content, labels, where),
        )

    def example_units(self, batch, edges=None, records: bool = True) -> list:
        """One ``Unit`` per example of an input batch."""
        c = self.columns(batch, edges)
        return [unit_of(c, i, records) for i in range(len(c.records))]

    def key_by_group(self, batch, group_feature: str, edges=None, records: bool = True):
        """``(group, ExampleMember fields)`` per example of an input batch (``record`` None
        with ``records=False``)."""
        where, batch_records = RecordBatch.of(batch)
        decoded = decode_with_label(batch_records, self._label_feature, self._features)
        labels = self.classes(batch_records, where, edges, decoded)
        ids = read_group_ids(
            batch_records,
            group_feature,
            lambda i: (
                f'(fingerprint {example_fingerprint(batch_records[i])}) '
                f'of class {class_name(labels[i])!r}'
            ),
            where,
        )
        _, keys, content = self.keys(batch_records)
        names = self.first_names(content, labels, where)
        strata = self.strata(batch_records, labels, where, decoded)
        for i, ((group, seed_key), label) in enumerate(zip(ids, strata)):
            record = batch_records[i] if records else None
            yield group, (label, seed_key, record, names.get(i), keys[i])

    def group_to_unit(self, item) -> Unit:
        """The ``Unit`` of a group, ``(group, members)``: it counts for its dominant class (ties:
        the class of the least content key, the label left out) and, with stratify features,
        for that class's dominant stratum in it (``dominant``); its hash is its members' least
        seed key's, its records are in byte order, and it is pinned if a member says so
        (``assignments.group_members``)."""
        group, entries = item
        entries, pinned = group_members(entries)
        members = [ExampleMember._make(entry) for entry in entries]
        with_records = members[0].record is not None  # a pass's members all carry one, or none
        if with_records:
            members.sort(key=lambda m: m.record)
        counts, named, least = {}, {}, {}
        for stratum, _, _, name, key in members:
            counts[stratum] = counts.get(stratum, 0) + 1
            label = class_of(stratum)
            if name is not None and (label not in named or name < named[label]):
                named[label] = name
            if stratum not in least or key < least[stratum]:
                least[stratum] = key
        return Unit(
            dominant(counts, least),
            seeded_hash(self._seed, min(m.seed_key for m in members)),
            len(members),
            len(members),  # a class's plan counts examples
            tuple(m.record for m in members) if with_records else (),
            tuple(m.label for m in members),
            tuple(sorted(named.items(), key=lambda item: class_sort_key(item[0]))),
            pinned,
            group,
            unit_keys(self._seed, groups=(group,))[0],
        )


def dominant(counts: dict, least: dict):
    """The stratum a group counts for, of its members' ``counts`` per stratum (``least``: the
    least content key of each): its most frequent class (ties: the class of the least key), then
    that class's most frequent stratum (the same ties). Without stratify features a stratum is a
    class.

    >>> dominant({Stratum(0, ('a',)): 2, Stratum(0, ('b',)): 2, Stratum(1, ('a',)): 3},
    ...          {Stratum(0, ('a',)): b'2', Stratum(0, ('b',)): b'1', Stratum(1, ('a',)): b'0'})
    Stratum(label=0, values=('b',))
    """
    per_class, least_class = {}, {}
    for stratum, n in counts.items():
        label = class_of(stratum)
        per_class[label] = per_class.get(label, 0) + n
        if label not in least_class or least[stratum] < least_class[label]:
            least_class[label] = least[stratum]
    label = min(per_class, key=lambda c: (-per_class[c], least_class[c], class_sort_key(c)))
    return min(
        (s for s in counts if class_of(s) == label),
        key=lambda s: (-counts[s], least[s], _sort_key(s)),
    )


def _sort_key(stratum):
    return stratum_sort_key(stratum) if isinstance(stratum, Stratum) else class_sort_key(stratum)


class ClassHistograms(NamedTuple):
    """What ``PlanClasses`` counts of a batch, and its accumulator (the same form)."""

    buckets: dict  # {class: {bucket: examples}}, pinned units left out
    examples: dict  # {label: name of one example}, for the label kind check
    pinned: PinnedCounts
    least: dict  # {class: least unit hash}
    groups: list  # the largest group units, not pinned
    bits: dict  # {class: its strata's bucket bits}, where below PlanClasses.bucket_bits (fit)


class PlanClasses(beam.CombineFn):
    """The histogram pass and the plan of the exact rule, as one combine: ``histogram(batch)``
    counts a batch's units (``ClassHistograms``); the output is ``{class: ClassSplitPlan}``.

    With stratify ``features``, a class's strata share the buckets of one class's histogram
    (``fit``), so the plan takes the memory of the split without them."""

    def __init__(
        self, to_units, weights, bucket_bits: int, label_feature: str, pinning=False, features=None
    ):
        self.to_units, self.weights, self.bucket_bits = to_units, weights, bucket_bits
        self.label_feature, self.pinning = label_feature, pinning
        self.features = features  # stratify_features: plans per Stratum

    @staticmethod
    def largest(groups: list) -> list:
        """The ``LISTED_GROUPS`` largest of group units (not pinned)."""
        if len(groups) > LISTED_GROUPS:
            groups.sort(key=_largest)
            del groups[LISTED_GROUPS:]
        return groups

    def histogram(self, batch, edges=None) -> ClassHistograms:
        """The ``ClassHistograms`` of one input batch."""
        bucket_bits = self.bucket_bits
        found = self.create_accumulator()
        buckets, examples, least, groups = found.buckets, found.examples, found.least, found.groups
        if not self.to_units.grouped:  # columns: no unit object per example
            c = self.to_units.columns(batch, edges)
            shift = 64 - bucket_bits
            for label, h in zip(c.strata, c.hashes):
                if h < least.get(label, _NO_HASH):
                    least[label] = h
                hist = buckets.get(label)
                if hist is None:
                    hist = buckets[label] = {}
                bucket = h >> shift
                hist[bucket] = hist.get(bucket, 0) + 1
            for i, name in c.names.items():
                examples[c.labels[i]] = name  # one first example per label
            return found
        for unit in self.to_units(batch, edges):
            label = unit.stratum
            if unit.hash < least.get(label, _NO_HASH):
                least[label] = unit.hash
            if unit.pinned is not None:  # counted in its split, not ranked (only in unit batches)
                found.pinned.add(label, unit.pinned, unit.size)
            else:
                hist = buckets.get(label)
                if hist is None:
                    hist = buckets[label] = {}
                bucket = bucket_of(unit.hash, bucket_bits)
                hist[bucket] = hist.get(bucket, 0) + unit.size
                if unit.group is not None:
                    groups.append(unit)
            # a group may hold labels other than the class it counts for
            for label, name in unit.checks:
                if label not in examples or name < examples[label]:
                    examples[label] = name
        self.largest(groups)
        return found

    def create_accumulator(self) -> ClassHistograms:
        return ClassHistograms({}, {}, PinnedCounts(), {}, [], {})

    def merge_accumulators(self, accs):
        return functools.reduce(self.add_input, accs)

    def add_input(self, acc: ClassHistograms, item: ClassHistograms) -> ClassHistograms:
        for label, bits in item.bits.items():
            if bits < self.bits_of(acc.bits, label):
                self.coarsen(acc, label, bits)
        coarse = acc.bits or item.bits  # some class coarsened (fit)
        for label, hist in item.buckets.items():
            drop = self.bits_of(item.bits, label) - self.bits_of(acc.bits, label) if coarse else 0
            add_histogram(acc.buckets.setdefault(label, {}), hist, drop)
        if self.features:
            self.fit(acc)
        acc.pinned.merge(item.pinned)
        for kept, found in ((acc.examples, item.examples), (acc.least, item.least)):
            for label, value in found.items():
                if label not in kept or value < kept[label]:
                    kept[label] = value
        acc.groups.extend(item.groups)
        self.largest(acc.groups)
        return acc

    def bits_of(self, bits: dict, stratum) -> int:
        """The bucket bits of a stratum's histogram, by its class (``bits``: ``ClassHistograms``')."""
        return bits.get(class_of(stratum), self.bucket_bits)

    def fit(self, acc: ClassHistograms) -> None:
        """Coarsens each class whose strata hold more than ``2 ** bucket_bits`` buckets together
        by one bit (two neighbouring buckets become one), until they fit or hold a bucket each.

        The bits a class ends at are the most at which its strata's buckets fit, whatever order
        the batches were merged in: buckets merged in part of the input are merged in all of it.
        The plan is the same at any bits (the units of a bucket straddling a cut are ranked by
        hash, ``PlaceUnits.rank_boundary``); only that bucket holds more units.

        >>> plan = PlanClasses(None, [1, 1], 2, 'label', features=['site'])
        >>> acc = plan.create_accumulator()
        >>> acc.buckets.update({Stratum(0, (1,)): {0: 1, 1: 1, 2: 1}, Stratum(0, (2,)): {0: 1, 3: 1}})
        >>> plan.fit(acc)
        >>> acc.bits, acc.buckets[Stratum(0, (1,))]
        ({0: 1}, {0: 2, 1: 1})
        """
        sizes = {}
        for stratum, hist in acc.buckets.items():
            label = class_of(stratum)
            sizes[label] = sizes.get(label, 0) + len(hist)
        for label, size in sizes.items():
            bits = self.bits_of(acc.bits, label)
            while size > 1 << self.bucket_bits and bits > 0:
                bits -= 1
                size = self.coarsen(acc, label, bits)

    def coarsen(self, acc: ClassHistograms, label, bits: int) -> int:
        """Coarsens the histograms of class ``label``'s strata to ``bits``; returns their number
        of buckets."""
        drop, size = self.bits_of(acc.bits, label) - bits, 0
        for stratum, hist in acc.buckets.items():
            if class_of(stratum) == label:
                acc.buckets[stratum] = coarse = add_histogram({}, hist, drop)
                size += len(coarse)
        acc.bits[label] = bits
        return size

    def extract_output(self, acc) -> dict:
        """``{class: ClassSplitPlan}``, after the checks across batches; with ``pinning``, each
        class counted whole (pinned + fresh) and its fresh units cut."""
        totals = {label: sum(hist.values()) for label, hist in acc.buckets.items()}
        if self.pinning:  # the rule applies to a stratum whole, its pinned units included
            totals = whole_units(totals, acc.pinned.totals())
        check_not_empty(bool(totals))
        check_label_kinds(acc.examples, self.label_feature)
        check_distinct_names({class_of(s) for s in totals}, self.label_feature)
        held = None
        if self.pinning:
            held = {label: acc.pinned.held(label, len(self.weights)) for label in totals}
        if self.features:
            check_values(totals, self.features, sum(totals.values()), self.weights)
            rule = strata_counts(totals, acc.least, self.weights, held)
        else:
            rule = class_counts(totals, acc.least, self.weights, held)
        listed, placed = self.place_largest(acc.groups, acc, sum(totals.values()), held)
        return {  # with pinning, a class may have pinned units only: no histogram
            label: ClassSplitPlan.of(
                counts,
                acc.buckets.get(label, {}),
                self.bits_of(acc.bits, label),
                held[label] if self.pinning else None,
                listed.get(label),
                placed.get(label),
            )
            for label, counts in rule.items()
        }

    def place_largest(self, groups: list, acc: ClassHistograms, examples: int, held=None) -> tuple:
        """``({class: {group: split}}, {class: [examples per split]})`` of the groups placed one
        by one (all of them where there are at most ``FEW_GROUPS`` per split; else the ``largest``
        of at least ``1 / LISTED_SHARE`` of the smallest split's share of the ``examples``), by
        ``placement.place_groups`` beside the ``held`` units of earlier spans, and taken out of
        the histograms of ``acc``."""
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
            listed.setdefault(g.stratum, {})[g.group] = split
            placed.setdefault(g.stratum, [0] * len(self.weights))[split] += g.size
            hist = acc.buckets[g.stratum]
            bucket = bucket_of(g.hash, self.bits_of(acc.bits, g.stratum))
            hist[bucket] -= g.size
            if not hist[bucket]:
                del hist[bucket]
        return listed, placed


def add_histogram(into: dict, histogram: dict, drop: int = 0) -> dict:
    """Adds a ``{bucket: units}`` histogram to ``into`` (returned), ``drop`` bits coarser:
    bucket ``b`` counts in ``b >> drop``."""
    for bucket, units in histogram.items():
        into[bucket >> drop] = into.get(bucket >> drop, 0) + units
    return into


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


def strata_counts(totals: dict, least: dict, weights, held: dict | None = None) -> dict:
    """The rule's ``{Stratum: counts per split}`` of strata of ``totals`` units
    (``allocation.allocate_classes_and_strata``): classes in ``class_counts``' order, each
    class's strata by size, then least unit hash, then their values' order.

    >>> strata_counts({Stratum(0, ('a',)): 3, Stratum(0, ('b',)): 1, Stratum(1, ('a',)): 2},
    ...               {}, [1, 1])
    {Stratum(label=0, values=('a',)): [2, 1], Stratum(label=0, values=('b',)): [0, 1], \
Stratum(label=1, values=('a',)): [1, 1]}
    """
    by_class, class_least = {}, {}
    for stratum in totals:
        by_class.setdefault(stratum.label, []).append(stratum)
        h = least.get(stratum, _NO_HASH)
        class_least[stratum.label] = min(class_least.get(stratum.label, _NO_HASH), h)
    class_totals = {c: sum(totals[s] for s in strata) for c, strata in by_class.items()}
    order = sorted(by_class, key=lambda c: (-class_totals[c], class_least[c], class_sort_key(c)))
    strata = [
        sorted(
            by_class[c],
            key=lambda s: (-totals[s], least.get(s, _NO_HASH), stratum_sort_key(s)),
        )
        for c in order
    ]
    _, rows = allocate_classes_and_strata(
        [[totals[s] for s in row] for row in strata],
        weights,
        None if held is None else [[held[s] for s in row] for row in strata],
        [[s.values for s in row] for row in strata],
    )
    return {s: counts for row, counts in zip(strata, rows) for s, counts in zip(row, counts)}


class PlaceExamples(PlaceUnits):
    """``allocation.PlaceUnits``; an ungrouped batch is placed from its columns, without a unit
    object per example."""

    def process(self, batch, plans, *edges):
        if self.to_units.grouped:
            yield from self.place_units(self.to_units(batch, *edges), plans)
            return
        c = self.to_units.columns(batch, *edges)
        records, counts, assigned = {}, self.counted, []
        for i, (label, h) in enumerate(zip(c.strata, c.hashes)):
            plan = plans[label]
            ranking = plan.ranking
            bucket = h >> (64 - plan.bucket_bits)
            if bucket in ranking.boundary:
                boundary = ((plain(label), bucket), unit_of(c, i))
                yield beam.pvalue.TaggedOutput(self.BOUNDARY, boundary)
                continue
            split = ranking.segment_of_bucket(bucket)
            records.setdefault(split, []).append(c.records[i])
            counts[split, label] = counts.get((split, label), 0) + 1
            assigned.append((h, split))  # an example's key is its hash
        for split, part in records.items():
            yield beam.pvalue.TaggedOutput(self.tags[split], part)
        if self.assignments and assigned:
            yield beam.pvalue.TaggedOutput(self.ASSIGNMENTS, encode_assignments(assigned))


class ExactStrategy:
    """One label per example (or a label bin), each class split by the exact rule: a label form
    of ``stratified.STRATEGIES``."""

    units = ToUnits  # (config, grouped): an input batch's units
    place_units = PlaceExamples  # the assignment pass's DoFn; its count key is (split, class)
    format_report = staticmethod(format_report)

    @staticmethod
    def plans(batches, to_units, config: StratifiedSplitConfig, bucket_bits: int, pinning, edges):
        """The histogram pass and the plan (``PlanClasses``): one ``{class: ClassSplitPlan}``."""
        weights = list(config.splits.values())
        plan = PlanClasses(
            to_units, weights, bucket_bits, config.label_feature, pinning, config.stratify_features
        )
        return (
            batches
            | 'BatchHistogram' >> beam.Map(plan.histogram, edges)
            | 'Plan' >> beam.CombineGlobally(plan)
        )

    @staticmethod
    def report(pairs, units, config: StratifiedSplitConfig, bins, pinning=None) -> tuple:
        """``(counts, report)``: ``{class: {split: count}}`` of the summed count ``pairs`` and
        ``split_counts.json``'s content (``pinning``: ``assignments.pinning_report``'s side input)."""
        if config.stratify_features:  # summed by plain keys (stratified.plain_counts)
            pairs = pairs | 'StrataPairs' >> beam.Map(strata_pairs)
        counts = pairs | 'CountsTable' >> beam.Map(class_table, list(config.splits))
        groups = None
        if config.group_feature is not None:
            groups = beam.pvalue.AsSingleton(
                units
                | 'GroupTerms' >> beam.Map(group_terms)
                | 'MergeGroupTerms' >> beam.CombineGlobally(merge_group_terms)
            )
        strata = None
        if config.stratify_features:
            strata = beam.pvalue.AsSingleton(
                pairs | 'StrataReport' >> beam.Map(strata_report, config, bins)
            )
        report = counts | 'Report' >> beam.Map(split_report, config, bins, groups, pinning, strata)
        return counts, report
