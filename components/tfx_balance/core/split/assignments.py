"""Splits that never change across spans: earlier spans' assignments, written and read back.

A split of one span is a pure function of the seed and the data. Over several spans that is not
enough: a user (``group_feature``) or a duplicate example seen in span 1 comes back in span 2,
where its class has other members and other counts, so the exact per-class cut can put it in
another split. A stateless hash cut cannot be both exact and stable across spans, so the splitter
keeps state, as data:

- **Written.** Every run writes its span's *assignments*: per unit (a group, or an example) its
  seeded 64-bit hash (the key ``units.py`` orders it by: of the group id, or of the example's
  content key) and its split index, ``RECORD``-packed (10 bytes), the entries of one input
  batch in one record of gzipped TFRecords (``encode_assignments``: one element per batch, not
  per unit, through the pipeline and the writer), with a ``header`` (seed, split names, group
  feature) beside them. One span's units only, so a
  window of the last N spans bounds what is read back.
- **Read back.** ``previous`` is a window of such artifacts (a Resolver's). ``LatestAssignments``
  keeps one split per key: the latest span's (then the least split index), by a combine.
- **Pinned.** ``PinUnits`` joins the units with it by key (``CoGroupByKey``, never a table in
  the driver): a unit found there is *pinned* to its earlier split; the rest are *fresh* and
  placed by the exact machinery at counts that bring each stratum (class, bin or label set,
  counted from this span's data) as close to the rule as the pinned units allow
  (``allocation.fresh_counts``; exact when no split holds more pinned units than its rule
  count). ``report.pinning_report`` says per class how many were pinned and by how much a
  split's count differs from the rule's.

Membership stays a pure function of the seed, the data and the earlier assignments: the same on
any runner, input order, sharding or retry. A recurring group whose class changed stays in its
split and counts for its new class. Keys are 64-bit hashes: two different units share one with
probability about ``units**2 / 2**65`` (1e-8 at 600k units).

Example:
    >>> decode_assignments(encode_assignments([(2**64 - 1, 2), (7, 0)]))
    [(18446744073709551615, 2), (7, 0)]
    >>> latest([((3, 0), 1), ((5, 0), 0), ((5, 0), 2)])  # span 5 wins; then the least split
    ((5, 0), 0)
"""

from __future__ import annotations

import struct

import apache_beam as beam

from tfx_balance.core.errors import ConfigError

RECORD = struct.Struct('>QH')  # unit key (64-bit seeded hash), split index
FORMAT = 1  # the header's 'format': the version of RECORD and of the header's fields
UNITS, PREVIOUS = 'units', 'previous'  # PinUnits' join tags


def encode_assignments(pairs) -> bytes:
    """``(unit key, split index)`` pairs as one record (``RECORD`` each, concatenated)."""
    pack = RECORD.pack
    return b''.join(pack(key, split) for key, split in pairs)


def decode_assignments(record: bytes) -> list:
    """The ``(unit key, split index)`` pairs of a record."""
    return list(RECORD.iter_unpack(record))


def header(config) -> dict:
    """What a run's assignments mean (written beside them, checked by ``check_header`` before
    they are read back): the seed and unit kind give the keys, the split names the indexes."""
    return {
        'format': FORMAT,
        'seed': config.seed,
        'splits': list(config.splits),
        'group_feature': config.group_feature,
    }


def check_header(found: dict, config, where: str) -> None:
    """Raises ``ConfigError`` when the assignments of ``where`` (e.g. ``'span 3'``) were written
    by a split other than ``config``'s: another seed or group feature (other keys) or other
    split names (other indexes)."""
    expected = header(config)
    differ = [
        f'{name} {found.get(name)!r} (this run: {expected[name]!r})'
        for name in ('format', 'seed', 'group_feature', 'splits')
        if found.get(name) != expected[name]
    ]
    if differ:
        raise ConfigError(
            f'previous_assignments of {where} were written by another split: '
            f'{"; ".join(differ)}. Units keep their split across spans only for the same seed, '
            'group_feature and splits: split with the arguments of the earlier spans, or leave '
            'previous_assignments unset (or narrow its Resolver window to spans written with '
            'these arguments) to start afresh.'
        )


def latest(values) -> tuple:
    """Of one key's ``(order, split)`` values, the one of the latest ``order`` (e.g.
    ``(span, version)``), then of the least split index (associative: a combine)."""
    return max(values, key=lambda v: (v[0], -v[1]))


@beam.ptransform_fn
def LatestAssignments(pairs):  # noqa: N802
    """``(key, (order, split))`` of a window of assignments -> ``(key, split)``, one per key
    (``latest``)."""
    return (
        pairs
        | 'LatestPerKey' >> beam.CombinePerKey(latest)
        | 'SplitOfKey' >> beam.MapTuple(lambda key, value: (key, value[1]))
    )


@beam.ptransform_fn
def ReadAssignments(pipeline, sources):  # noqa: N802
    """``(key, split)``, one per key, of ``sources``: ``[(order, file pattern)]``, one per
    earlier span (its assignments' gzipped TFRecords; ``order``, e.g. ``(span, version)``,
    decides which span wins when two disagree)."""
    parts = [
        pipeline
        | f'ReadAssignments[{i}]' >> beam.io.ReadFromTFRecord(pattern)
        | f'DecodeAssignments[{i}]' >> beam.FlatMap(_ordered, order)
        for i, (order, pattern) in enumerate(sources)
    ]
    return parts | 'AllAssignments' >> beam.Flatten() | 'Latest' >> LatestAssignments()


def _ordered(record: bytes, order) -> list:
    return [(key, (order, split)) for key, split in decode_assignments(record)]


@beam.ptransform_fn
def PinUnits(units, previous):  # noqa: N802
    """``units`` (examples or groups), each with ``pinned`` set to its split in ``previous``
    (``(key, split)``, one per key) when its hash is found there."""
    keyed = units | 'KeyByHash' >> beam.Map(lambda unit: (unit.hash, unit))
    return (
        {UNITS: keyed, PREVIOUS: previous}
        | 'JoinPrevious' >> beam.CoGroupByKey()
        | 'PinUnit' >> beam.FlatMap(_pin)
    )


def _pin(item):
    _, joined = item
    before = list(joined[PREVIOUS])
    if not before:
        yield from joined[UNITS]
        return
    split = min(before)  # one per key after LatestAssignments
    for unit in joined[UNITS]:
        yield unit._replace(pinned=split)
