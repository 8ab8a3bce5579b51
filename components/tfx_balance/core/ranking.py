"""Exact rank selection by seeded hash, while streaming: the bucket histogram ranking.

StratifiedSplitter and BalancedAugmenter both order a class's units (examples, or groups) by a
64-bit seeded hash (ties: by bytes) and cut that order at given ranks: the splitter at each split's
first rank, the augmenter at ``select`` (the lowest-ranked originals it keeps or copies once more).
Neither sorts a class. Instead:

1. A unit's **bucket** is the top ``bucket_bits`` bits of its hash (``bucket_of``); buckets
   are ordered as hashes are, so the units of a lower bucket all rank before those of a higher one.
2. From a class's **histogram** (bucket -> units in it, counted in one pass), ``rank_buckets``
   finds, for sorted **cut points** ``c_1 <= ... <= c_k``, the **segment** each bucket falls in
   (segment ``i`` holds ranks ``[c_i, c_{i+1})``, with ``c_0 = 0`` and ``c_{k+1} = n``), and the
   **boundary buckets** that straddle a cut (``lo < c < hi`` for the bucket's ranks ``[lo, hi)``),
   with the rank of their first unit.
3. A unit in a whole bucket goes straight to that bucket's segment
   (``BucketRanking.segment_of_bucket``); the units of a boundary bucket (at most ``k`` per
   class, about ``n / 2**bucket_bits`` units each) are grouped, sorted and counted on from the
   bucket's first rank (``BucketRanking.segment_of_rank``).

Example: three buckets holding 2, 1 and 2 units (ranks 0-1, 2 and 3-4), cut at ranks 1 and 3:
    >>> r = rank_buckets({4: 2, 7: 1, 9: 2}, cuts=[1, 3])
    >>> r.boundary  # bucket 4 straddles cut 1; bucket 9 starts at cut 3 (not straddled)
    {4: 0}
    >>> r.segment_of_bucket(7), r.segment_of_bucket(9)
    (1, 2)
    >>> [r.segment_of_rank(rank) for rank in (0, 1)]  # bucket 4's members, by rank
    [0, 1]
    >>> bucket_of(0xFFFF_0000_0000_0000), bucket_of(0xFFFF_0000_0000_0000, bucket_bits=2)
    (65535, 3)
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Mapping, Sequence

BUCKET_BITS = 16  # 65,536 buckets: a histogram holds at most min(n, 65536) integers per class


def bucket_of(hash64: int, bucket_bits: int = BUCKET_BITS) -> int:
    """The bucket of a 64-bit hash: its top ``bucket_bits`` bits."""
    return hash64 >> (64 - bucket_bits)


@dataclasses.dataclass(frozen=True)
class BucketRanking:
    """Where one class's hash-ordered ranks fall, bucket by bucket (see module docstring).

    Attributes:
      cuts: the sorted rank cut points; segment ``i`` holds ranks ``[cuts[i-1], cuts[i])``.
      first_buckets: per cut, the first bucket whose first rank is ``>=`` the cut (or
        ``2**bucket_bits`` when there is none).
      boundary: bucket -> rank of its first unit, for the buckets straddling a cut.
    """

    cuts: tuple
    first_buckets: tuple
    boundary: Mapping[int, int]

    def segment_of_bucket(self, bucket: int) -> int:
        """Segment of every unit of a bucket that is not a boundary bucket."""
        return bisect.bisect_right(self.first_buckets, bucket)

    def segment_of_rank(self, rank: int) -> int:
        """Segment of the unit at ``rank`` (``0 <= rank < n``)."""
        return bisect.bisect_right(self.cuts, rank)


def rank_buckets(
    histogram: Mapping[int, int], cuts: Sequence[int], bucket_bits: int = BUCKET_BITS
) -> BucketRanking:
    """The ``BucketRanking`` of a class from its histogram (bucket -> units) and sorted cuts.

    Cuts may repeat (an empty segment) and may be ``0`` or ``n`` (nothing straddles them).
    """
    cuts = tuple(int(c) for c in cuts)
    if any(a > b for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f'cuts must be sorted in increasing order, got {list(cuts)}')
    first_buckets = [1 << bucket_bits] * len(cuts)
    boundary = {}
    found = 0  # cuts whose first bucket is known: they are <= the current bucket's first rank
    lo = 0
    for bucket in sorted(histogram):
        while found < len(cuts) and cuts[found] <= lo:
            first_buckets[found] = bucket
            found += 1
        if found == len(cuts):  # every cut lies at or before this bucket: nothing straddles
            break
        hi = lo + histogram[bucket]
        if cuts[found] < hi:  # the next cut lies strictly inside [lo, hi)
            boundary[bucket] = lo
        lo = hi
    return BucketRanking(cuts, tuple(first_buckets), boundary)
