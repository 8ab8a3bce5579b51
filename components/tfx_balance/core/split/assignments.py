"""Splits that never change across spans: this span's assignments written, earlier spans' read,
and the units they pin.

A unit (an example, or a group) seen in an earlier span keeps its split: each run writes its
``(unit key, split index)`` pairs (``encode_assignments``; ``write_assignments`` from any
splitter's split Examples, for ``seed_history``) and a ``header``; a later run checks
the header (``read_window``, ``check_header``), reads each key's latest split per bucket of
keys (``read_previous``) and joins it to its units (``PinUnits``). Both label forms then count pinned
units apart (``PinnedCounts``), apply the rule to the whole stratum (``whole_units``; the fresh
units fill what each split lacks: ``allocation.fresh_counts``), give a group its pinned split
(``PinnedGroups``), and report what was pinned (``pinning_report``). Design:
docs/stratified_splitter.md, "Design".

Example:
    >>> decode_assignments(encode_assignments([(2**64 - 1, 2), (7, 0)]))
    [(18446744073709551615, 2), (7, 0)]
    >>> keys, orders = np.array([7, 9, 9, 9], np.uint64), np.array([3, 3, 5, 5])
    >>> splits = np.array([1, 0, 2, 1])  # key 9: order 5 wins, then the least split
    >>> [column.tolist() for column in latest(keys, orders, splits)]
    [[7, 9], [3, 5], [1, 1]]
"""

from __future__ import annotations

import collections
import os
from typing import Dict, Mapping, NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import key_buckets
from tfx_balance.core.common.json_files import write_json
from tfx_balance.core.common.key_records import (
    ReadKeyRecords,
    decode_entries,
    encode_entries,
    header_differences,
    read_header,
)
from tfx_balance.core.common.keys import (
    ASSIGNMENT_RECORDS_PREFIX,
    ASSIGNMENTS_FILE,
    PREVIOUS_ASSIGNMENTS_KEY,
)
from tfx_balance.core.common.labels import class_name, sorted_classes
from tfx_balance.core.common.records import fixed_batches
from tfx_balance.core.split.stratify_features import Stratum, split_label_set
from tfx_balance.core.split.units import Unit, read_unit_keys

# unit key (64-bit seeded hash), split index: 10 bytes, big-endian
RECORD = np.dtype([('key', '>u8'), ('split', '>u2')])
# The header's 'format': the version of RECORD, of the header's fields and of a unit's key
# (units.unit_keys). Every one stays readable.
GROUPS_FORMAT = 2  # a group keyed by its id (groups.group_key)
EXAMPLES_FORMAT = 3  # an example keyed by its content without the label
LEGACY_FORMAT = 1  # 0.2.0, and examples until 0.3.0: content with the label; a group's hash
HEADER_FIELDS = ('format', 'seed', 'splits', 'group_feature')  # every header has them all
# A Unit's fields a span's keys are (keyed_by): its key, a format-1 group's ordering hash, or a
# format-1 example's key with the label.
KEY, HASH, LEGACY = 'key', 'hash', 'legacy'
UNITS, PREVIOUS = 'units', 'previous'  # PinUnits' join tags
# The join's buckets (hashing.key_buckets: a unit key modulo 256): a bucket holds about 1/256 of
# the window's distinct keys and of a read's units (memory per worker). The tuning constants
# below bound memory and per-element cost of the join; the window runs of benchmarks/RESULTS.md
# (section 13, `spans`) run with them.
JOIN_BUCKETS = 256
UNITS_PER_BATCH = 8192  # units split by bucket at once: one batch's columns in memory
PENDING = 65536  # entries a bucket's combine gathers before merging them (LatestPerBucket)
PAIRS_PER_RECORD = 65536  # (unit key, split) pairs per record write_assignments writes: 640 KB


def encode_assignments(pairs) -> bytes:
    """``(unit key, split index)`` pairs as one record (``RECORD`` each, concatenated)."""
    return encode_entries(pairs, RECORD)


def decode_assignments(record: bytes) -> list:
    """The ``(unit key, split index)`` pairs of a record."""
    return decode_entries([record], RECORD).tolist()


