"""Splits that never change across spans: earlier spans' assignments, written and read back.

A split of one span is a pure function of the seed and the data. Over several spans that is not
enough: a user (``group_feature``) or a duplicate example seen in span 1 comes back in span 2,
where its class has other members and other counts, so the exact per-class cut can put it in
another split. A stateless hash cut cannot be both exact and stable across spans, so the splitter
keeps state, as data:

- **Written.** Every run writes its span's *assignments*: per unit (a group, or an example) its
  64-bit *key* (``Unit.key``: an example's seeded hash of its content key, the hash examples are
  ordered by; a group's ``groups.group_key``, the seeded hash of its id, one spelling for every
  type of the id, so a group stored as int64 ``7`` in one span and bytes ``b'7'`` in the next is
  found) and its split index, ``RECORD``-packed (10 bytes), the entries of one input batch in
  one record of gzipped TFRecords (``encode_assignments``: one element per batch, not per unit,
  through the pipeline and the writer; core/key_records.py), with a ``header`` (format, seed,
  split names, group feature) beside them: ``format`` 2 with groups (0.2.0's grouped
  assignments, ``format`` 1, keyed a group by its ordering hash, of its least seed key:
  ``keyed_by``). One span's units only, so a window of the last N spans bounds what is read
  back.
- **Read back.** ``previous`` is a window of such artifacts (a Resolver's), their headers read
  and checked (``key_records.read_header``, ``check_header``; a damaged file is a
  ``DataError`` naming it) and their records read by ``read_previous``: a ``Previous`` of the
  spans keyed by ``Unit.key`` and of those (format 1, grouped) keyed by ``Unit.hash``.
  ``ReadAssignments`` decodes each a batch of records at a time (``key_records.ReadKeyRecords``)
  into numpy columns
  and splits them by *bucket* (``hashing.key_buckets``: the key modulo ``JOIN_BUCKETS``);
  ``LatestAssignments`` keeps one split per key, the latest span's (then the least split index:
  ``latest``), by a combine per bucket: one sorted table of keys per bucket. It is read and
  combined once, and both passes over the input join with it.
- **Pinned.** ``PinUnits`` joins the units with it by bucket (``CoGroupByKey``, never a table
  in the driver): units in batches are split by bucket and travel as columns (their hashes and
  keys as numpy, their other fields as tuples, which Beam's coder encodes natively where it would
  pickle each unit), and each bucket's units are looked up in its table (``np.searchsorted``).
  Examples are joined so in both passes; groups in the plan pass only (their units
  carry no records there), whose pinned groups (``pinned_groups``: ``{group id: split}`` per
  batch) then join the placement pass's grouping of examples by group id
  (``stratified.input_units``), so that pass shuffles each record once (a format-1 group's key
  is the hash of its least seed key, known only once its examples are together). They
  are flattened with that pass's input batches, before its examples are keyed by group
  (``key_by_group_or_pinned``): the DirectRunner writes a Flatten's elements out and reads them
  back, which costs little a batch at a time, and 2-3 s per 300,000 keyed examples. A
  window with format-1 spans is joined twice, by ``Unit.hash`` with those and then by
  ``Unit.key`` with the others, so that a format-2 span (written later) wins. A
  unit found there is *pinned* to its earlier split; the
  rest are *fresh* and placed by the exact machinery at counts that bring each stratum (class,
  bin or label set, counted from this span's data) as close to the rule as the pinned units
  allow (``allocation.fresh_counts``; exact when no split holds more pinned units than its rule
  count). ``report.pinning_report`` says per class how many were pinned and by how much a
  split's count differs from the rule's.

Memory per bucket, on any runner: 1/256 of the window's distinct keys (14 bytes each while
combined, at most twice the bucket's keys or ``PENDING`` entries; 10 bytes after) and 1/256 of
a read's units (Beam's ``CoGroupByKey`` lists a key's values): with their examples when the
units are examples, without (the plan pass's groups) when they are groups, plus one batch of
``UNITS_PER_BATCH`` units being split. The placement pass's groups take the memory of
``group_feature`` alone: one group's examples and its pinned split (a dict of the pinned groups of
one plan batch, at most ``records.DEFAULT_BATCH_SIZE`` of them, travels as one element with the
input's batches).

Membership stays a pure function of the seed, the data and the earlier assignments: the same on
any runner, input order, sharding or retry. A recurring group whose class changed stays in its
split and counts for its new class. Keys are 64-bit hashes: two different units share one with
probability about ``units**2 / 2**65`` (1e-8 at 600k units).

Example:
    >>> decode_assignments(encode_assignments([(2**64 - 1, 2), (7, 0)]))
    [(18446744073709551615, 2), (7, 0)]
    >>> keys, orders = np.array([7, 9, 9, 9], np.uint64), np.array([3, 3, 5, 5])
    >>> splits = np.array([1, 0, 2, 1])  # key 9: order 5 wins, then the least split
    >>> [column.tolist() for column in latest(keys, orders, splits)]
    [[7, 9], [3, 5], [1, 1]]
"""

