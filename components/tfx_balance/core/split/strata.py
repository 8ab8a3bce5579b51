"""The iterative strategy: label sets as strata, each cut at the counts of the iterative plan.

``stratified.StratifiedSplit``'s passes with the example's label set as the stratum (with
``stratify_features``, its values follow its labels as ``FeatureValue`` labels):
``LabelSetUnits`` (a batch as ``ExampleColumns``, or one ``units.Unit`` per group), the
histograms (``label_set_histograms``, ``BundleHistograms``), the plan
(``multilabel_plan.plan_counts``, packed as ``PackedPlans``), ``PlaceLabelSetUnits``.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> tagged = example_pb2.Example()
    >>> tagged.features.feature['tags'].int64_list.value.extend([3, 1])
    >>> config = StratifiedSplitConfig(label_feature='tags', multi_label='ids')
    >>> LabelSetUnits(config, grouped=False).columns(
    ...     [tagged.SerializeToString(), b'']).sets
    [(1, 3), ()]
    >>> buckets = {}
    >>> for bucket in (5, 5, 9):
    ...     _add(buckets, (1, 3), bucket, 1)
    >>> histogram(buckets[(1, 3)]), StratumUnits(buckets)[(1, 3)]
    ({5: 2, 9: 1}, 3)
"""

from __future__ import annotations

import collections
import functools
import hashlib
import pickle
from array import array
from collections.abc import Mapping
from typing import Dict, NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.groups import read_group_ids
from tfx_balance.core.common.hashing import bucket_of, example_keys, fingerprint, seeded_hash
from tfx_balance.core.common.label_sets import check_widths, read_label_sets
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    example_fingerprint,
    label_kind,
)
from tfx_balance.core.common.records import RecordBatch
from tfx_balance.core.split.assignments import (
    PinnedCounts,
    encode_assignments,
    group_members,
    whole_units,
)
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.multilabel_plan import plan_counts
from tfx_balance.core.split.placement import ClassSplitPlan, PlaceUnits, check_not_empty
from tfx_balance.core.split.report import (
    PINNED,
    STRATA,
    count_label_set,
    format_label_set_report,
    label_set_report,
    label_set_strata_report,
)
from tfx_balance.core.split.stratify_features import (
    check_values,
    decode_with_label,
    label_sort_key,
    plain,
    read_values,
    split_label_set,
    with_values,
)
from tfx_balance.core.split.units import Unit, read_example_keys, unit_keys

BUCKETS_TYPE = 'I'  # array type of a stratum's buckets (unsigned, 4 bytes; bucket_bits <= 32)


class ExampleColumns(NamedTuple):
    """An ungrouped batch as columns (one entry per example), without a unit object each."""

    where: str
    records: list
    sets: list  # each example's label set (its values after its labels: stratify_features)
    hashes: list  # each example's seeded hash
    legacy: list | None  # each example's format-1 key (LabelSetUnits.legacy), or None
    width: tuple | None  # (multi-hot length, example fingerprint)
    kinds: Dict[int, tuple]  # {index: ((kind, example fingerprint, label),)}


class LabelSetMember(NamedTuple):
    """A grouped example, as ``LabelSetUnits.key_by_group`` sends it (a plain tuple on the
    wire)."""

    labels: tuple  # its label set (its values after its labels: stratify_features)
    seed_key: bytes  # its group's seeded hash is the least of its members'
    record: bytes | None  # None in the plan pass
    width: int | None  # its multi-hot vector's length, or None
    kinds: tuple  # its entries for the label kind check


