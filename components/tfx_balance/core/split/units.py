"""The units a split assigns (examples, or groups of examples) and how the input is read as them.

An input batch is a list of serialized examples, or a ``(where, list)`` pair whose ``where``
(e.g. ``"split 'train'"``) errors name. One reader, ``input_batches``, serves both label
forms; with ``group_feature`` it forms the groups with one shuffle (keyed by
``groups.read_group_id``, the rule LeakageCheck shares). What a unit counts
for is the one place the forms differ, and each form is one small class with the same methods
(``__call__``, ``key_by_group``, ``group_to_unit``):

- ``ToUnits`` (one label per example): a ``Unit`` counts for its class; a group for its
  *dominant class* (most frequent label; ties to the first class in sort order).
- ``LabelSetUnits`` (``multi_label``): a ``LabelSetUnit`` counts for its *stratum*, its
  label set (``label_sets.read_label_sets``); a group's is the union
  of its examples'. Ungrouped batches are read as ``ExampleColumns`` (label sets and seeded
  hashes, one entry per example) rather than as one unit object per example.

The histogram pass over these units is each form's: ``exact.class_histograms``,
``strata.label_set_histograms``.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> tagged = example_pb2.Example()
    >>> tagged.features.feature['tags'].int64_list.value.extend([3, 1])
    >>> to_units = LabelSetUnits('tags', 'ids', seed=0, grouped=False)
    >>> to_units.columns([tagged.SerializeToString(), b'']).sets
    [(1, 3), ()]
"""

from __future__ import annotations

from typing import Dict, NamedTuple

import apache_beam as beam

from tfx_balance.core.errors import DataError
from tfx_balance.core.groups import read_group_id
from tfx_balance.core.hashing import example_keys, fingerprint, seeded_hash, seeded_hashes
from tfx_balance.core.label_sets import check_widths, read_label_sets, read_labels
from tfx_balance.core.labels import (
    class_name,
    class_sort_key,
    example_fingerprint,
    label_kind,
    label_of_example,
    sorted_classes,
)
from tfx_balance.core.records import DEFAULT_BATCH_SIZE
from tfx_balance.core.split.assignments import PinUnits
from tfx_balance.core.split.label_bins import bin_labels, read_label_values


def _named(batch) -> tuple:
    return batch if isinstance(batch, tuple) else ('', batch)


def _batch():
    return beam.BatchElements(min_batch_size=DEFAULT_BATCH_SIZE, max_batch_size=DEFAULT_BATCH_SIZE)


def input_batches(
    pipeline, source, batched, to_units, group_feature, stage, edges=None, previous=None
):
    """Reads the input (``source()``) as ``(where, serialized examples)`` batches, or, with
    ``group_feature``, as lists of group units (``to_units``' ``ToUnits.key_by_group`` and
    ``ToUnits.group_to_unit``; ``edges``: the bin edges, or a side input of them, when the
    classes are label bins). With ``previous`` (earlier spans' ``(unit hash, split)``, one per
    unit: ``assignments.LatestAssignments``), as lists of units (examples or groups), each
    joined by its hash with ``previous`` (``assignments.PinUnits``: a recurring unit is pinned
    to its earlier split)."""
    read = pipeline | f'Read{stage}' >> source()
    if not batched:
        read = read | f'Batch{stage}' >> _batch()
    if group_feature is None and previous is None:
        return read
    given = () if edges is None else (edges,)
    if group_feature is None:
        units = read | f'ToUnits{stage}' >> beam.FlatMap(to_units.example_units, *given)
    else:
        units = (
            read
            | f'KeyByGroup{stage}' >> beam.FlatMap(to_units.key_by_group, group_feature, *given)
            | f'GroupByGroup{stage}' >> beam.GroupByKey()
            | f'GroupToUnit{stage}' >> beam.Map(to_units.group_to_unit)
        )
    if previous is not None:
        units = units | f'Pin{stage}' >> PinUnits(previous)
    return units | f'BatchUnits{stage}' >> _batch()


