"""core.ranking: bucket of a hash, and segments / boundary buckets against a brute-force ranking."""

import bisect
import random

import pytest

from tfx_balance.core.ranking import BUCKET_BITS, bucket_of, rank_buckets


def brute_force(histogram, cuts):
    """Ranks every unit one by one: {bucket: set of segments of its ranks}, {bucket: first rank}."""
    segments, first_rank, rank = {}, {}, 0
    for bucket in sorted(histogram):
        first_rank[bucket] = rank
        for _ in range(histogram[bucket]):
            segments.setdefault(bucket, set()).add(bisect.bisect_right(cuts, rank))
            rank += 1
    return segments, first_rank


def check_against_brute_force(histogram, cuts, bucket_bits):
    ranking = rank_buckets(histogram, cuts, bucket_bits)
    segments, first_rank = brute_force(histogram, cuts)
    expected_boundary = {b: first_rank[b] for b, s in segments.items() if len(s) > 1}
    assert ranking.boundary == expected_boundary
    for bucket, found in segments.items():
        if bucket not in expected_boundary:
            assert {ranking.segment_of_bucket(bucket)} == found, (bucket, histogram, cuts)
    n = sum(histogram.values())
    for rank in range(n):
        assert ranking.segment_of_rank(rank) == sum(1 for c in cuts if c <= rank)
    # Each cut is straddled by at most one bucket.
    assert len(ranking.boundary) <= len(set(c for c in cuts if 0 < c < n))


@pytest.mark.parametrize('bucket_bits', [0, 1, 2, 3, 16])
def test_segments_and_boundary_buckets_match_ranking_unit_by_unit(bucket_bits):
    rng = random.Random(bucket_bits)
    for _ in range(300):
        size = 1 << bucket_bits
        buckets = rng.sample(range(size), min(size, rng.randint(1, 12)))
        histogram = {b: rng.randint(1, 6) for b in buckets}
        n = sum(histogram.values())
        cuts = sorted(rng.randint(0, n) for _ in range(rng.randint(0, 4)))
        check_against_brute_force(histogram, cuts, bucket_bits)


def test_one_cut_selects_the_lowest_ranks():
    # The augmenter's case: ranks below `select` are segment 0 (selected), the rest segment 1.
    histogram = {1: 2, 7: 1, 9: 2}  # ranks 0-1, 2, 3-4
    assert rank_buckets(histogram, [3]).boundary == {}
    assert [rank_buckets(histogram, [3]).segment_of_bucket(b) for b in (1, 7, 9)] == [0, 0, 1]
    straddled = rank_buckets(histogram, [4])
    assert straddled.boundary == {9: 3}
    assert [straddled.segment_of_rank(r) for r in (3, 4)] == [0, 1]
    assert [rank_buckets(histogram, [0]).segment_of_bucket(b) for b in (1, 7, 9)] == [1, 1, 1]
    assert [rank_buckets(histogram, [5]).segment_of_bucket(b) for b in (1, 7, 9)] == [0, 0, 0]


def test_repeated_cuts_leave_empty_segments_that_no_bucket_falls_in():
    ranking = rank_buckets({3: 1, 5: 4}, [1, 1, 3])  # segments [0,1) [1,1) [1,3) [3,5)
    assert ranking.segment_of_bucket(3) == 0
    assert ranking.boundary == {5: 1}
    assert [ranking.segment_of_rank(r) for r in range(1, 5)] == [2, 2, 3, 3]


def test_no_cut_puts_everything_in_one_segment_and_empty_histogram_is_empty():
    assert rank_buckets({2: 3, 8: 1}, []).segment_of_bucket(8) == 0
    empty = rank_buckets({}, [0, 0])
    assert empty.boundary == {} and empty.first_buckets == (1 << BUCKET_BITS,) * 2


def test_unsorted_cuts_are_rejected():
    with pytest.raises(ValueError, match='sorted'):
        rank_buckets({0: 3}, [2, 1])


def test_bucket_is_the_top_bits_of_the_64_bit_hash():
    h = 0xABCD_1234_5678_9ABC
    assert bucket_of(h) == 0xABCD
    assert bucket_of(h, 4) == 0xA
    assert bucket_of(h, 0) == 0
    assert bucket_of((1 << 64) - 1) == (1 << BUCKET_BITS) - 1