class LabelSetUnits:
    """A label form (``units``): a label set per example (``multi_label``); with
    ``stratify_features``, each example's values follow its labels in its set
    (``stratify_features.with_values``), and its key leaves them out with the labels."""

    def __init__(self, config: StratifiedSplitConfig, grouped: bool, legacy: bool = False):
        self.label_feature, self.form = config.label_feature, config.multi_label
        self.seed, self.grouped, self.legacy = config.seed, grouped, legacy
        self.features = config.stratify_features

    def sets(self, records, read, where: str, decoded=None) -> list:
        """Each example's label set (``read``: the batch's ``LabelSets``), its values after
        its labels with stratify features (``decoded``: ``decode_with_label``'s)."""
        if not self.features:
            return read.sets
        return with_values(read.sets, read_values(records, self.features, where, decoded))

    def columns(self, batch) -> ExampleColumns:
        """An ungrouped batch's examples as ``ExampleColumns`` (the fast path)."""
        where, records = RecordBatch.of(batch)
        decoded = decode_with_label(records, self.label_feature, self.features)
        read = read_label_sets(records, self.label_feature, self.form, where, decoded)
        hashes, _, content = read_example_keys(
            records, self.label_feature, self.seed, self.features
        )
        width, kinds = _named_checks(read, lambda at: [content[i] for i in at])
        legacy = unit_keys(self.seed, content) if self.legacy else None
        sets = self.sets(records, read, where, decoded)
        return ExampleColumns(where, records, sets, hashes, legacy, width, kinds)

    def __call__(self, batch) -> list:
        return batch if self.grouped else self.example_units(batch)

    def example_units(self, batch, records: bool = True) -> list:
        """One ``Unit`` per example of an input batch (without its record with
        ``records=False``: the plan pass counts units)."""
        c = self.columns(batch)
        return [unit_of(c, i, records) for i in range(len(c.records))]

    def key_by_group(self, batch, group_feature: str, records: bool = True):
        """``(group, LabelSetMember fields)`` per example of a batch (``stratified.GroupUnits``
        groups them; ``record`` is None with ``records=False``)."""
        where, batch_records = RecordBatch.of(batch)
        decoded = decode_with_label(batch_records, self.label_feature, self.features)
        read = read_label_sets(batch_records, self.label_feature, self.form, where, decoded)
        width, kinds = _named_checks(read, lambda at: example_keys([batch_records[i] for i in at]))
        ids = read_group_ids(
            batch_records,
            group_feature,
            lambda i: (
                f'(fingerprint {example_fingerprint(batch_records[i])}) of class '
                f'{_set_name(read.sets[i])!r}'
            ),
            where,
        )
        sets = self.sets(batch_records, read, where, decoded)
        for i, ((group, seed_key), labels) in enumerate(zip(ids, sets)):
            record = batch_records[i] if records else None
            yield group, (labels, seed_key, record, width, kinds.get(i, ()))

    def group_to_unit(self, item) -> Unit:
        """The ``Unit`` of a group, ``(group, members)``: its stratum is the union of
        its members' label sets (their values too), its records in the order of their bytes;
        pinned to the split among the members, if any (``assignments.group_members``)."""
        group, entries = item
        entries, pinned = group_members(entries)
        members = [LabelSetMember._make(entry) for entry in entries]
        with_records = members[0].record is not None  # a pass's members all carry one, or none
        if with_records:
            members.sort(key=lambda m: m.record)
        widths = [m.width for m in members if m.width is not None]
        check_widths(widths, self.label_feature)
        labels = {label for m in members for label in m.labels}
        stratum = tuple(sorted(labels, key=label_sort_key))
        kinds = tuple(sorted(e for m in members for e in m.kinds))
        return Unit(
            stratum,
            seeded_hash(self.seed, min(m.seed_key for m in members)),
            len(members),
            1,  # a stratum's plan counts units
            tuple(m.record for m in members) if with_records else (),
            tuple(m.labels for m in members) if with_records else (),
            (min(widths) if widths else None, kinds),
            pinned,
            group,
            unit_keys(self.seed, groups=(group,))[0],
        )


def unit_of(columns: ExampleColumns, i: int, records: bool = True) -> Unit:
    """The ``Unit`` of example ``i`` of a batch's columns (without its record with
    ``records=False``)."""
    labels = columns.sets[i]
    return Unit(
        labels,
        columns.hashes[i],
        1,
        1,
        (columns.records[i],) if records else (),
        (labels,) if records else (),
        (columns.width, columns.kinds.get(i, ())),
        key=columns.hashes[i],
        legacy=None if columns.legacy is None else columns.legacy[i],
    )