def write_assignments(split_dirs: Mapping[str, str], config, output_dir: str) -> Dict[str, int]:
    """Writes the assignments of split Examples written by any splitter (``split_dirs``: split
    name -> its folder of gzipped TFRecords) to ``output_dir``, keyed as the splitter of
    ``config`` keys them (``units.read_unit_keys``): what ``seed_history`` seeds a history with.
    A unit in several splits keeps the one holding most of its examples (ties: the first in
    ``config.splits``). Returns ``{'units': n, 'in_several_splits': m}``.

    Example::

        write_assignments({'train': '.../Split-train', 'eval': '.../Split-eval'}, config, out)
    """
    import tensorflow as tf

    names = list(config.splits)
    unknown = sorted(set(split_dirs) - set(names))
    if unknown:
        raise ConfigError(
            f'the split Examples have split(s) {unknown}, which the StratifiedSplitter does not '
            f'have (its splits: {names}): a unit keeps its split only by name. Give the '
            'splitter splits of the same names.'
        )
    seen = collections.defaultdict(collections.Counter)  # unit key -> {split index: examples}
    for name, folder in split_dirs.items():
        files = tf.io.gfile.glob(os.path.join(folder, '*'))
        dataset = tf.data.TFRecordDataset(files, compression_type='GZIP').batch(UNITS_PER_BATCH)
        for batch in dataset.as_numpy_iterator():
            for key in read_unit_keys(list(batch), config):
                seen[key][names.index(name)] += 1
    pairs = sorted(
        (key, min(counts, key=lambda split: (-counts[split], split)))
        for key, counts in seen.items()
    )
    tf.io.gfile.makedirs(output_dir)
    path = os.path.join(output_dir, f'{ASSIGNMENT_RECORDS_PREFIX}-00000-of-00001.gz')
    with tf.io.TFRecordWriter(path, options='GZIP') as writer:
        for start in range(0, len(pairs), PAIRS_PER_RECORD):
            writer.write(encode_assignments(pairs[start : start + PAIRS_PER_RECORD]))
    write_json(os.path.join(output_dir, ASSIGNMENTS_FILE), header(config))
    return {'units': len(pairs), 'in_several_splits': sum(len(c) > 1 for c in seen.values())}


def header(config) -> dict:
    """What a run's assignments mean (written beside them, checked by ``check_header`` before
    they are read back): the seed and unit kind give the keys, the split names the indexes."""
    return {
        'format': GROUPS_FORMAT if config.group_feature is not None else EXAMPLES_FORMAT,
        'seed': config.seed,
        'splits': list(config.splits),
        'group_feature': config.group_feature,
    }


def check_header(found: dict, config, where: str) -> None:
    """Raises ``ConfigError`` when the assignments of ``where`` (e.g. ``'span 3'``) were written
    with another seed, group feature or split names, or in a format this version does not read.
    ``found``: a header with every ``HEADER_FIELDS`` (``key_records.read_header``)."""
    expected = header(config)
    names = ['seed', 'group_feature', 'splits']
    if found['format'] not in (expected['format'], LEGACY_FORMAT):
        names.insert(0, 'format')
    differ = header_differences(found, expected, names)
    if differ:
        raise ConfigError(
            f'previous_assignments of {where} were written by another split: '
            f'{"; ".join(differ)}. Units keep their split across spans only for the same seed, '
            'group_feature and splits: split with the arguments of the earlier spans, or leave '
            'previous_assignments unset (or narrow its Resolver window to spans written with '
            'these arguments) to start afresh.'
        )


def keyed_by(found: dict) -> str:
    """The ``Unit`` field the keys of assignments with header ``found`` are: in format 1,
    ``HASH`` (a group's ordering hash) or ``LEGACY`` (an example's key with its label); else
    ``KEY``."""
    if found['format'] != LEGACY_FORMAT:
        return KEY
    return HASH if found['group_feature'] is not None else LEGACY


class Previous(NamedTuple):
    """Earlier spans' assignments as ``PinUnits`` joins them: ``keyed`` (tables keyed by
    ``Unit.key``), ``hashed`` (0.2.0's grouped ones, by ``Unit.hash``) and ``legacy`` (examples
    of format 1, by ``Unit.legacy``); None if none."""

    keyed: beam.PCollection | None
    hashed: beam.PCollection | None = None
    legacy: beam.PCollection | None = None