from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.errors import ConfigError
from tfx_balance.core.hashing import key_buckets
from tfx_balance.core.key_records import (
    ReadKeyRecords,
    decode_entries,
    encode_entries,
    header_differences,
)
from tfx_balance.core.records import fixed_batches
from tfx_balance.keys import PREVIOUS_ASSIGNMENTS_KEY

# unit key (64-bit seeded hash), split index: 10 bytes, big-endian
RECORD = np.dtype([('key', '>u8'), ('split', '>u2')])
# The header's 'format': the version of RECORD, of the header's fields and of a unit's key. 2: a
# group is keyed by its id (groups.group_key); 1 (0.2.0): by its ordering hash. An example's key
# is the same in both, so ungrouped assignments stay format 1, readable by 0.2.0.
FORMAT, EXAMPLES_FORMAT = 2, 1
HEADER_FIELDS = ('format', 'seed', 'splits', 'group_feature')  # every header has them all
# A Unit's fields a span's keys are (keyed_by): its key, or a format-1 group's ordering hash.
KEY, HASH = 'key', 'hash'
UNITS, PREVIOUS = 'units', 'previous'  # PinUnits' join tags
# The join's buckets (hashing.key_buckets: a unit key modulo 256). A bucket holds about 1/256
# of the window's distinct keys and of a read's units.
JOIN_BUCKETS = 256
UNITS_PER_BATCH = 8192  # units split by bucket at once
PENDING = 65536  # entries a bucket's combine gathers before merging them (LatestPerBucket)


def encode_assignments(pairs) -> bytes:
    """``(unit key, split index)`` pairs as one record (``RECORD`` each, concatenated)."""
    return encode_entries(pairs, RECORD)


def decode_assignments(record: bytes) -> list:
    """The ``(unit key, split index)`` pairs of a record."""
    return decode_entries([record], RECORD).tolist()


def header(config) -> dict:
    """What a run's assignments mean (written beside them, checked by ``check_header`` before
    they are read back): the seed and unit kind give the keys, the split names the indexes."""
    return {
        'format': FORMAT if config.group_feature is not None else EXAMPLES_FORMAT,
        'seed': config.seed,
        'splits': list(config.splits),
        'group_feature': config.group_feature,
    }


def check_header(found: dict, config, where: str) -> None:
    """Raises ``ConfigError`` when the assignments of ``where`` (e.g. ``'span 3'``) were written
    by a split other than ``config``'s: another seed or group feature (other keys) or other
    split names (other indexes), or in a format this version does not read (0.2.0's grouped
    format 1 it reads: ``keyed_by``). ``found``: a header with every ``HEADER_FIELDS``
    (``key_records.read_header``)."""
    expected = header(config)
    names = ['seed', 'group_feature', 'splits']
    if found['format'] not in (expected['format'], EXAMPLES_FORMAT):
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
    """The ``Unit`` field the keys of assignments with header ``found`` are: ``HASH``, a group's
    ordering hash, in grouped assignments of format 1 (as 0.2.0 wrote them); else ``KEY``."""
    return HASH if found['format'] == 1 and found['group_feature'] is not None else KEY


class Previous(NamedTuple):
    """Earlier spans' assignments as ``PinUnits`` joins them (``read_previous``): ``keyed``, the
    tables (``ReadAssignments``') of the spans keyed by ``Unit.key``; ``hashed``, of those keyed
    by ``Unit.hash`` (0.2.0's grouped ones). None for a kind the window has none of."""

    keyed: beam.PCollection | None
    hashed: beam.PCollection | None = None


def read_previous(pipeline, sources, what: str = PREVIOUS_ASSIGNMENTS_KEY) -> Previous:
    """The ``Previous`` of ``sources``: ``[(order, file pattern, keyed_by)]``, one per earlier
    span (``order``, e.g. ``(span, version)``: the latest wins where two spans of one kind
    disagree; a ``KEY`` span wins over a ``HASH`` one, which 0.2.0 wrote before it). ``what``
    names them in errors (``ReadAssignments``)."""
    tables = {}
    for by in (KEY, HASH):
        mine = [(order, pattern) for order, pattern, kind in sources if kind == by]
        if mine:
            tables[by] = pipeline | f'Read[{by}]' >> ReadAssignments(mine, what)
    return Previous(tables.get(KEY), tables.get(HASH))