def _named_checks(read, content_of) -> tuple:
    """``(width, {index: kinds entry})`` of a batch's ``LabelSets``, examples named by the
    fingerprint of their content key (``content_of(indexes)``: those of the examples)."""
    named = sorted({*read.kinds.values(), *([read.width[1]] if read.width else [])})
    keys = dict(zip(named, content_of(named)))
    width = (read.width[0], fingerprint(keys[read.width[1]])) if read.width else None
    kinds = {
        i: ((label_kind(label), fingerprint(keys[i]), label),) for label, i in read.kinds.items()
    }
    return width, kinds


def _set_name(labels: tuple) -> str:
    return '{' + ', '.join(class_name(label) for label in labels) + '}'


class LabelSetHistograms(NamedTuple):
    buckets: Dict[tuple, object]  # {stratum: its units' buckets (array), or its one unit's}
    kinds: Dict[str, tuple]  # {'int64'|'bytes': (fingerprint, label)}: least fingerprint
    widths: Dict[int, str]  # {multi-hot length: least example fingerprint}
    examples: int
    # with groups, {stratum: examples of its units} (the plan counts split sizes in examples);
    # empty without groups, where a stratum's examples are its units
    stratum_examples: Dict[tuple, int]
    pinned: PinnedCounts  # units pinned by earlier spans (not in buckets; with pinning only)


def _add(buckets: dict, stratum: tuple, bucket: int, size: int) -> None:
    """Adds ``size`` units in ``bucket`` to a stratum's histogram: one unit's as its bucket
    alone (an int; most label sets have one example), more as an ``array`` of buckets."""
    hist = buckets.get(stratum)
    if hist is None:
        if size == 1:
            buckets[stratum] = bucket
            return
        hist = buckets[stratum] = array(BUCKETS_TYPE)
    elif type(hist) is int:
        hist = buckets[stratum] = array(BUCKETS_TYPE, (hist,))
    hist.extend([bucket] * size)


def histogram(hist) -> Dict[int, int]:
    """A stratum's histogram as ``{bucket: units}`` (see ``_add``)."""
    if type(hist) is int:
        return {hist: 1}
    buckets, units = np.unique(np.frombuffer(hist, dtype=np.uint32), return_counts=True)
    return dict(zip(buckets.tolist(), units.tolist()))


_UNSEEN = b'\xff' * 8  # the digest key of a label with pinned units only


def label_ranks(buckets: Dict[tuple, object], strata) -> dict:
    """``{label: sort key}`` of every label of ``strata`` (a stratify feature's value is one)
    that renaming or retyping the labels does not change: the digest of the sorted ``buckets``
    of the units carrying the label (of their inputs' hashes, the labels left out), then the
    label's order in a set (only between labels carried by the same inputs, or by pinned units
    alone)."""
    parts = collections.defaultdict(list)  # label -> arrays of its strata's buckets
    single = collections.defaultdict(list)  # label -> the bucket of each of its one-unit strata
    for stratum, hist in buckets.items():
        if type(hist) is int:
            for label in stratum:
                single[label].append(hist)
        else:
            units = np.frombuffer(hist, np.uint32)
            for label in stratum:
                parts[label].append(units)
    ranks = {}
    for label in {label for stratum in strata for label in stratum}:
        digest = _UNSEEN
        if label in parts or label in single:
            arrays = parts.get(label, []) + [np.array(single.get(label, []), np.uint32)]
            units = np.sort(np.concatenate(arrays)).tobytes()
            digest = hashlib.blake2b(units, digest_size=8).digest()
        ranks[label] = (digest, label_sort_key(label))
    return ranks


class StratumUnits(Mapping):
    """``{stratum: units}`` of a ``{stratum: histogram}`` table (see ``_add``), as a view:
    a copy would be a second table at the plan's peak."""

    def __init__(self, buckets: Dict[tuple, object]):
        self._buckets = buckets

    def __getitem__(self, stratum: tuple) -> int:
        hist = self._buckets[stratum]
        return 1 if type(hist) is int else len(hist)

    def __iter__(self):
        return iter(self._buckets)

    def __len__(self) -> int:
        return len(self._buckets)


