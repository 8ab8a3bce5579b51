"""The units MultiLabelStratifiedSplit assigns (examples, or groups) and its histogram pass.

As :mod:`tfx_balance.core.split.units` for classes, with a *stratum*, the unit's label set
(:func:`~tfx_balance.core.label_sets.read_label_sets`; a group's is the union of its
examples'), in place of the class. :func:`batch_histograms` counts a batch's units per stratum and
hash bucket, and keeps what the checks across batches need: the least fingerprint of an example
of each label type (int64, bytes) and of each multi-hot length seen; :class:`BundleHistograms`
merges them per bundle. Ungrouped batches are read as :class:`ExampleColumns` (label sets and
seeded hashes, one entry per example) rather than as one :class:`LabelSetUnit` per example.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> def ex(values):
    ...     e = example_pb2.Example()
    ...     e.features.feature['tags'].int64_list.value.extend(values)
    ...     return e.SerializeToString()
    >>> to_units = LabelSetUnits('tags', 'ids', seed=0, grouped=False)
    >>> to_units.columns([ex([3, 1]), ex([])]).sets
    [(1, 3), ()]
    >>> found = batch_histograms([ex([3, 1]), ex([1, 3])], to_units, bucket_bits=0).buckets
    >>> {stratum: histogram(hist) for stratum, hist in found.items()}
    {(1, 3): {0: 2}}
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Mapping
from typing import Dict, NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.groups import read_group_id
from tfx_balance.core.hashing import example_keys, fingerprint, seeded_hash, seeded_hashes
from tfx_balance.core.label_sets import check_widths, read_label_sets
from tfx_balance.core.labels import class_name, example_fingerprint, label_kind, sorted_classes
from tfx_balance.core.ranking import bucket_of
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.units import _batch, _named

BUCKETS_TYPE = 'I'  # array type of a stratum's buckets (unsigned, 4 bytes; bucket_bits <= 32)


class LabelSetUnit(NamedTuple):
    """A unit of assignment: one example, or one group; ``stratum`` is its label set."""

    stratum: tuple
    hash: int
    size: int
    records: tuple
    sets: tuple  # each record's label set
    width: tuple | None = None  # (multi-hot length, example fingerprint)
    kinds: tuple = ()  # (kind, example fingerprint, label): the first of each kind in a batch


class LabelSetHistograms(NamedTuple):
    buckets: Dict[tuple, object]  # {stratum: its units' buckets (array), or its one unit's}
    kinds: Dict[str, tuple]  # {'int64'|'bytes': (fingerprint, label)}: least fingerprint
    widths: Dict[int, str]  # {multi-hot length: least example fingerprint}
    examples: int


class ExampleColumns(NamedTuple):
    """An ungrouped batch as columns (one entry per example), without a unit object each."""

    where: str
    records: list
    sets: list  # each example's label set
    hashes: list  # each example's seeded hash
    width: tuple | None  # (multi-hot length, example fingerprint)
    kinds: Dict[int, tuple]  # {index: ((kind, example fingerprint, label),)}


class LabelSetUnits:
    """Turns an input batch into units: one per example, unless the input is already grouped."""

    def __init__(self, label_feature: str, form: str, seed: int, grouped: bool):
        self.label_feature, self.form, self.seed, self.grouped = label_feature, form, seed, grouped

    def columns(self, batch) -> ExampleColumns:
        """An ungrouped batch's examples as :class:`ExampleColumns` (the fast path)."""
        where, records = _named(batch)
        read = read_label_sets(records, self.label_feature, self.form, where)
        keys = example_keys(records)
        width, kinds = _named_checks(read, keys)
        return ExampleColumns(
            where, records, read.sets, seeded_hashes(self.seed, keys), width, kinds
        )

    def __call__(self, batch) -> list:
        if self.grouped:
            return batch
        c = self.columns(batch)
        return [unit_of(c, i) for i in range(len(c.records))]


def unit_of(columns: ExampleColumns, i: int) -> LabelSetUnit:
    """The :class:`LabelSetUnit` of example ``i`` of a batch's columns."""
    labels = columns.sets[i]
    record = columns.records[i]
    return LabelSetUnit(
        labels, columns.hashes[i], 1, (record,), (labels,), columns.width, columns.kinds.get(i, ())
    )


def _named_checks(read, keys) -> tuple:
    """``(width, {index: kinds entry})`` of a batch's :class:`LabelSets`, examples named by the
    fingerprint of their content key (that of :func:`~tfx_balance.core.labels.example_fingerprint`)."""
    width = (read.width[0], fingerprint(keys[read.width[1]])) if read.width else None
    kinds = {
        i: ((label_kind(label), fingerprint(keys[i]), label),) for label, i in read.kinds.items()
    }
    return width, kinds


def _group_items(batch, label_feature: str, form: str, group_feature: str):
    """``(group, (label set, record, where, width, kinds, seed key))`` per example of a batch
    (:func:`~tfx_balance.core.groups.read_group_id`)."""
    from tensorflow.core.example import example_pb2

    where, records = _named(batch)
    read = read_label_sets(records, label_feature, form, where)
    width, kinds = _named_checks(read, example_keys(records))
    in_where = f' in {where}' if where else ''
    for i, (record, labels) in enumerate(zip(records, read.sets)):
        example = example_pb2.Example.FromString(record)
        group, seed_key = read_group_id(
            example,
            group_feature,
            lambda: (
                f'(fingerprint {example_fingerprint(record)}) of class {_set_name(labels)!r}'  # noqa: B023
                + in_where
            ),
        )
        yield group, (labels, record, where, width, kinds.get(i, ()), seed_key)


