"""Where each unit goes: the exact rule's counts per split, cut into hash-bucket ranges.

The rule, for classes of ``n_c`` units (``N`` in all) and splits of weights ``w_s``, as one table
(``allocate_classes``; docs/stratified_splitter.md, "The rule"):

1. class ``c`` puts ``n_c * w_s / sum(w)`` units in split ``s``, rounded down or up;
2. split ``s`` holds ``N * w_s / sum(w)`` units, rounded down or up (both at once: a max flow
   chooses which classes round up where);
3. presence: a class is in the ``min(n_c, #splits)`` heaviest splits (the flow chooses among
   equal ones); a forced unit is taken from the split holding the most (ties: listed earlier).

Its units ordered by seeded hash, split ``i`` takes ranks ``[start_i, end_i)``:
``ClassSplitPlan.of`` cuts the stratum's hash order there (units kept by earlier spans fill
their split first: ``fresh_counts``), ``PlaceUnits`` sends each unit to its split or, in a
bucket straddling a cut, to ``PlaceUnits.rank_boundary``. Both label forms use these.

Example:
    >>> allocate(81, [8, 1, 1]), allocate(2, [8, 1, 1])
    ([65, 8, 8], [1, 1, 0])
    >>> plan = ClassSplitPlan.of((8, 1, 1), {0: 7, 1: 3}, bucket_bits=1)  # buckets of 7 and 3
    >>> plan.n, plan.ranking.boundary  # bucket 1 holds ranks 7-9: it straddles the cut at 8
    (10, {1: 7})
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Mapping, Sequence

import apache_beam as beam

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import BucketRanking, bucket_of

# The split argument checks live below every component area; kept importable from here, their
# 0.1.0 home.
from tfx_balance.core.common.split_names import (  # noqa: F401
    SPLIT_NAME_PATTERN,
    validate_split_list,
    validate_split_name,
    validate_split_weights,
)
from tfx_balance.core.split.assignments import encode_assignments


def allocate(n: int, weights: Sequence[float]) -> list:
    """The rule's counts per split of one class of ``n`` units: ``allocate_classes`` of that class
    alone (its split totals are its own)."""
    return allocate_classes([n], weights)[0]


def allocate_classes(sizes: Sequence[int], weights: Sequence[float], held=None) -> list:
    """The rule's counts per split of every class at once (the module's rule): one row per class
    of ``sizes``, whose order breaks ties (``exact.class_counts``: by size, then content, never by
    the labels' names). ``held``: per class, the units earlier spans keep in each split; a row
    takes them as its counts where its shares allow it (``fresh_counts`` bends the rest).

    >>> allocate_classes([10, 10, 10], [1, 1, 1, 1])  # 30 units in 4 splits: 8, 8, 7, 7
    [[3, 3, 2, 2], [2, 2, 3, 3], [3, 3, 2, 2]]
    """
    if not weights:
        raise ValueError('at least one split weight is required')
    if any(n < 0 for n in sizes):
        raise ValueError(f'class sizes must be >= 0, got {min(sizes)}')
    fractions = [Fraction(w) for w in weights]
    scale = math.lcm(*(f.denominator for f in fractions))
    whole = [int(f * scale) for f in fractions]  # integer weights of the same ratios
    classes = [_bounds(n, whole, None if held is None else held[c]) for c, n in enumerate(sizes)]
    table = _Rounding([row for _, rows in classes for row in rows], len(whole))
    total, denominator = sum(sizes), sum(whole)
    base = [sum(low[s] for low, _ in classes) for s in range(len(whole))]
    floors = [total * w // denominator for w in whole]
    ceilings = [f + (total * w % denominator > 0) for f, w in zip(floors, whole)]
    for bound in (floors, ceilings, [total] * len(whole)):  # the last: what presence forces
        table.fill([max(0, b - used) for b, used in zip(bound, base)])
    return [
        [lo + sum(row.up.get(s, 0) for row in rows) for s, lo in enumerate(low)]
        for low, rows in classes
    ]


class _Row:
    """A row of the rounding: ``ups`` of its ``open`` splits take a ``+ 1``, by preference (the
    order of ``open``: the largest fraction of a share first, then the split listed earlier)."""

    def __init__(self, open_splits: list, ups: int):
        self.open, self.ups = open_splits, ups
        self.up = {s: 0 for s in open_splits}


def _bounds(n: int, whole: Sequence[int], held=None) -> tuple:
    """``(low, rows)`` of a class of ``n`` units over integer weights ``whole``: its counts are
    ``low`` plus its rows' ups (each share's floor, or its ceiling where a row takes the ``+ 1``).
    Presence: the class is in ``min(n, splits)`` splits, the heaviest (among splits of equal
    weight, the rounding chooses: a first row places its ups there); a forced unit is taken from
    the split holding the most (ties: listed earlier). ``held`` lifts a floor to the units kept
    there when the class can take them all."""
    denominator, splits = sum(whole), range(len(whole))
    low = [n * w // denominator for w in whole]
    rest = [n * w % denominator for w in whole]  # a share's fraction, times the denominator
    fixed = [r == 0 for r in rest]
    m = min(n, len(whole))
    edge = sorted(whole, reverse=True)[m - 1] if m else None  # the m-th heaviest weight
    for s in splits:
        if m and whole[s] > edge and low[s] == 0:
            low[s], fixed[s] = 1, True
    tied = [s for s in splits if m and whole[s] == edge]
    need = max(0, m - sum(1 for s in splits if m and whole[s] > edge))
    need = max(0, need - sum(1 for s in tied if low[s]))
    while sum(low) + need > n:
        donor = min(splits, key=lambda s: (-low[s], s))
        low[donor] -= 1
        fixed[donor] = True
    if held is not None:
        lifted = [lo if f else max(lo, min(h, lo + 1)) for lo, f, h in zip(low, fixed, held)]
        still = max(0, need - sum(1 for s in tied if lifted[s] and not low[s]))
        if sum(lifted) + still <= n:
            fixed = [f or h > lo for f, lo, h in zip(fixed, low, held)]
            low, need = lifted, still
    open_splits = sorted((s for s in splits if not fixed[s]), key=lambda s: (-rest[s], s))
    ups = n - sum(low)
    if not need:
        return low, [_Row(open_splits, ups)]
    reserved = [s for s in open_splits if s in tied and not low[s]]
    free = [s for s in open_splits if s not in reserved]
    return low, [_Row(reserved, need), _Row(free, ups - need)]


class _Rounding:
    """The ``+ 1``s of ``allocate_classes``' rows as a flow: each row places its ``ups`` in its
    open splits, a split takes at most its ``caps``; ``fill`` places them greedily by the rows'
    preference, then moves earlier ones along augmenting paths (a max flow: every up that can be
    placed under the caps is)."""

    def __init__(self, rows: list, num_splits: int):
        self.rows = rows
        self.used = [0] * num_splits
        self.holders = [{} for _ in range(num_splits)]  # split -> rows with an up there (ordered)

    def fill(self, caps: list) -> None:
        used = self.used  # the most constrained rows first, each to the emptiest splits
        for c in sorted(range(len(self.rows)), key=lambda c: len(self.rows[c].open)):
            row = self.rows[c]
            if row.ups:
                free = [s for s in row.open if not row.up[s] and used[s] < caps[s]]
                free.sort(key=lambda s: used[s] - caps[s])  # stable: the row's preference next
                for s in free[: row.ups]:
                    self._move(c, None, s)
        progress = True
        while progress:
            progress = False
            for c, row in enumerate(self.rows):
                while row.ups and self._augment(c, caps):
                    progress = True

    def _move(self, c: int, source, target: int) -> None:
        """Row ``c``'s up moves from split ``source`` (None: a new one) to ``target``."""
        row = self.rows[c]
        if source is None:
            row.ups -= 1
        else:
            row.up[source] = 0
            self.used[source] -= 1
            del self.holders[source][c]
        row.up[target] = 1
        self.used[target] += 1
        self.holders[target][c] = None

    def _augment(self, start: int, caps: list) -> bool:
        """Places one more up of row ``start`` along a shortest augmenting path, if any."""
        rows, parent, seen = self.rows, {}, set()
        frontier = [s for s in rows[start].open if not rows[start].up[s]]
        for s in frontier:
            parent[s] = (None, start)
        while frontier:
            following = []
            for s in frontier:
                if self.used[s] < caps[s]:
                    while s is not None:  # back along the path: each row moves its up forward
                        source, c = parent[s]
                        self._move(c, source, s)
                        s = source
                    return True
                for c in list(self.holders[s]):
                    if c in seen:
                        continue
                    seen.add(c)
                    for t in rows[c].open:
                        if not rows[c].up[t] and t not in parent:
                            parent[t] = (s, c)
                            following.append(t)
            frontier = following
        return False


