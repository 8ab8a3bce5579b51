"""Content keys: one per example whatever order its feature map was serialized in; the bucket
ranking of seeded hashes against a brute-force ranking."""

import bisect
import random

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, map_entries, reordered
from tfx_balance.core.common.hashing import (
    BUCKET_BITS,
    BucketRanking,
    bucket_of,
    example_key,
    example_keys,
)

RECORDS = [
    example(label=i % 3, x=[float(i), 0.5 * i], name=f'row {i}', tags=list(range(i % 4)))
    for i in range(40)
] + [example(only=7), example()]  # smaller maps: the batch pads them


def reference_key(record: bytes) -> bytes:
    """Independent statement: sum mod 2**64 of the FarmHash64 of each (name, Feature) entry,
    the entries re-serialized from the protobuf-parsed example."""
    entries = map_entries(record)
    prints = tf.bitcast(tf.fingerprint(tf.constant(entries or [b''], tf.string)), tf.uint64)
    total = sum(prints.numpy().tolist()) % 2**64 if entries else 0
    return total.to_bytes(8, 'big')


def test_keys_match_the_reference_and_do_not_depend_on_the_batch():
    keys = example_keys(RECORDS)
    assert keys == [reference_key(r) for r in RECORDS]
    assert len(set(keys)) == len(RECORDS)
    assert [example_key(r) for r in RECORDS[-5:]] == keys[-5:]
    assert example_keys(RECORDS[::-1]) == keys[::-1]


def test_every_serialization_order_of_the_same_features_has_the_same_key():
    rng = np.random.default_rng(0)
    shuffled = [reordered(r, rng) for r in RECORDS]
    assert sum(a != b for a, b in zip(shuffled, RECORDS)) > 30  # the bytes differ
    assert example_keys(shuffled) == example_keys(RECORDS)
    # A changed value, name or type changes the key.
    variants = [example(label=0, x=[0.0, 0.0], name='row 0', tags=[9]),
                example(label=0, x=[0.0, 0.0], name='row 0'),
                example(label=0, x=[0.0, 0.0], nam='row 0', tags=[]),
                example(label=0.0, x=[0.0, 0.0], name='row 0', tags=[])]  # fmt: skip
    assert len(set(example_keys(variants + RECORDS[:1]))) == 5


def test_records_in_pieces_key_as_their_deterministic_serialization():
    a, b = example(x=1, y=2.0), example(z='three')
    merged = example_pb2.Example.FromString(a + b)  # protobuf merges concatenated messages
    canonical = merged.SerializeToString(deterministic=True)
    with_unknown = canonical + b'\x10\x05'  # field 2 (varint 5), unknown to Example
    keys = example_keys([a + b, with_unknown, canonical])
    assert keys == [example_key(canonical)] * 3 == [reference_key(canonical)] * 3


@pytest.mark.parametrize('record', [b'\xff\xff not a proto', b'\n\x05abc'])
def test_a_record_that_is_not_an_example_keys_as_its_bytes(record):
    assert example_keys([RECORDS[0], record, RECORDS[1]]) == [
        example_key(RECORDS[0]),
        record,
        example_key(RECORDS[1]),
    ]


def test_empty_examples_share_one_key():
    assert example_keys([b'', b'\n\x00', example()]) == [bytes(8)] * 3


def test_ignored_features_are_left_out_of_the_key():
    """An example marked by BalancedAugmenter keys as its unmarked self with the provenance
    features ignored, through the batch path and the path of records written in pieces."""
    from tfx_balance.core.balanced_augmenter.provenance import Provenance

    marks = Provenance('is_synthetic', 'source_fingerprint')
    plain = RECORDS[:6]
    marked = [marks.original(r) for r in plain[:3]] + [marks.copy(r, 'ab12') for r in plain[3:]]
    ignore = ('is_synthetic', 'source_fingerprint')
    assert example_keys(marked, ignore_features=ignore) == example_keys(plain)
    assert not set(example_keys(marked)) & set(example_keys(plain))
    in_pieces = plain[0] + example(is_synthetic=1)  # protobuf merges the two messages
    assert example_keys([in_pieces], ignore) == [example_key(plain[0])]
    assert example_keys(plain, ignore_features=['other']) == example_keys(plain)


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
    ranking = BucketRanking.of(histogram, cuts, bucket_bits)
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
    assert BucketRanking.of(histogram, [3]).boundary == {}
    assert [BucketRanking.of(histogram, [3]).segment_of_bucket(b) for b in (1, 7, 9)] == [0, 0, 1]
    straddled = BucketRanking.of(histogram, [4])
    assert straddled.boundary == {9: 3}
    assert [straddled.segment_of_rank(r) for r in (3, 4)] == [0, 1]
    assert [BucketRanking.of(histogram, [0]).segment_of_bucket(b) for b in (1, 7, 9)] == [1, 1, 1]
    assert [BucketRanking.of(histogram, [5]).segment_of_bucket(b) for b in (1, 7, 9)] == [0, 0, 0]


def test_repeated_cuts_leave_empty_segments_that_no_bucket_falls_in():
    ranking = BucketRanking.of({3: 1, 5: 4}, [1, 1, 3])  # segments [0,1) [1,1) [1,3) [3,5)
    assert ranking.segment_of_bucket(3) == 0
    assert ranking.boundary == {5: 1}
    assert [ranking.segment_of_rank(r) for r in range(1, 5)] == [2, 2, 3, 3]


def test_no_cut_puts_everything_in_one_segment_and_empty_histogram_is_empty():
    assert BucketRanking.of({2: 3, 8: 1}, []).segment_of_bucket(8) == 0
    empty = BucketRanking.of({}, [0, 0])
    assert empty.boundary == {} and empty.first_buckets == (1 << BUCKET_BITS,) * 2


def test_unsorted_cuts_are_rejected():
    with pytest.raises(ValueError, match='sorted'):
        BucketRanking.of({0: 3}, [2, 1])


def test_bucket_is_the_top_bits_of_the_64_bit_hash():
    h = 0xABCD_1234_5678_9ABC
    assert bucket_of(h) == 0xABCD
    assert bucket_of(h, 4) == 0xA
    assert bucket_of(h, 0) == 0
    assert bucket_of((1 << 64) - 1) == (1 << BUCKET_BITS) - 1


def test_ignored_features_key_as_the_example_without_them():
    # labels.unlabelled_keys: leaving 'label' out equals keying the example without it, beside a
    # feature whose name extends it and one whose name is longer than 127 bytes (a 2-byte
    # varint length in the entry).
    long_name = 'n' * 200
    records, without = [], []
    for i in range(20):
        features = {'label': i % 3, 'labels': [1, 2], 'x': float(i), long_name: b'v%d' % i}
        records.append(example(**features))
        del features['label']
        without.append(example(**features))
    assert example_keys(records, ignore_features=('label',)) == example_keys(without)
    keyed = example_keys(records, ignore_features=(long_name, 'labels'))
    bare = []
    for record in records:
        ex = example_pb2.Example.FromString(record)
        del ex.features.feature[long_name]
        del ex.features.feature['labels']
        bare.append(ex.SerializeToString())
    assert keyed == example_keys(bare)
