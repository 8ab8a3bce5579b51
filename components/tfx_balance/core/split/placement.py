"""Where each unit goes: a stratum's counts per split, cut into hash-bucket ranges.

A *stratum* is what a unit counts for: its class (one label per example) or its label set
(``multi_label``). Once the plan gives a stratum's counts per split, its units are ordered by
their seeded hash (ties: by their bytes) and split ``i`` takes ranks ``[start_i, end_i)``:

1. ``cut`` turns the counts and the stratum's bucket histogram into a
   ``ClassSplitPlan``, whose ranking (``tfx_balance.core.ranking``) knows which split
   each whole bucket falls in and which (at most ``#splits - 1``) *boundary buckets* straddle a
   cut;
2. ``PlaceUnits`` sends a unit in a whole bucket straight to its split's output
   (``split_tag(i)``), and a unit in a boundary bucket to ``BOUNDARY_TAG``, keyed by
   ``(stratum, bucket)``;
3. ``rank_boundary`` orders one boundary bucket's units (``rank_units``) and cuts them by rank.

A unit *pinned* by earlier spans' assignments (``assignments.py``: its ``pinned`` is a split
index) goes to that split and is not ranked: ``plan_stratum`` cuts the stratum's *fresh* units
only, at the counts that bring the whole stratum to its rule's (``allocation.fresh_counts``).

Membership is thus a pure function of the seed, the examples' content and the plan: the same on
any runner, input order, sharding, batching or retry. Both label forms use these functions; a
form gives only how a unit is counted (``count``) and, for speed, how a batch becomes units.

Example:
    >>> plan = cut((8, 1, 1), {0: 7, 1: 3}, bucket_bits=1)  # 7 units in bucket 0, 3 in bucket 1
    >>> plan.n, plan.ranking.boundary  # bucket 1 holds ranks 7-9: it straddles the cut at 8
    (10, {1: 7})
    >>> split_tag(2)
    'split2'
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import apache_beam as beam

from tfx_balance.core.errors import DataError
from tfx_balance.core.ranking import BUCKET_BITS, BucketRanking, bucket_of, rank_buckets
from tfx_balance.core.split import allocation
from tfx_balance.core.split.assignments import encode_assignments

BOUNDARY_TAG = 'boundary'  # PlaceUnits' output of units in a boundary bucket, keyed for ranking
COUNTS_TAG = 'counts'  # its output of per-batch count pairs
# its output, when asked, of every unit's (hash, split index): one encode_assignments record
# per batch
ASSIGNMENTS_TAG = 'assignments'


@dataclasses.dataclass(frozen=True)
class ClassSplitPlan:
    """Where one stratum's hash-ordered ranks go: split ``i`` takes the ranks of segment ``i``.

    Attributes:
      n: units (for a class, examples or summed group sizes) of the stratum.
      counts: target count per split, in split order.
      ranking: the stratum's ``BucketRanking``, cut at the first rank of every split after the
        first.
      rule, pinned: with earlier spans' assignments, the whole stratum's rule counts and the
        units pinned in each split (``counts``, ``n`` and ``ranking`` are then the fresh
        units'); None without.
    """

    n: int
    counts: tuple
    ranking: BucketRanking
    rule: tuple | None = None
    pinned: tuple | None = None

    @classmethod
    def from_histogram(
        cls, histogram: Mapping[int, int], weights, bucket_bits: int = BUCKET_BITS
    ) -> ClassSplitPlan:
        """The plan of one class from its bucket histogram (bucket -> units), by the exact rule."""
        return cut(allocation.allocate(sum(histogram.values()), weights), histogram, bucket_bits)


def cut(counts: Sequence[int], histogram: Mapping[int, int], bucket_bits: int) -> ClassSplitPlan:
    """The ``ClassSplitPlan`` of a stratum with ``counts`` per split and ``histogram``
    (bucket -> units)."""
    cuts = allocation.boundaries(counts)[:-1]
    return ClassSplitPlan(sum(counts), tuple(counts), rank_buckets(histogram, cuts, bucket_bits))


def plan_stratum(
    counts: Sequence[int], histogram: Mapping[int, int], bucket_bits: int, pinned=None
) -> ClassSplitPlan:
    """The plan of a stratum whose rule gives ``counts`` per split: ``cut`` of its
    ``histogram`` (bucket -> units) at ``counts``, or, with ``pinned`` (units per split already
    held there by earlier spans; the histogram then holds the fresh units only), at the fresh
    units' ``allocation.fresh_counts``.

    >>> plan = plan_stratum((8, 1, 1), {0: 6}, 16, pinned=(3, 0, 1))
    >>> plan.counts, plan.rule, plan.pinned
    ((5, 1, 0), (8, 1, 1), (3, 0, 1))
    """
    if pinned is None:
        return cut(counts, histogram, bucket_bits)
    fresh = allocation.fresh_counts(counts, pinned, sum(histogram.values()))
    plan = cut(fresh, histogram, bucket_bits)
    return dataclasses.replace(plan, rule=tuple(counts), pinned=tuple(pinned))


def check_not_empty(found: bool) -> None:
    """Raises the ``DataError`` for an input without examples (``found``: the histogram pass
    found one), before any plan is cut (either label form)."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


def split_tag(index: int) -> str:
    """``PlaceUnits``' output tag of split ``index``."""
    return f'split{index}'


class PlaceUnits(beam.DoFn):
    """Sends each unit to its split, or to ranking if it is in a boundary bucket.

    Outputs: the serialized examples of split ``i`` on tag ``split_tag(i)``; boundary units keyed
    by ``(stratum, bucket)`` on ``BOUNDARY_TAG``; per batch, ``[(key, count)]`` pairs of the
    examples it placed on ``COUNTS_TAG`` (the key is the form's ``count``'s). A plan is a
    stratum's ``ClassSplitPlan``, or the index of the one split it goes to whole.

    ``to_units`` turns an input batch into units (the form's: ``exact.ToUnits``,
    ``strata.LabelSetUnits``); ``count(counts, split, label)``
    counts one placed example (``report.py``). Side inputs of ``process``: the plans, then the
    label bin edges when the classes are bins.
    """

    def __init__(self, to_units, bucket_bits: int, num_splits: int, count, assignments=False):
        self._to_units = to_units
        self._bucket_bits = bucket_bits
        self._tags = [split_tag(i) for i in range(num_splits)]
        self._count = count
        self._assignments = assignments  # also output units' (hash, split) on ASSIGNMENTS_TAG

    def process(self, batch, plans, *edges):
        return self.place_units(self._to_units(batch, *edges), plans)

    def place_units(self, units, plans):
        counts, count = {}, self._count
        assigned = [] if self._assignments else None
        for unit in units:
            if unit.pinned is not None:  # earlier spans put it there
                split = unit.pinned
            else:
                plan = plans[unit.stratum]
                if type(plan) is int:
                    split = plan
                else:
                    bucket = bucket_of(unit.hash, self._bucket_bits)
                    if bucket in plan.ranking.boundary:
                        key = (unit.stratum, bucket)
                        yield beam.pvalue.TaggedOutput(BOUNDARY_TAG, (key, unit))
                        continue
                    split = plan.ranking.segment_of_bucket(bucket)
            if assigned is not None:
                assigned.append((unit.hash, split))
            tag = self._tags[split]
            for record, label in unit.examples():
                yield beam.pvalue.TaggedOutput(tag, record)
                count(counts, split, label)
        if counts:
            yield beam.pvalue.TaggedOutput(COUNTS_TAG, list(counts.items()))
        if assigned:
            yield beam.pvalue.TaggedOutput(ASSIGNMENTS_TAG, encode_assignments(assigned))


def rank_units(ranking, bucket: int, units, weight):
    """``(split index, unit)`` of the units of one boundary ``bucket``, ordered by
    ``(hash, serialized examples)`` and cut where ``ranking`` (a ``BucketRanking``) puts their
    ranks; a unit takes ``weight(unit)`` ranks (a group its size when a class's plan counts
    examples, 1 when a stratum's counts units)."""
    rank = ranking.boundary[bucket]
    for unit in sorted(units, key=lambda u: (u.hash, u.records)):
        yield ranking.segment_of_rank(rank), unit
        rank += weight(unit)


def rank_boundary(item, plans, weight):
    """``(split index, record, label)`` of each example of one grouped boundary bucket
    ``((stratum, bucket), units)``, by ``rank_units`` on the stratum's plan in ``plans`` (a
    ``{stratum: ClassSplitPlan}`` mapping); ``weight`` as for ``rank_units``."""
    (stratum, bucket), units = item
    for split, unit in rank_units(plans[stratum].ranking, bucket, units, weight):
        for record, label in unit.examples():
            yield split, record, label


def boundary_assignments(item, plans, weight):
    """``(unit hash, split index)`` of each unit of one grouped boundary bucket, placed as
    ``rank_boundary`` places its examples, as one ``encode_assignments`` record."""
    (stratum, bucket), units = item
    ranked = rank_units(plans[stratum].ranking, bucket, units, weight)
    return [encode_assignments((unit.hash, split) for split, unit in ranked)]


def count_ranked(ranked, count) -> list:
    """The ``[(key, count)]`` pairs of the ranked ``(split, record, label)`` examples, counted
    with the form's ``count`` (they are few: the boundary buckets' units)."""
    counts = {}
    for split, _, label in ranked:
        count(counts, split, label)
    return list(counts.items())