def label_set_histograms(batch, to_units, bucket_bits: int) -> LabelSetHistograms:
    if to_units.grouped:
        return _unit_histograms(to_units(batch), bucket_bits)
    c = to_units.columns(batch)
    buckets, shift = {}, 64 - bucket_bits
    get = buckets.get
    for labels, h in zip(c.sets, c.hashes):  # _add of one unit, inlined (per example)
        bucket = h >> shift
        hist = get(labels)
        if hist is None:
            buckets[labels] = bucket
        elif type(hist) is int:
            buckets[labels] = array(BUCKETS_TYPE, (hist, bucket))
        else:
            hist.append(bucket)
    kinds = {}
    for entries in c.kinds.values():
        for kind, name, label in entries:
            if kind not in kinds or name < kinds[kind][0]:
                kinds[kind] = (name, label)
    widths = {c.width[0]: c.width[1]} if c.width is not None else {}
    return LabelSetHistograms(buckets, kinds, widths, len(c.records), {}, PinnedCounts())


def _unit_histograms(units, bucket_bits: int) -> LabelSetHistograms:
    buckets, kinds, widths, examples, sizes, pinned = {}, {}, {}, 0, {}, PinnedCounts()
    for unit in units:
        if unit.pinned is not None:  # counted in its split, not ranked
            pinned.add(unit.stratum, unit.pinned, 1)
        else:  # a unit (example or group) counts once: groups are planned as units
            _add(buckets, unit.stratum, bucket_of(unit.hash, bucket_bits), 1)
        examples += unit.size
        sizes[unit.stratum] = sizes.get(unit.stratum, 0) + unit.size
        width, unit_kinds = unit.checks
        if width is not None and width[0] not in widths:
            widths[width[0]] = width[1]
        for kind, name, label in unit_kinds:
            if kind not in kinds or name < kinds[kind][0]:
                kinds[kind] = (name, label)
    return LabelSetHistograms(buckets, kinds, widths, examples, sizes, pinned)


class MergeLabelSetHistograms(beam.CombineFn):
    def create_accumulator(self):
        return LabelSetHistograms({}, {}, {}, 0, {}, PinnedCounts())

    def merge_accumulators(self, accs):  # an accumulator has the form of an input
        return functools.reduce(self.add_input, accs)

    def extract_output(self, acc):
        return acc

    def add_input(self, acc, item):
        buckets = acc.buckets
        for stratum, hist in item.buckets.items():
            mine = buckets.get(stratum)
            if mine is None:  # new stratum: take it (a copy: inputs are not mutated)
                buckets[stratum] = hist if type(hist) is int else array(BUCKETS_TYPE, hist)
                continue
            if type(mine) is int:
                mine = buckets[stratum] = array(BUCKETS_TYPE, (mine,))
            if type(hist) is int:
                mine.append(hist)
            else:
                mine.extend(hist)
        for kind, found in item.kinds.items():
            if kind not in acc.kinds or found < acc.kinds[kind]:
                acc.kinds[kind] = found
        for width, name in item.widths.items():
            if width not in acc.widths or name < acc.widths[width]:
                acc.widths[width] = name
        sizes = acc.stratum_examples
        for stratum, size in item.stratum_examples.items():
            sizes[stratum] = sizes.get(stratum, 0) + size
        acc.pinned.merge(item.pinned)
        return acc._replace(examples=acc.examples + item.examples)


_MERGE = MergeLabelSetHistograms()


class BundleHistograms(beam.DoFn):
    """The ``LabelSetHistograms`` of a bundle's batches, merged as they come and emitted once,
    pickled, at the end of the bundle (per-batch histograms would be held between the stages)."""

    def __init__(self, to_units, bucket_bits: int):
        self._to_units, self._bucket_bits = to_units, bucket_bits
        self._acc = None

    def start_bundle(self):
        self._acc = None

    def process(self, batch):
        found = label_set_histograms(batch, self._to_units, self._bucket_bits)
        self._acc = found if self._acc is None else _MERGE.add_input(self._acc, found)

    def finish_bundle(self):
        acc, self._acc = self._acc, None
        if acc is not None:  # pickled: see _MergeAndPlan
            blob = pickle.dumps(acc, protocol=pickle.HIGHEST_PROTOCOL)
            del acc
            yield beam.transforms.window.GlobalWindows.windowed_value(blob)