def read_window(pipeline, spans, config) -> Previous:
    """The ``Previous`` of earlier spans' assignments, ``[(name, folder)]`` oldest first, after
    checking each header against this run's ``config`` (seed, splits, groups; a damaged header
    or record file is a ``DataError`` naming it)."""
    sources = []
    for order, (name, folder) in enumerate(spans):
        found = read_header(
            os.path.join(folder, ASSIGNMENTS_FILE), HEADER_FIELDS, PREVIOUS_ASSIGNMENTS_KEY
        )
        check_header(found, config, name)
        pattern = os.path.join(folder, f'{ASSIGNMENT_RECORDS_PREFIX}-*.gz')
        sources.append((order, pattern, keyed_by(found)))
    return read_previous(pipeline, sources)


def read_previous(pipeline, sources, what: str = PREVIOUS_ASSIGNMENTS_KEY) -> Previous:
    """The ``Previous`` of ``sources``: ``[(order, file pattern, keyed_by)]``, one per earlier
    span; the latest ``order`` (e.g. ``(span, version)``) wins, and a ``KEY`` span over a format-1
    one. ``what`` names them in errors."""
    tables = {}
    for by in (KEY, HASH, LEGACY):
        mine = [(order, pattern) for order, pattern, kind in sources if kind == by]
        if mine:
            tables[by] = pipeline | f'Read[{by}]' >> ReadAssignments(mine, what)
    return Previous(tables.get(KEY), tables.get(HASH), tables.get(LEGACY))


def latest(keys, orders, splits) -> tuple:
    """Of ``(key, order, split)`` numpy columns, one entry per key, keys sorted: that of the
    latest ``order``, then of the least split. Applied to parts and again to the results, it gives
    the same (a combine)."""
    first = np.lexsort((splits, -orders.astype(np.int64), keys))
    keys, orders, splits = keys[first], orders[first], splits[first]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return keys[new], orders[new], splits[new]


class LatestPerBucket(beam.CombineFn):
    """One bucket's ``(keys, orders, splits)`` chunks -> ``(keys, splits)`` by ``latest``. Chunks
    are merged once they hold more than ``pending`` entries and twice what was merged before."""

    def __init__(self, pending: int = PENDING):
        super().__init__()
        self._pending = pending

    def create_accumulator(self):
        return []

    def add_input(self, chunks, chunk):
        chunks.append(chunk)
        return self._bounded(chunks)

    def merge_accumulators(self, accumulators):
        return self._bounded([chunk for chunks in accumulators for chunk in chunks])

    def compact(self, chunks):
        return [self._merged(chunks)] if len(chunks) > 1 else chunks

    def extract_output(self, chunks):
        keys, _, splits = self._merged(chunks)
        return keys, splits

    def _bounded(self, chunks):
        merged = len(chunks[0][0]) if chunks else 0
        if sum(len(c[0]) for c in chunks) > max(self._pending, 2 * merged):
            return [self._merged(chunks)]
        return chunks

    @staticmethod
    def _merged(chunks):
        if not chunks:
            return _EMPTY
        return latest(*(np.concatenate(column) for column in zip(*chunks)))


_EMPTY = (np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.uint16))


@beam.ptransform_fn
def LatestAssignments(chunks):  # noqa: N802
    """``(bucket, (keys, orders, splits))`` chunks of a window of assignments -> ``(bucket,
    (keys, splits))``, one per bucket: per key the ``latest`` entry, keys sorted."""
    return chunks | 'LatestPerBucket' >> beam.CombinePerKey(LatestPerBucket())


@beam.ptransform_fn
def ReadAssignments(pipeline, sources, what: str = PREVIOUS_ASSIGNMENTS_KEY):  # noqa: N802
    """The window's assignments as ``PinUnits`` takes them: ``(bucket, (keys, splits))`` per bucket
    of keys, from ``sources``: ``[(order, file pattern)]`` of the earlier spans (a damaged file is a
    ``DataError`` naming it; ``what``: what the message calls them)."""
    ranks = {order: rank for rank, order in enumerate(sorted({order for order, _ in sources}))}
    return (
        pipeline
        | 'ReadAssignments' >> ReadKeyRecords([(ranks[o], p) for o, p in sources], RECORD, what)
        | 'ByBucket' >> beam.FlatMapTuple(_bucketed)
        | 'Latest' >> LatestAssignments()
    )


def _bucketed(rank: int, entries):
    """``(bucket, (keys, orders, splits))`` per bucket of a batch of assignment entries."""
    keys = entries['key'].astype(np.uint64)
    splits = entries['split'].astype(np.uint16)
    for bucket, at in key_buckets(keys, JOIN_BUCKETS):
        yield bucket, (keys[at], np.full(len(at), rank, np.int32), splits[at])