def place_groups(groups: Sequence[tuple], weights: Sequence[float], held=None) -> list:
    """The split of each of ``groups``, ``(size, {class: examples})`` largest first: each goes
    where it brings every class's count and the split's size closest to the rule's table of these
    groups and of the examples ``held`` (``{class: examples per split}``, kept by earlier spans)
    (``allocate_classes``; squared distances, a class's and the size's divided by their totals),
    ties to the smaller split, then the one listed earlier; while as many groups are left as
    splits are empty, a group goes to an empty split (no split is left empty).

    >>> place_groups([(408, {0: 408}), (201, {0: 201}), (198, {0: 198}), (193, {0: 193}),
    ...               (100, {0: 100})], [1, 1, 1, 1, 1])
    [0, 1, 2, 3, 4]
    >>> place_groups([(6, {'a': 6}), (2, {'a': 2}), (2, {'a': 2}), (2, {'a': 2})], [1, 1])
    [0, 1, 1, 1]
    """
    held = held or {}
    totals = {c: sum(row) for c, row in held.items()}
    for _, classes in groups:
        for c, n in classes.items():
            totals[c] = totals.get(c, 0) + n
    order = sorted(totals, key=lambda c: -totals[c])  # tie order is immaterial: targets only
    rows = dict(zip(order, allocate_classes([totals[c] for c in order], weights)))
    target = [sum(row[s] for row in rows.values()) for s in range(len(weights))]
    count = {c: list(held.get(c, [0] * len(weights))) for c in totals}
    size = [sum(row[s] for row in count.values()) for s in range(len(weights))]
    scale = max(1, sum(target))

    def cost(s, m, classes):
        grown = ((size[s] + m - target[s]) ** 2 - (size[s] - target[s]) ** 2) / scale
        for c, n in classes.items():
            x, t = count[c][s], rows[c][s]
            grown += ((x + n - t) ** 2 - (x - t) ** 2) / totals[c]
        return grown

    placed = []
    for left, (m, classes) in zip(range(len(groups), 0, -1), groups):
        empty = [s for s in range(len(weights)) if not size[s] and target[s]]
        choices = empty if empty and left <= len(empty) else range(len(weights))
        s = min(choices, key=lambda s: (cost(s, m, classes), size[s], s))
        size[s] += m
        for c, n in classes.items():
            count[c][s] += n
        placed.append(s)
    return placed