class PackedPlans(Mapping):
    """The plans (``{stratum: split index or ClassSplitPlan}``) as one pickled blob, read as a
    mapping; each process unpickles it once (``get``). Why: docs/stratified_splitter.md, "Design"."""

    def __init__(self, plans: dict):
        self.blob = pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL)
        self.digest = hashlib.blake2b(self.blob, digest_size=16).digest()

    def __getitem__(self, stratum):
        return self.get()[stratum]

    def __iter__(self):
        return iter(self.get())

    def __len__(self) -> int:
        return len(self.get())

    def get(self) -> dict:
        plans = _UNPACKED.get(self.digest)
        if plans is None:
            _UNPACKED.clear()  # keep the latest plans only
            plans = _UNPACKED[self.digest] = pickle.loads(self.blob)
        return plans


_UNPACKED = {}  # digest -> unpickled plans (PackedPlans.get), per worker process


def build_plans(
    histograms: LabelSetHistograms,
    weights,
    bucket_bits: int,
    config: StratifiedSplitConfig,
    pinning: bool = False,
):
    """``PackedPlans`` of ``{stratum: split index or ClassSplitPlan}``, after the checks
    across batches. With ``pinning`` (earlier spans' assignments), each stratum is planned
    whole (pinned + fresh units) and its fresh units cut (``ClassSplitPlan.of`` with ``pinned``).
    With stratify features, a feature of more values than the smallest split has examples is
    refused (``stratify_features.check_values``)."""
    feature = config.label_feature
    check_not_empty(bool(histograms.examples))
    check_label_kinds({label: fp for fp, label in histograms.kinds.values()}, feature)
    check_widths([(w, fp) for w, fp in histograms.widths.items()], feature)
    pinned = histograms.pinned
    strata = StratumUnits(histograms.buckets)  # {stratum: units}, a view (no second table)
    if pinning:  # a stratum's whole units; strata only pinned units hold included
        strata = whole_units(pinned.totals(), strata)
    labels = {label for stratum in strata for label in split_label_set(stratum)[0]}
    if not labels:
        raise DataError(
            f"label_feature '{feature}' (multi_label={config.multi_label!r}) holds no label in "
            f'any of the {histograms.examples} examples; a multi-label split needs labels. Check '
            'label_feature (an example without the feature has no label) and the data upstream.'
        )
    check_distinct_names(labels, feature)
    del labels
    if config.stratify_features:
        check_values(strata, config.stratify_features, histograms.examples, weights)
    grouped = config.group_feature is not None  # split sizes in examples (groups' sizes vary)
    examples = histograms.stratum_examples if grouped else None
    rank = label_ranks(histograms.buckets, strata)
    plans = plan_counts(strata, weights, examples, rank)  # {stratum: counts}; replaced below
    for stratum, counts in plans.items():
        if pinning:  # a plan always, for the report of what was pinned
            hist = histograms.buckets.get(stratum)
            plans[stratum] = ClassSplitPlan.of(
                counts,
                {} if hist is None else histogram(hist),
                bucket_bits,
                pinned.held(stratum, len(weights)),
            )
            continue
        used = [i for i, c in enumerate(counts) if c]
        if len(used) == 1:
            plans[stratum] = used[0]
            continue
        plans[stratum] = ClassSplitPlan.of(
            counts, histogram(histograms.buckets[stratum]), bucket_bits
        )
    return PackedPlans(plans)


class _MergeAndPlan(beam.CombineFn):
    """Merges the bundles' pickled histograms and returns their ``build_plans``, in
    ``extract_output``: the table, one entry per label set, never leaves this stage."""

    def __init__(self, weights, bucket_bits: int, config: StratifiedSplitConfig, pinning=False):
        self._weights, self._bucket_bits, self._config = weights, bucket_bits, config
        self._pinning = pinning

    def create_accumulator(self):
        return []

    def add_input(self, acc, blob):
        acc.append(blob)
        return acc

    def merge_accumulators(self, accs):
        return [blob for acc in accs for blob in acc]

    def extract_output(self, acc):
        blobs, merged, merge = list(acc), None, MergeLabelSetHistograms()
        while blobs:
            found = pickle.loads(blobs.pop())  # a private object: taken, not copied
            merged = found if merged is None else merge.add_input(merged, found)
            del found
        if merged is None:
            merged = merge.create_accumulator()
        return build_plans(merged, self._weights, self._bucket_bits, self._config, self._pinning)


