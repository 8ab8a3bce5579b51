"""The units StratifiedSplit assigns (examples, or groups of examples) and its histogram pass.

An input batch is a list of serialized examples, or a ``(where, list)`` pair whose ``where``
(e.g. ``"split 'train'"``) errors name. :class:`ToUnits` turns a batch into :class:`Unit`s: one
per example, or, with ``group_feature``, the groups :func:`input_batches` formed with a shuffle.
:func:`batch_histograms` counts a batch's units per class and hash bucket; :class:`MergeHistograms`
merges them into :class:`Histograms`, which also keep one example fingerprint per label value so
that a label that is int64 in some examples and bytes in others is rejected, with both examples
named, before anything is written (:func:`~tfx_balance.core.labels.check_label_kinds`).
"""

from __future__ import annotations

from typing import Dict, NamedTuple

import apache_beam as beam

from tfx_balance.core.groups import read_group_id
from tfx_balance.core.hashing import example_keys, fingerprint, seeded_hash
from tfx_balance.core.label_sets import read_labels
from tfx_balance.core.labels import (
    class_name,
    class_sort_key,
    example_fingerprint,
    label_of_example,
)
from tfx_balance.core.ranking import bucket_of
from tfx_balance.core.records import DEFAULT_BATCH_SIZE
from tfx_balance.core.split.label_bins import bin_labels, read_label_values


class Unit(NamedTuple):
    """A unit of assignment: one example, or one group of examples."""

    label: object  # class the unit counts for
    hash: int
    size: int
    records: tuple  # serialized examples
    labels: tuple  # their labels
    key: bytes | None = None  # an example unit's content key (its fingerprint names it)


class Histograms(NamedTuple):
    """``{class: {bucket: units}}``, and ``{label: 'fingerprint[ in where]'}`` of one example per
    label value (each example's own label: with groups, not only the classes units count for)."""

    buckets: Dict[object, Dict[int, int]]
    examples: Dict[object, str]


def _named(batch) -> tuple:
    return batch if isinstance(batch, tuple) else ('', batch)


def _example_units(where: str, records, label_feature: str, seed: int, edges=None) -> list:
    """One unit per example of a batch of serialized examples (labels decoded in one batch;
    with bin ``edges``, a label's class is its bin: :mod:`~tfx_balance.core.split.label_bins`)."""
    if edges is None:
        labels = read_labels(records, label_feature, where)
    else:
        labels = bin_labels(records, label_feature, where, edges)
    return [
        Unit(label, seeded_hash(seed, key), 1, (record,), (label,), key)
        for record, label, key in zip(records, labels, example_keys(records))
    ]


def _group_key(item, label_feature: str, group_feature: str, edges=None):
    from tensorflow.core.example import example_pb2

    where, record = item
    example = example_pb2.Example.FromString(record)
    if edges is None:
        label = label_of_example(example, label_feature, where, record)
    else:
        label = bin_labels([record], label_feature, where, edges)[0]
    in_where = f' in {where}' if where else ''
    group, seed_key = read_group_id(
        example,
        group_feature,
        lambda: (
            f'(fingerprint {example_fingerprint(record)}) of class {class_name(label)!r}' + in_where
        ),
    )
    return group, (label, record, where, seed_key)


def _group_to_unit(item, seed: int) -> Unit:
    _, members = item
    members = sorted(members, key=lambda m: m[1])
    counts = {}
    for label, *_ in members:
        counts[label] = counts.get(label, 0) + 1
    dominant = min(counts, key=lambda c: (-counts[c], class_sort_key(c)))
    return Unit(
        dominant,
        seeded_hash(seed, min(m[3] for m in members)),
        len(members),
        tuple(m[1] for m in members),
        tuple(m[0] for m in members),
    )


def _batch():
    return beam.BatchElements(min_batch_size=DEFAULT_BATCH_SIZE, max_batch_size=DEFAULT_BATCH_SIZE)


def input_batches(pipeline, source, batched, label_feature, group_feature, seed, stage, edges=None):
    """Reads the input (``source()``) as ``(where, serialized examples)`` batches, or, with
    ``group_feature``, as lists of group :class:`Unit` (see :class:`ToUnits`; ``edges``: the bin
    edges, or a side input of them, when the classes are label bins)."""
    read = pipeline | f'Read{stage}' >> source()
    if not batched:
        read = read | f'Batch{stage}' >> _batch()
    if group_feature is None:
        return read
    return (
        read
        | f'Unbatch{stage}'
        >> beam.FlatMap(lambda b: ((_named(b)[0], record) for record in _named(b)[1]))
        | f'KeyByGroup{stage}' >> beam.Map(_group_key, label_feature, group_feature, edges)
        | f'GroupByGroup{stage}' >> beam.GroupByKey()
        | f'GroupToUnit{stage}' >> beam.Map(_group_to_unit, seed)
        | f'BatchUnits{stage}' >> _batch()
    )


class ToUnits:
    """Turns an input batch into units: one per example, unless the input is already grouped.

    Units are made where they are used (not passed between stages, where Beam would pickle each).
    """

    def __init__(self, label_feature: str, seed: int, grouped: bool):
        self._label_feature = label_feature
        self._seed = seed
        self.grouped = grouped

    def __call__(self, batch, edges=None) -> list:
        if self.grouped:
            return batch
        return _example_units(*_named(batch), self._label_feature, self._seed, edges)


def batch_label_values(batch, label_feature: str):
    """The numeric labels of one input batch (the pass that computes quantile bin edges)."""
    where, records = _named(batch)
    return read_label_values(records, label_feature, where)


def batch_histograms(batch, to_units: ToUnits, bucket_bits: int, edges=None) -> Histograms:
    """The :class:`Histograms` of one input batch."""
    where = '' if to_units.grouped else _named(batch)[0]
    buckets, first = {}, {}
    for unit in to_units(batch, edges):
        hist = buckets.get(unit.label)
        if hist is None:
            hist = buckets[unit.label] = {}
            if not to_units.grouped:  # named by the content key already computed
                first[unit.label] = fingerprint(unit.key)
        bucket = bucket_of(unit.hash, bucket_bits)
        hist[bucket] = hist.get(bucket, 0) + unit.size
        if to_units.grouped:  # a group may hold labels other than the class it counts for
            for label, record in zip(unit.labels, unit.records):
                if label not in first:
                    first[label] = example_fingerprint(record)
    in_where = f' in {where}' if where else ''
    examples = {label: name + in_where for label, name in first.items()}
    return Histograms(buckets, examples)


class MergeHistograms(beam.CombineFn):
    """Merges per-batch :class:`Histograms` into one (of the examples the batches kept for a label,
    the one with the least fingerprint)."""

    def create_accumulator(self):
        return Histograms({}, {})

    def add_input(self, acc, item):
        for label, hist in item.buckets.items():
            merged = acc.buckets.setdefault(label, {})
            for bucket, size in hist.items():
                merged[bucket] = merged.get(bucket, 0) + size
        for label, example in item.examples.items():
            if label not in acc.examples or example < acc.examples[label]:
                acc.examples[label] = example
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for acc in accs:
            self.add_input(merged, acc)
        return merged

    def extract_output(self, acc):
        return acc