def boundaries(counts: Sequence[int]) -> list:
    """Cumulative end ranks: split ``i`` takes class ranks ``[ends[i-1], ends[i])``."""
    ends, total = [], 0
    for c in counts:
        total += c
        ends.append(total)
    return ends


def fresh_counts(rule: Sequence[int], pinned: Sequence[int], fresh: int) -> list:
    """Counts per split of a stratum's ``fresh`` units when ``pinned[i]`` units are already in
    split ``i`` and ``rule`` is the whole stratum's: each split's deficit ``max(0, rule[i] -
    pinned[i])``, apportioned by ``allocate`` when a split holds more than its rule count.

    >>> fresh_counts([8, 1, 1], [0, 3, 0], 7)  # 2 too many in eval: 7 over deficits (8, 0, 1)
    [6, 0, 1]
    """
    deficits = [max(0, r - p) for r, p in zip(rule, pinned)]
    open_splits = [i for i, d in enumerate(deficits) if d]
    counts = [0] * len(rule)
    if not fresh or not open_splits:
        return counts
    for i, n in zip(open_splits, allocate(fresh, [deficits[i] for i in open_splits])):
        counts[i] = n
    return counts


@dataclasses.dataclass(frozen=True)
class ClassSplitPlan:
    """Where one stratum's hash-ordered ranks go: split ``i`` takes the ranks of segment ``i``.

    ``n`` units, ``counts`` per split, ``ranking`` (a ``BucketRanking`` cut at each split's first
    rank). With earlier spans' assignments, ``rule`` (the whole stratum's counts) and ``pinned``
    (units pinned per split); with groups placed one by one (``place_groups``), ``listed`` (group
    -> split) and ``placed`` (their units per split); ``n``, ``counts`` and ``ranking`` are then
    the other units'."""

    n: int
    counts: tuple
    ranking: BucketRanking
    rule: tuple | None = None
    pinned: tuple | None = None
    listed: Mapping = dataclasses.field(default_factory=dict)
    placed: tuple | None = None

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
        rule = tuple(counts)
        if pinned is None and placed is None:
            cuts = boundaries(counts)[:-1]
            return cls(sum(counts), rule, BucketRanking.of(histogram, cuts, bucket_bits))
        held = [a + b for a, b in zip(pinned or [0] * len(rule), placed or [0] * len(rule))]
        counts = fresh_counts(rule, held, sum(histogram.values()))
        ranking = BucketRanking.of(histogram, boundaries(counts)[:-1], bucket_bits)
        return cls(
            sum(counts),
            tuple(counts),
            ranking,
            rule,
            None if pinned is None else tuple(pinned),
            dict(listed or {}),
            None if placed is None else tuple(placed),
        )