class PlaceLabelSetUnits(PlaceUnits):
    """Places each unit by its stratum's plan (``placement.PlaceUnits``) and counts it per label
    and value (``report.count_label_set``); an ungrouped batch is placed from its columns, without
    a unit object per example."""

    count = staticmethod(count_label_set)

    def process(self, batch, packed):
        plans = packed.get()
        if self.to_units.grouped:
            yield from self.place_units(self.to_units(batch), plans)
            return
        c = self.to_units.columns(batch)
        tags = self.tags
        per_set = {}  # (split, label set) -> examples, turned into label counts once per batch
        placed = {}  # split -> its records of this batch, output as one list
        assigned = [] if self.assignments else None
        for i, (labels, record) in enumerate(zip(c.sets, c.records)):
            plan = plans[labels]
            if type(plan) is int:
                split = plan
            else:
                bucket = c.hashes[i] >> (64 - plan.bucket_bits)
                if bucket in plan.ranking.boundary:
                    boundary = ((plain(labels), bucket), unit_of(c, i))
                    yield beam.pvalue.TaggedOutput(self.BOUNDARY, boundary)
                    continue
                split = plan.ranking.segment_of_bucket(bucket)
            if assigned is not None:
                assigned.append((c.hashes[i], split))  # an example's key is its hash
            placed.setdefault(split, []).append(record)
            key = split, labels
            per_set[key] = per_set.get(key, 0) + 1
        for split, part in placed.items():
            yield beam.pvalue.TaggedOutput(tags[split], part)
        for (split, labels), n in per_set.items():
            count_label_set(self.counted, split, labels, n)
        if assigned:
            yield beam.pvalue.TaggedOutput(self.ASSIGNMENTS, encode_assignments(assigned))


class IterativeStrategy:
    """A set of labels per example (``multi_label``): strata planned by ``plan_counts``. A label
    form (``stratified.STRATEGIES``), with the members ``exact.ExactStrategy`` has."""

    units = LabelSetUnits  # (config, grouped): an input batch's units
    place_units = PlaceLabelSetUnits  # the assignment pass's DoFn, on a batch's columns
    format_report = staticmethod(format_label_set_report)

    @staticmethod
    def plans(batches, to_units, config: StratifiedSplitConfig, bucket_bits: int, pinning, edges):
        """The histogram pass and the plan: one ``PackedPlans`` (``edges``: always None)."""
        weights = list(config.splits.values())
        return (
            batches
            | 'BundleHistogram' >> beam.ParDo(BundleHistograms(to_units, bucket_bits))
            | 'Plan' >> beam.CombineGlobally(_MergeAndPlan(weights, bucket_bits, config, pinning))
        )

    @staticmethod
    def report(pairs, units, config: StratifiedSplitConfig, bins, pinning=None) -> tuple:
        """``(counts, report)``: the per-label report of the summed count ``pairs``
        (``report.label_set_report``), and it with what earlier spans pinned (``pinning``, a side
        input of ``assignments.pinning_report``'s, or None) and, with stratify features, the
        values per split (``report.label_set_strata_report``). It says nothing of groups."""
        names = list(config.splits)
        counts = pairs | 'CountsTable' >> beam.Map(label_set_report, names, config.multi_label)
        strata = None
        if config.stratify_features:
            strata = beam.pvalue.AsSingleton(
                pairs | 'StrataReport' >> beam.Map(label_set_strata_report, config)
            )
        return counts, counts | 'Report' >> beam.Map(_with_entries, pinning, strata)


def _with_entries(table: dict, pinning, strata=None) -> dict:
    """The report: ``table`` with what earlier spans pinned and the strata, where given."""
    if pinning is not None:
        table = {**table, PINNED: pinning}
    return table if strata is None else {**table, STRATA: strata}