@beam.ptransform_fn
def PinUnits(units, previous: Previous):  # noqa: N802
    """``units`` (examples, or the plan pass's groups), each with ``pinned`` set to its split
    in ``previous`` (a ``Previous``) when its key is found there: by ``Unit.hash`` in
    ``previous.hashed``, by ``Unit.legacy`` in ``previous.legacy``, then by ``Unit.key`` in
    ``previous.keyed``, which wins."""
    joins = ((HASH, previous.hashed), (LEGACY, previous.legacy), (KEY, previous.keyed))
    for by, table in joins:
        if table is not None:
            units = units | f'Join[{by}]' >> _JoinBy(table, by)
    return units


@beam.ptransform_fn
def _JoinBy(units, table, by: str):  # noqa: N802
    """``units``, each with ``pinned`` set to its split in ``table`` (``ReadAssignments``) when
    its field ``by`` is found there. A join by bucket: the units, in batches, are split by
    bucket and meet the bucket's sorted keys (``CoGroupByKey``)."""
    chunks = (
        units
        | 'BatchUnits' >> fixed_batches(UNITS_PER_BATCH)
        | 'UnitsByBucket' >> beam.FlatMap(_units_by_bucket, by)
    )
    return (
        {UNITS: chunks, PREVIOUS: table}
        | 'JoinPrevious' >> beam.CoGroupByKey()
        | 'PinUnit' >> beam.FlatMap(_pin, by)
    )


WIDE = (HASH, KEY, LEGACY)  # a unit's 64-bit fields (LEGACY only where it is computed)


def _units_by_bucket(units, by: str):
    """``(bucket, (wide, columns))`` per bucket (of their field ``by``) of a batch of units:
    their 64-bit fields (``WIDE``) as numpy, ``{field: array}``, and the others as
    ``{field: column}``, which the join's coder encodes natively (it would pickle a ``Unit``, and
    a hash of 2**63 or more)."""
    fields = [f for f in WIDE if getattr(units[0], f) is not None]
    wide = {f: np.fromiter((getattr(u, f) for u in units), np.uint64, len(units)) for f in fields}
    for bucket, at in key_buckets(wide[by], JOIN_BUCKETS):
        columns = dict(zip(Unit._fields, zip(*(units[i] for i in at.tolist()))))
        for f in fields:
            del columns[f]  # shipped as numpy
        yield bucket, ({f: w[at] for f, w in wide.items()}, columns)


def _pin(item, by: str):
    """The ``Unit``s of one bucket, rebuilt from ``_units_by_bucket``'s columns, each pinned to
    its split in the bucket's table when its field ``by`` is found there."""
    _, joined = item
    tables = list(joined[PREVIOUS])
    for wide, columns in joined[UNITS]:
        for field, values in wide.items():
            columns[field] = values.tolist()
        if tables:
            found_keys, splits = tables[0]  # one per bucket (LatestAssignments), sorted, not empty
            wanted = wide[by]
            at = np.minimum(np.searchsorted(found_keys, wanted), len(found_keys) - 1)
            found = (found_keys[at] == wanted).tolist()
            columns['pinned'] = [
                split if hit else pinned
                for hit, split, pinned in zip(found, splits[at].tolist(), columns['pinned'])
            ]
        yield from map(Unit, *(columns[f] for f in Unit._fields))


# A report's entry with earlier spans' assignments: {'pinned': {class: {split: n}}, 'deviation':
# {class: {split: d}}, 'exact': bool}: per class the units pinned in each split (examples, or
# label-set units), and, for classes the pinned units kept from the rule's counts, a split's
# planned count minus the rule's (pinned units are never moved, so a split already over its
# count stays over it).
PINNED = 'pinned'
DEVIATION = 'deviation'
PINNING_EXACT = 'exact'


