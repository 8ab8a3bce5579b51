"""Exact rank selection by seeded hash, while streaming: the bucket histogram ranking.

StratifiedSplitter and BalancedAugmenter cut a class's hash-ordered units at given ranks
without sorting the class:

1. A unit's bucket is the top ``bucket_bits`` bits of its hash (``bucket_of``).
2. From the class's histogram (bucket -> units), ``rank_buckets`` finds the segment of each
   whole bucket, and the boundary buckets that straddle a cut, with their first rank.
3. A unit of a whole bucket goes to its bucket's segment; the few units of a boundary bucket
   are sorted and counted on from the bucket's first rank.

Example: three buckets holding 2, 1 and 2 units (ranks 0-1, 2 and 3-4), cut at ranks 1 and 3:
    >>> r = rank_buckets({4: 2, 7: 1, 9: 2}, cuts=[1, 3])
    >>> r.boundary  # bucket 4 straddles cut 1; bucket 9 starts at cut 3 (not straddled)
    {4: 0}
    >>> r.segment_of_bucket(7), r.segment_of_bucket(9)
    (1, 2)
    >>> [r.segment_of_rank(rank) for rank in (0, 1)]  # bucket 4's members, by rank
    [0, 1]
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
    """Where one class's hash-ordered ranks fall: the sorted ``cuts``, per cut the first bucket at
    or after it (``first_buckets``), and the first rank of each bucket straddling a cut
    (``boundary``).
    """

    cuts: tuple
    first_buckets: tuple
    boundary: Mapping[int, int]

    def segment_of_bucket(self, bucket: int) -> int:
        """Segment of every unit of a bucket that is not a boundary bucket."""
        return bisect.bisect_right(self.first_buckets, bucket)

    def segment_of_rank(self, rank: int) -> int:
        """Segment of the unit at ``rank``."""
        return bisect.bisect_right(self.cuts, rank)


def rank_buckets(
    histogram: Mapping[int, int], cuts: Sequence[int], bucket_bits: int = BUCKET_BITS
) -> BucketRanking:
    """The ``BucketRanking`` of a class from its histogram and sorted cuts (repeats allowed)."""
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
