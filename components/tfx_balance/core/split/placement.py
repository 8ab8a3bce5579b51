"""Where each unit goes, for both label forms: a stratum's units in seeded hash order, split
``i`` takes ranks ``[start_i, end_i)`` of its rule counts (``allocation.py``).

``ClassSplitPlan.of`` cuts the stratum's hash-bucket histogram there; ``PlaceUnits`` sends each
unit to its split or, in a bucket straddling a cut, to ``PlaceUnits.rank_boundary``. Few or
large groups are placed one by one (``place_groups``).

Example:
    >>> plan = ClassSplitPlan.of((8, 1, 1), {0: 7, 1: 3}, bucket_bits=1)  # buckets of 7 and 3
    >>> plan.n, plan.ranking.boundary  # bucket 1 holds ranks 7-9: it straddles the cut at 8
    (10, {1: 7})
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Mapping, NamedTuple, Sequence

import apache_beam as beam

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import BUCKET_BITS, BucketRanking, bucket_of
from tfx_balance.core.split.allocation import allocate_classes, fresh_counts
from tfx_balance.core.split.assignments import encode_assignments
from tfx_balance.core.split.stratify_features import plain


class Group(NamedTuple):
    """A group to place whole: its ``size`` (examples) and ``classes`` (``{class: examples}``)."""

    size: int
    classes: Mapping


def place_groups(groups: Sequence[Group], weights: Sequence[float], held=None) -> list:
    """The split of each of ``groups`` (largest first): the one whose class counts and size
    come closest (squared, over their totals) to ``allocate_classes`` of these groups and the
    examples ``held`` (``{class: examples per split}``); ties: the smaller split, then the
    earlier. While as many groups are left as splits are empty, one goes to an empty split.

    >>> place_groups([Group(408, {0: 408}), Group(201, {0: 201}), Group(198, {0: 198}),
    ...               Group(193, {0: 193}), Group(100, {0: 100})], [1, 1, 1, 1, 1])
    [0, 1, 2, 3, 4]
    >>> place_groups([Group(6, {'a': 6}), Group(2, {'a': 2}), Group(2, {'a': 2}),
    ...               Group(2, {'a': 2})], [1, 1])
    [0, 1, 1, 1]
    """
    held = held or {}
    splits = range(len(weights))
    totals = {c: sum(row) for c, row in held.items()}
    for group in groups:
        for c, n in group.classes.items():
            totals[c] = totals.get(c, 0) + n
    order = sorted(totals, key=lambda c: -totals[c])  # tie order is immaterial: targets only
    target = dict(zip(order, allocate_classes([totals[c] for c in order], weights)))
    target_size = [sum(row[s] for row in target.values()) for s in splits]
    count = {c: list(held.get(c, [0] * len(weights))) for c in totals}
    size = [sum(row[s] for row in count.values()) for s in splits]
    scale = max(1, sum(target_size))

    def cost(s: int, group: Group) -> float:
        """How much farther from the targets split ``s`` gets with ``group``."""
        d = size[s] - target_size[s]
        grown = ((d + group.size) ** 2 - d**2) / scale
        for c, n in group.classes.items():
            d = count[c][s] - target[c][s]
            grown += ((d + n) ** 2 - d**2) / totals[c]
        return grown

    placed = []
    for left, group in zip(range(len(groups), 0, -1), groups):
        empty = [s for s in splits if not size[s] and target_size[s]]
        choices = empty if empty and left <= len(empty) else splits
        s = min(choices, key=lambda s: (cost(s, group), size[s], s))
        size[s] += group.size
        for c, n in group.classes.items():
            count[c][s] += n
        placed.append(s)
    return placed


def boundaries(counts: Sequence[int]) -> list:
    """Cumulative end ranks: split ``i`` takes ranks ``[ends[i-1], ends[i])``."""
    return list(itertools.accumulate(counts))


@dataclasses.dataclass(frozen=True)
class ClassSplitPlan:
    """Where one stratum's hash-ordered ranks go: split ``i`` takes the ranks of segment ``i``.

    ``n`` units, ``counts`` per split, ``ranking`` (a ``BucketRanking`` cut at each split's first
    rank) of a histogram of ``bucket_bits`` (a unit's bucket: ``bucket_of(hash, bucket_bits)``).
    With earlier spans' assignments, ``rule`` (the whole stratum's counts) and ``pinned`` (units
    pinned per split); with groups placed one by one (``place_groups``), ``listed`` (group ->
    split) and ``placed`` (their units per split); ``n``, ``counts`` and ``ranking`` are then the
    other units'."""

    n: int
    counts: tuple
    ranking: BucketRanking
    rule: tuple | None = None
    pinned: tuple | None = None
    listed: Mapping = dataclasses.field(default_factory=dict)
    placed: tuple | None = None
    bucket_bits: int = BUCKET_BITS

    @classmethod
    def of(
        cls,
        counts: Sequence[int],
        histogram: Mapping[int, int],
        bucket_bits: int,
        pinned=None,
        listed: Mapping | None = None,
        placed=None,
    ) -> ClassSplitPlan:
        """The plan of a stratum whose rule gives ``counts``, from its ``histogram`` (bucket ->
        units). With ``pinned`` (units per split kept by earlier spans) or ``placed`` (units per
        split of the ``listed`` groups), which the histogram does not hold, the cut is at
        ``fresh_counts``.

        >>> plan = ClassSplitPlan.of((8, 1, 1), {0: 6}, 16, pinned=(3, 0, 1))
        >>> plan.counts, plan.rule, plan.pinned
        ((5, 1, 0), (8, 1, 1), (3, 0, 1))"""
        rule, fresh = tuple(counts), pinned is not None or placed is not None
        if fresh:
            zeros = [0] * len(rule)
            held = [a + b for a, b in zip(pinned or zeros, placed or zeros)]
            counts = fresh_counts(rule, held, sum(histogram.values()))
        ranking = BucketRanking.of(histogram, boundaries(counts)[:-1], bucket_bits)
        if not fresh:
            return cls(sum(counts), rule, ranking, bucket_bits=bucket_bits)
        pinned, placed = (None if v is None else tuple(v) for v in (pinned, placed))
        listed = dict(listed or {})
        return cls(sum(counts), tuple(counts), ranking, rule, pinned, listed, placed, bucket_bits)