def check_not_empty(found: bool) -> None:
    """Raises DataError when the histogram pass found no example (either form)."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


def _parse(record: bytes):
    from tensorflow.core.example import example_pb2

    return example_pb2.Example.FromString(record)


def _read_group(example, group_feature: str, where: str, describe) -> tuple:
    """``(group, seed key)`` of one parsed example (``describe()`` names it in errors)."""
    in_where = f' in {where}' if where else ''
    return read_group_id(example, group_feature, lambda: describe() + in_where)


# --- one label per example ---------------------------------------------------------------------


class Unit(NamedTuple):
    """A unit of assignment: one example, or one group of examples."""

    label: object  # class the unit counts for
    hash: int
    size: int
    records: tuple  # serialized examples
    labels: tuple  # their labels
    key: bytes | None = None  # an example unit's content key (its fingerprint names it)
    pinned: int | None = None  # the split earlier spans put it in (assignments.PinUnits)

    @property
    def stratum(self):
        """What the unit counts for in the plan: its class."""
        return self.label

    def examples(self):
        """``(record, label)`` of each of the unit's examples."""
        return zip(self.records, self.labels)


def _example_units(where: str, records, label_feature: str, seed: int, edges=None) -> list:
    """One unit per example of a batch of serialized examples (labels decoded in one batch;
    with bin ``edges``, a label's class is its bin: ``label_bins``)."""
    if edges is None:
        labels = read_labels(records, label_feature, where)
    else:
        labels = bin_labels(records, label_feature, where, edges)
    return [
        Unit(label, seeded_hash(seed, key), 1, (record,), (label,), key)
        for record, label, key in zip(records, labels, example_keys(records))
    ]