def _group_to_unit(item, seed: int, label_feature: str) -> LabelSetUnit:
    _, members = item
    members = sorted(members, key=lambda m: m[1])
    widths = [m[3] for m in members if m[3] is not None]
    check_widths(widths, label_feature)
    stratum = tuple(sorted_classes(label for m in members for label in m[0]))
    return LabelSetUnit(
        stratum,
        seeded_hash(seed, min(m[5] for m in members)),
        len(members),
        tuple(m[1] for m in members),
        tuple(m[0] for m in members),
        min(widths) if widths else None,
        tuple(entry for m in members for entry in m[4]),
    )


def _set_name(labels: tuple) -> str:
    return '{' + ', '.join(class_name(label) for label in labels) + '}'


def input_batches(pipeline, source, batched, config: StratifiedSplitConfig, stage: str):
    """The input as batches of serialized examples, or, with ``group_feature``, of group units."""
    read = pipeline | f'Read{stage}' >> source()
    if not batched:
        read = read | f'Batch{stage}' >> _batch()
    if config.group_feature is None:
        return read
    return (
        read
        | f'KeyByGroup{stage}'
        >> beam.FlatMap(
            _group_items, config.label_feature, config.multi_label, config.group_feature
        )
        | f'GroupByGroup{stage}' >> beam.GroupByKey()
        | f'GroupToUnit{stage}' >> beam.Map(_group_to_unit, config.seed, config.label_feature)
        | f'BatchUnits{stage}' >> _batch()
    )


def _add(buckets: dict, stratum: tuple, bucket: int, size: int) -> None:
    """Adds ``size`` units in ``bucket`` to a stratum's histogram. Most label sets have one
    example, so a histogram of one unit is stored as its bucket alone (an int); any other as the
    buckets of its units, one entry each, in an ``array`` (4 bytes a unit, no object per bucket:
    at 1M examples a dict per stratum held ~1M int objects)."""
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
    """A stratum's histogram as ``{bucket: units}`` (see :func:`_add`)."""
    if type(hist) is int:
        return {hist: 1}
    buckets, units = np.unique(np.frombuffer(hist, dtype=np.uint32), return_counts=True)
    return dict(zip(buckets.tolist(), units.tolist()))


class StratumUnits(Mapping):
    """``{stratum: units}`` of a ``{stratum: histogram}`` table (see :func:`_add`), as a view:
    at 1M examples a copy is a second dict of ~260k entries at the plan's peak."""

    def __init__(self, buckets: Dict[tuple, object]):
        self._buckets = buckets

    def __getitem__(self, stratum: tuple) -> int:
        hist = self._buckets[stratum]
        return 1 if type(hist) is int else len(hist)

    def __iter__(self):
        return iter(self._buckets)

    def __len__(self) -> int:
        return len(self._buckets)


def batch_histograms(batch, to_units: LabelSetUnits, bucket_bits: int) -> LabelSetHistograms:
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
    return LabelSetHistograms(buckets, kinds, widths, len(c.records))


def _unit_histograms(units, bucket_bits: int) -> LabelSetHistograms:
    buckets, kinds, widths, examples = {}, {}, {}, 0
    for unit in units:
        _add(
            buckets, unit.stratum, bucket_of(unit.hash, bucket_bits), 1
        )  # a unit (example or group) counts once: groups are planned as units
        examples += unit.size
        if unit.width is not None and unit.width[0] not in widths:
            widths[unit.width[0]] = unit.width[1]
        for kind, name, label in unit.kinds:
            if kind not in kinds or name < kinds[kind][0]:
                kinds[kind] = (name, label)
    return LabelSetHistograms(buckets, kinds, widths, examples)


class MergeLabelSetHistograms(beam.CombineFn):
    def create_accumulator(self):
        return LabelSetHistograms({}, {}, {}, 0)

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
        return acc._replace(examples=acc.examples + item.examples)

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for acc in accs:
            merged = self.add_input(merged, acc)
        return merged

    def extract_output(self, acc):
        return acc


_MERGE = MergeLabelSetHistograms()


class BundleHistograms(beam.DoFn):
    """The :class:`LabelSetHistograms` of a bundle's batches, merged as they come and emitted
    once, pickled, at the end of the bundle. One element per bundle, not per batch, goes on to the
    global merge: per-batch histograms (one entry per label set of the batch) would be held by
    the runner between the stages, a memory that grows with the data.

    Deterministic: a merge of counts and least fingerprints does not depend on the bundling.
    """

    def __init__(self, to_units: LabelSetUnits, bucket_bits: int):
        self._to_units, self._bucket_bits = to_units, bucket_bits
        self._acc = None

    def start_bundle(self):
        self._acc = None

    def process(self, batch):
        found = batch_histograms(batch, self._to_units, self._bucket_bits)
        self._acc = found if self._acc is None else _MERGE.add_input(self._acc, found)

    def finish_bundle(self):
        acc, self._acc = self._acc, None
        if acc is not None:  # pickled: see multilabel_split._MergeAndPlan
            blob = pickle.dumps(acc, protocol=pickle.HIGHEST_PROTOCOL)
            del acc
            yield beam.transforms.window.GlobalWindows.windowed_value(blob)
