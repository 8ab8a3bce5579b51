"""Content keys: one per example whatever order its feature map was serialized in."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, map_entries, reordered
from tfx_balance.core.hashing import example_key, example_keys

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