def check_not_empty(found: bool) -> None:
    """Raises the ``DataError`` for an input without examples (``found``: the histogram pass
    found one), before any plan is cut (either label form)."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


class PlaceUnits(beam.DoFn):
    """Sends each unit to its split, or to ranking if it is in a boundary bucket, and counts the
    examples it placed. Outputs: per batch, split ``i``'s records on ``tags[i]``; boundary units
    keyed by ``(stratum, bucket)`` on ``BOUNDARY``; ``[(count key, count)]`` on ``COUNTS``; with
    ``assignments``, ``(key, split)`` records on ``ASSIGNMENTS``. Side inputs: the plans, then
    the bin edges if any."""

    SPLIT_TAG, BOUNDARY, COUNTS, ASSIGNMENTS = 'split{}', 'boundary', 'counts', 'assignments'

    @staticmethod
    def count(counts: dict, split: int, label) -> None:
        """Counts one example of class ``label`` placed in ``split``: key ``(split, label)``."""
        counts[split, label] = counts.get((split, label), 0) + 1

    def __init__(self, to_units, bucket_bits: int, num_splits: int, assignments: bool = False):
        self.to_units = to_units
        self.bucket_bits = bucket_bits
        self.tags = [self.SPLIT_TAG.format(i) for i in range(num_splits)]
        self.assignments = assignments  # also output units' (key, split) on ASSIGNMENTS

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
                    bucket = bucket_of(unit.hash, self.bucket_bits)
                    if bucket in plan.ranking.boundary:
                        key = (unit.stratum, bucket)
                        yield beam.pvalue.TaggedOutput(self.BOUNDARY, (key, unit))
                        continue
                    split = plan.ranking.segment_of_bucket(bucket)
            placed.append((split, unit))
            records.setdefault(split, []).extend(unit.records)
        for split, part in records.items():
            yield beam.pvalue.TaggedOutput(self.tags[split], part)
        counts = self.count_units(placed)
        if counts:
            yield beam.pvalue.TaggedOutput(self.COUNTS, counts)
        if self.assignments and placed:
            yield beam.pvalue.TaggedOutput(self.ASSIGNMENTS, self.assignments_record(placed))

    @classmethod
    def count_units(cls, placed) -> list:
        """The ``[(key, count)]`` pairs of the examples of ``(split, unit)`` pairs (a batch's
        placed units, or a boundary bucket's ranked ones), by ``count``."""
        counts = {}
        for split, unit in placed:
            for _, label in unit.examples():
                cls.count(counts, split, label)
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