def latest(keys, orders, splits) -> tuple:
    """Of ``(key, order, split)`` columns (numpy arrays), one entry per key: that of the latest
    ``order`` (the rank of e.g. ``(span, version)``), then of the least split index. Keys come
    out sorted. Applied to any partition of the entries and again to the results, it gives the
    same: a combine."""
    first = np.lexsort((splits, -orders.astype(np.int64), keys))
    keys, orders, splits = keys[first], orders[first], splits[first]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return keys[new], orders[new], splits[new]


class LatestPerBucket(beam.CombineFn):
    """One bucket's ``(keys, orders, splits)`` chunks -> ``(keys, splits)``: the ``latest``
    entry per key, keys sorted. Pending chunks are merged by ``latest`` once they hold more
    entries than ``pending`` and than twice what was merged before, so an accumulator holds at
    most about twice the bucket's distinct keys (or ``pending`` entries)."""

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
    """The window's assignments as ``PinUnits`` takes them: ``(bucket, (keys, splits))``, one
    per bucket of keys found (``LatestAssignments``), of ``sources``: ``[(order, file
    pattern)]``, one per earlier span (its assignments' TFRecords; ``order``, e.g. ``(span,
    version)``, decides which span wins when two disagree). A damaged file is a ``DataError``
    naming it (``key_records.ReadKeyRecords``; ``what``: what the message calls them)."""
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
    ``previous.hashed``, then by ``Unit.key`` in ``previous.keyed``, which wins."""
    for by, table in ((HASH, previous.hashed), (KEY, previous.keyed)):
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


def pinned_groups(units) -> list:
    """``{group: split}`` of the groups among ``units`` (a batch of the plan pass's) that earlier
    spans pinned, as one element (none when none is): ``stratified.input_units`` flattens these
    with the input's batches into the placement pass's grouping of examples by group
    (``key_by_group_or_pinned``), where ``group_members`` takes them back out."""
    found = {u.group: u.pinned for u in units if u.group is not None and u.pinned is not None}
    return [found] if found else []


def key_by_group_or_pinned(batch, key_by_group, *args, **kwargs):
    """The ``(group, value)`` pairs of one element of the placement pass's input: an input
    batch's examples, ``key_by_group(batch, *args, **kwargs)`` (the form's), or a dict of
    ``pinned_groups``' ``(group, split)``. Both arrive in one PCollection, flattened a batch at a
    time, so that their grouping by group is fused with this step: a Flatten of the examples
    one by one is materialized by the DirectRunner (every record encoded and decoded once more).
    """
    if isinstance(batch, dict):
        return list(batch.items())
    return key_by_group(batch, *args, **kwargs)


def group_members(members) -> tuple:
    """A group's ``(entries, pinned)`` of the values grouped under its id: its examples' entries
    (``key_by_group``'s tuples), and the split earlier spans pinned it to (the one int among
    them, from ``pinned_groups``) or None."""
    entries, pinned = [], None
    for member in members:
        if isinstance(member, int):
            pinned = member
        else:
            entries.append(member)
    return entries, pinned


def _column(units, field: str):
    return np.fromiter((getattr(u, field) for u in units), dtype=np.uint64, count=len(units))


def _units_by_bucket(units, by: str):
    """``(bucket, (unit type, hashes, keys, columns))`` per bucket (of their field ``by``) of a
    batch of units: their hashes and keys as numpy and their other fields as columns, which the
    join's coder encodes natively (it pickles a named tuple, about 4x slower; a hash of 2**63 or
    more too)."""
    kind, hashes, keys = type(units[0]), _column(units, HASH), _column(units, KEY)
    wide = kind._fields.index(HASH), kind._fields.index(KEY)
    for bucket, at in key_buckets(hashes if by == HASH else keys, JOIN_BUCKETS):
        columns = list(zip(*(units[i] for i in at.tolist())))
        for i in wide:
            columns[i] = None  # shipped as numpy
        yield bucket, (kind, hashes[at], keys[at], tuple(columns))


def _pin(item, by: str):
    """The units of one bucket, each with ``pinned`` set to its split in the bucket's table when
    its field ``by`` is found there (``np.searchsorted``), rebuilt from ``_units_by_bucket``'s
    columns."""
    _, joined = item
    tables = list(joined[PREVIOUS])
    for kind, hashes, keys, columns in joined[UNITS]:
        columns = list(columns)
        columns[kind._fields.index(HASH)] = hashes.tolist()
        columns[kind._fields.index(KEY)] = keys.tolist()
        if tables:
            found_keys, splits = tables[0]  # one per bucket (LatestAssignments), sorted, not empty
            wanted = hashes if by == HASH else keys
            at = np.minimum(np.searchsorted(found_keys, wanted), len(found_keys) - 1)
            found = (found_keys[at] == wanted).tolist()
            at_pinned = kind._fields.index('pinned')
            columns[at_pinned] = [
                split if hit else pinned
                for hit, split, pinned in zip(found, splits[at].tolist(), columns[at_pinned])
            ]
        yield from map(kind, *columns)