def check_not_empty(found: bool) -> None:
    """Raises the ``DataError`` of an input without examples, before any plan is cut."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


class PlaceUnits(beam.DoFn):
    """Sends each unit to its split, or to ranking if it is in a boundary bucket, and counts the
    examples it placed. Outputs: per batch, split ``i``'s records on ``tags[i]``; boundary units
    keyed by ``(stratum, bucket)`` on ``BOUNDARY``; once per bundle, at its end, ``[(count key,
    count)]`` on ``COUNTS`` (a table of strata by splits per batch would be held between the
    stages); with ``assignments``, ``(key, split)`` records on ``ASSIGNMENTS``. Side inputs: the
    plans (each with its histogram's ``bucket_bits``), then the bin edges if any."""

    SPLIT_TAG, BOUNDARY, COUNTS, ASSIGNMENTS = 'split{}', 'boundary', 'counts', 'assignments'

    @staticmethod
    def count(counts: dict, split: int, label) -> None:
        """Counts one example of class ``label`` placed in ``split``: key ``(split, label)``."""
        counts[split, label] = counts.get((split, label), 0) + 1

    def __init__(self, to_units, num_splits: int, assignments: bool = False):
        self.to_units = to_units
        self.tags = [self.SPLIT_TAG.format(i) for i in range(num_splits)]
        self.assignments = assignments  # also output units' (key, split) on ASSIGNMENTS
        self.counted = {}  # count key -> examples placed in this bundle (``count``)

    def start_bundle(self):
        self.counted = {}

    def finish_bundle(self):
        counted, self.counted = self.counted, {}
        if counted:
            value = beam.transforms.window.GlobalWindows.windowed_value(list(counted.items()))
            yield beam.pvalue.TaggedOutput(self.COUNTS, value)

    def process(self, batch, plans, *edges):
        return self.place_units(self.to_units(batch, *edges), plans)

    def place_units(self, units, plans):
        placed, records = [], {}
        for unit in units:
            if unit.pinned is not None:  # earlier spans put it there
                split = unit.pinned
            else:
                plan = plans[unit.stratum]
                if type(plan) is int:
                    split = plan
                elif unit.group in plan.listed:  # a large group, placed by the plan
                    split = plan.listed[unit.group]
                else:
                    bucket = bucket_of(unit.hash, plan.bucket_bits)
                    if bucket in plan.ranking.boundary:
                        key = (plain(unit.stratum), bucket)
                        yield beam.pvalue.TaggedOutput(self.BOUNDARY, (key, unit))
                        continue
                    split = plan.ranking.segment_of_bucket(bucket)
            placed.append((split, unit))
            records.setdefault(split, []).extend(unit.records)
        for split, part in records.items():
            yield beam.pvalue.TaggedOutput(self.tags[split], part)
        self.tally(self.counted, placed)
        if self.assignments and placed:
            yield beam.pvalue.TaggedOutput(self.ASSIGNMENTS, self.assignments_record(placed))

    @classmethod
    def tally(cls, counts: dict, placed) -> None:
        """Counts the examples of ``(split, unit)`` pairs (placed units, or a boundary bucket's
        ranked ones) into ``counts``, by ``count``."""
        for split, unit in placed:
            for _, label in unit.examples():
                cls.count(counts, split, label)

    @classmethod
    def count_units(cls, placed) -> list:
        """The ``[(key, count)]`` pairs of the examples of ``(split, unit)`` pairs (``tally``)."""
        counts = {}
        cls.tally(counts, placed)
        return list(counts.items())

    @staticmethod
    def assignments_record(placed) -> bytes:
        """``(split, unit)`` pairs (a batch's placed units, or a boundary bucket's ranked ones)
        as one assignments record of their ``(key, split)`` (``assignments.encode_assignments``;
        a unit's key: an example's hash, a group's ``groups.group_key``)."""
        return encode_assignments((unit.key, split) for split, unit in placed)

    @staticmethod
    def rank_boundary(item, plans) -> list:
        """``(split index, unit)`` of one grouped boundary bucket ``((stratum, bucket), units)``:
        ordered by ``(hash, records)`` from the bucket's first rank, each placed by the rank of its
        middle example (a unit takes ``unit.ranks`` ranks: most of a group is in its split)."""
        (stratum, bucket), units = item
        ranking = plans[stratum].ranking
        rank, ranked = ranking.boundary[bucket], []
        for unit in sorted(units, key=lambda u: (u.hash, u.records)):
            ranked.append((ranking.segment_of_rank(rank + (unit.ranks - 1) // 2), unit))
            rank += unit.ranks
        return ranked