class PinnedCounts(dict):
    """The units earlier spans pinned, per stratum and split: ``{stratum: {split: units}}``.
    A histogram pass counts them apart from the fresh units (they are not ranked).

    >>> pinned = PinnedCounts()
    >>> pinned.add('a', 0, 3); pinned.add('a', 2, 1)
    >>> pinned.totals(), pinned.held('a', 3), pinned.held('b', 3)
    ({'a': 4}, (3, 0, 1), (0, 0, 0))
    """

    def add(self, stratum, split: int, units: int) -> None:
        """Counts ``units`` of ``stratum`` pinned to ``split``."""
        per_split = self.setdefault(stratum, {})
        per_split[split] = per_split.get(split, 0) + units

    def merge(self, other: Mapping) -> PinnedCounts:
        """Adds ``other``'s pinned units (the same form) to these; returns self."""
        for stratum, per_split in other.items():
            for split, units in per_split.items():
                self.add(stratum, split, units)
        return self

    def totals(self) -> dict:
        """``{stratum: units}`` pinned, over all splits."""
        return {stratum: sum(per_split.values()) for stratum, per_split in self.items()}

    def held(self, stratum, num_splits: int) -> tuple:
        """The units of ``stratum`` pinned in each split, in split order."""
        per_split = self.get(stratum, {})
        return tuple(per_split.get(i, 0) for i in range(num_splits))


def whole_units(*tables: Mapping) -> dict:
    """``{stratum: units}`` summed over ``tables`` (strata in first-seen order): the rule
    applies to a stratum whole, its fresh and its pinned units (``PinnedCounts.totals``) together."""
    whole = {}
    for table in tables:
        for stratum, units in table.items():
            whole[stratum] = whole.get(stratum, 0) + units
    return whole


class PinnedGroups(NamedTuple):
    """The groups of one plan-pass batch that earlier spans pinned: ``{group: split}``."""

    splits: Dict[bytes, int]


def pinned_groups(units) -> list:
    """The ``PinnedGroups`` of a plan-pass batch of units, as one element (none when none is)."""
    found = {u.group: u.pinned for u in units if u.group is not None and u.pinned is not None}
    return [PinnedGroups(found)] if found else []


def key_by_group_or_pinned(element, key_by_group, *args, **kwargs):
    """The ``(group, value)`` pairs of an element of the placement pass's input: an input
    batch's ``key_by_group(batch, *args, **kwargs)`` (the form's), or a ``PinnedGroups``' items.
    They come in one PCollection so that the grouping stays fused (docs: "Design")."""
    if isinstance(element, PinnedGroups):
        return list(element.splits.items())
    return key_by_group(element, *args, **kwargs)


def group_members(members) -> tuple:
    """A group's ``(entries, pinned)``: its examples' ``key_by_group`` entries, and its pinned
    split (the one int among the grouped values) or None."""
    entries, pinned = [], None
    for member in members:
        if isinstance(member, int):
            pinned = member
        else:
            entries.append(member)
    return entries, pinned


def pinning_report(plans, split_names) -> dict:
    """The ``PINNED`` entry of a report from the plans (``{stratum: ClassSplitPlan or split
    index}``): per label, the units pinned per split and the planned count minus the rule's."""
    pinned, deviation = {}, {}
    for stratum, plan in plans.items():
        if isinstance(plan, int) or plan.pinned is None:
            continue
        placed = plan.placed or [0] * len(plan.rule)
        off = [p + q + c - r for p, q, c, r in zip(plan.pinned, placed, plan.counts, plan.rule)]
        if isinstance(stratum, Stratum):  # stratify_features: its class
            labels = (stratum.label,)
        elif isinstance(stratum, tuple):  # a label set's labels (its values left out)
            labels = split_label_set(stratum)[0]
        else:  # a class
            labels = (stratum,)
        for label in labels:
            for table, row in ((pinned, plan.pinned), (deviation, off)):
                sums = table.setdefault(label, [0] * len(split_names))
                for i, n in enumerate(row):
                    sums[i] += n
    named = lambda table: {  # noqa: E731
        class_name(label): dict(zip(split_names, table[label]))
        for label in sorted_classes(table)
        if any(table[label])
    }
    off = named(deviation)
    return {PINNED: named(pinned), DEVIATION: off, PINNING_EXACT: not off}


def pinning_lines(report: dict, what: str = 'examples') -> list:
    """The logged lines of a report's ``PINNED`` entry."""
    pinning = report.get(PINNED)
    if not isinstance(pinning, dict) or PINNED not in pinning:
        return []
    units = sum(n for row in pinning[PINNED].values() for n in row.values())
    if pinning[PINNING_EXACT]:
        return [f"pinned by earlier spans: {units} {what}; every class at the rule's counts"]
    off = '; '.join(
        f'{label} ' + ', '.join(f'{split} {d:+d}' for split, d in row.items() if d)
        for label, row in pinning[DEVIATION].items()
    )
    return [f'pinned by earlier spans: {units} {what}; off the rule (planned - rule): {off}']