def _group_key(item, label_feature: str, group_feature: str, edges=None):
    where, record = item
    example = _parse(record)
    if edges is None:
        label = label_of_example(example, label_feature, where, record)
    else:
        label = bin_labels([record], label_feature, where, edges)[0]
    group, seed_key = _read_group(
        example,
        group_feature,
        where,
        lambda: f'(fingerprint {example_fingerprint(record)}) of class {class_name(label)!r}',
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


class ToUnits:
    """Turns an input batch into units: one per example, unless the input is already units
    (``grouped``: grouped by ``group_feature``, or joined with earlier spans' assignments).

    Units are made where they are used (not passed between stages, where Beam would pickle each).
    """

    def __init__(self, label_feature: str, seed: int, grouped: bool):
        self._label_feature = label_feature
        self._seed = seed
        self.grouped = grouped

    def __call__(self, batch, edges=None) -> list:
        return batch if self.grouped else self.example_units(batch, edges)

    def example_units(self, batch, edges=None) -> list:
        """One ``Unit`` per example of an input batch."""
        return _example_units(*_named(batch), self._label_feature, self._seed, edges)

    def key_by_group(self, batch, group_feature: str, edges=None):
        """``(group, member)`` per example of an input batch (``input_batches``)."""
        where, records = _named(batch)
        for record in records:
            yield _group_key((where, record), self._label_feature, group_feature, edges)

    def group_to_unit(self, item) -> Unit:
        return _group_to_unit(item, self._seed)


def batch_label_values(batch, label_feature: str):
    """The numeric labels of one input batch (the pass that computes quantile bin edges)."""
    where, records = _named(batch)
    return read_label_values(records, label_feature, where)


# --- a set of labels per example (multi_label) -------------------------------------------------


class LabelSetUnit(NamedTuple):
    """A unit of assignment: one example, or one group; ``stratum`` is its label set."""

    stratum: tuple
    hash: int
    size: int
    records: tuple
    sets: tuple  # each record's label set
    width: tuple | None = None  # (multi-hot length, example fingerprint)
    kinds: tuple = ()  # (kind, example fingerprint, label): the first of each kind in a batch
    pinned: int | None = None  # the split earlier spans put it in (assignments.PinUnits)

    def examples(self):
        """``(record, label set)`` of each of the unit's examples."""
        return zip(self.records, self.sets)


class ExampleColumns(NamedTuple):
    """An ungrouped batch as columns (one entry per example), without a unit object each."""

    where: str
    records: list
    sets: list  # each example's label set
    hashes: list  # each example's seeded hash
    width: tuple | None  # (multi-hot length, example fingerprint)
    kinds: Dict[int, tuple]  # {index: ((kind, example fingerprint, label),)}


class LabelSetUnits:
    """Turns an input batch into units: one per example, unless the input is already units
    (``grouped``: grouped by ``group_feature``, or joined with earlier spans' assignments)."""

    def __init__(self, label_feature: str, form: str, seed: int, grouped: bool):
        self.label_feature, self.form, self.seed, self.grouped = label_feature, form, seed, grouped

    def columns(self, batch) -> ExampleColumns:
        """An ungrouped batch's examples as ``ExampleColumns`` (the fast path)."""
        where, records = _named(batch)
        read = read_label_sets(records, self.label_feature, self.form, where)
        keys = example_keys(records)
        width, kinds = _named_checks(read, keys)
        return ExampleColumns(
            where, records, read.sets, seeded_hashes(self.seed, keys), width, kinds
        )

    def __call__(self, batch) -> list:
        return batch if self.grouped else self.example_units(batch)

    def example_units(self, batch) -> list:
        """One ``LabelSetUnit`` per example of an input batch."""
        c = self.columns(batch)
        return [unit_of(c, i) for i in range(len(c.records))]

    def key_by_group(self, batch, group_feature: str):
        """``(group, (label set, record, where, width, kinds, seed key))`` per example of a
        batch (``input_batches``)."""
        where, records = _named(batch)
        read = read_label_sets(records, self.label_feature, self.form, where)
        width, kinds = _named_checks(read, example_keys(records))
        for i, (record, labels) in enumerate(zip(records, read.sets)):
            group, seed_key = _read_group(
                _parse(record),
                group_feature,
                where,
                lambda: (
                    f'(fingerprint {example_fingerprint(record)}) of class '  # noqa: B023
                    f'{_set_name(labels)!r}'  # noqa: B023
                ),
            )
            yield group, (labels, record, where, width, kinds.get(i, ()), seed_key)

    def group_to_unit(self, item) -> LabelSetUnit:
        _, members = item
        members = sorted(members, key=lambda m: m[1])
        widths = [m[3] for m in members if m[3] is not None]
        check_widths(widths, self.label_feature)
        stratum = tuple(sorted_classes(label for m in members for label in m[0]))
        return LabelSetUnit(
            stratum,
            seeded_hash(self.seed, min(m[5] for m in members)),
            len(members),
            tuple(m[1] for m in members),
            tuple(m[0] for m in members),
            min(widths) if widths else None,
            tuple(entry for m in members for entry in m[4]),
        )


def unit_of(columns: ExampleColumns, i: int) -> LabelSetUnit:
    """The ``LabelSetUnit`` of example ``i`` of a batch's columns."""
    labels = columns.sets[i]
    record = columns.records[i]
    return LabelSetUnit(
        labels, columns.hashes[i], 1, (record,), (labels,), columns.width, columns.kinds.get(i, ())
    )


def _named_checks(read, keys) -> tuple:
    """``(width, {index: kinds entry})`` of a batch's ``LabelSets``, examples named by the
    fingerprint of their content key (that of ``labels.example_fingerprint``)."""
    width = (read.width[0], fingerprint(keys[read.width[1]])) if read.width else None
    kinds = {
        i: ((label_kind(label), fingerprint(keys[i]), label),) for label, i in read.kinds.items()
    }
    return width, kinds


def _set_name(labels: tuple) -> str:
    return '{' + ', '.join(class_name(label) for label in labels) + '}'
