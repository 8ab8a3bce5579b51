r"""Seeded hashes: an example's content key, its seeded hash, and the order they rank it in.

Every random choice in tfx-balance is a pure function of ``(seed, example fingerprint, index)``,
never of Beam's element order, bundles or retries. An example is identified by its content key, the
same for every serialization of its features (docs/stratified_splitter.md).

The splitter and the augmenter cut a class's hash-ordered units at given ranks without sorting
it: a unit's bucket is the top ``bucket_bits`` bits of its hash (``bucket_of``); from the class's
histogram (bucket -> units), ``BucketRanking.of`` finds each whole bucket's segment and the boundary
buckets that straddle a cut, whose few units are sorted and counted from the bucket's first rank.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> a, b = example_pb2.Example(), example_pb2.Example()
    >>> a.features.feature['a'].int64_list.value.append(1)
    >>> b.features.feature['b'].float_list.value.append(0.5)
    >>> entry = lambda ex: ex.SerializeToString()[2:]  # a one-feature example's map entry
    >>> example = lambda body: b'\n' + bytes([len(body)]) + body  # an Example of these entries
    >>> a_then_b, b_then_a = example(entry(a) + entry(b)), example(entry(b) + entry(a))
    >>> a_then_b == b_then_a  # the same example, written in two orders
    False
    >>> example_keys([a_then_b, b_then_a]) == [example_key(b_then_a)] * 2
    True
    >>> r = BucketRanking.of({4: 2, 7: 1, 9: 2}, cuts=[1, 3])  # ranks 0-1, 2 and 3-4, cut at 1 and 3
    >>> r.boundary, r.segment_of_bucket(7), r.segment_of_bucket(9)  # bucket 4 straddles cut 1
    ({4: 0}, 1, 2)
"""

from __future__ import annotations

import atexit
import bisect
import dataclasses
import functools
import gc
import hashlib
import struct
from typing import List, Mapping, Sequence

import numpy as np

_SEED_STRUCT = struct.Struct('>q')


@functools.lru_cache(maxsize=64)
def _seed_bytes(seed: int) -> bytes:
    return _SEED_STRUCT.pack(int(seed))


def seeded_hash(seed: int, data: bytes) -> int:
    """A 64-bit unsigned hash of ``data`` that changes with ``seed``."""
    digest = hashlib.blake2b(data, digest_size=8, key=_seed_bytes(seed)).digest()
    return int.from_bytes(digest, 'big')


def seeded_hashes(seed: int, items: Sequence[bytes]) -> List[int]:
    """``seeded_hash`` of each of ``items``, in one call."""
    key, blake2b, from_bytes = _seed_bytes(seed), hashlib.blake2b, int.from_bytes
    return [from_bytes(blake2b(d, digest_size=8, key=key).digest(), 'big') for d in items]


def key_buckets(keys: np.ndarray, num_buckets: int):
    """``(bucket, indexes)`` per bucket (``key % num_buckets``) of uint64 ``keys``, buckets
    ascending.

    Example:
        >>> [(b, at.tolist()) for b, at in key_buckets(np.array([5, 2, 7, 4], np.uint64), 2)]
        [(0, [1, 3]), (1, [0, 2])]
    """
    buckets = keys % np.uint64(num_buckets)
    order = np.argsort(buckets, kind='stable')
    found, starts = np.unique(buckets[order], return_index=True)
    return list(zip(found.tolist(), np.split(order, starts[1:])))


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

    @classmethod
    def of(
        cls, histogram: Mapping[int, int], cuts: Sequence[int], bucket_bits: int = BUCKET_BITS
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
        return cls(cuts, tuple(first_buckets), boundary)


def fingerprint(record: bytes) -> str:
    """A stable, seed-independent hex fingerprint (16 chars) of a serialized record."""
    return hashlib.blake2b(record, digest_size=8).hexdigest()


def example_rng(seed: int, fingerprint: str, index: int = 0) -> np.random.Generator:
    """A numpy Generator seeded from ``(seed, fingerprint, index)`` only."""
    key = f'{int(seed)}:{fingerprint}:{int(index)}'.encode()
    words = np.frombuffer(hashlib.blake2b(key, digest_size=16).digest(), dtype='<u4')
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words.tolist())))


def example_keys(records: Sequence[bytes], ignore_features: Sequence[str] = ()) -> List[bytes]:
    """The content key (8 bytes) of each serialized ``tf.train.Example`` in ``records``.

    The sum modulo 2**64 of ``tf.fingerprint`` of the example's serialized feature map entries, so
    independent of their order. A record that is not a plain ``tf.train.Example`` keys as its
    deterministic serialization, or its bytes. ``ignore_features`` are left out of the key.
    """
    return content_keys(records, ignore_features)[0]


def content_keys(records: Sequence[bytes], ignore_features: Sequence[str] = ()) -> tuple:
    """``(without, whole)``: the ``example_keys`` of ``records`` without ``ignore_features`` and
    with every feature, from one decoding."""
    import tensorflow as tf

    if not len(records):
        return [], []
    ignore = tuple(sorted(set(ignore_features)))
    try:
        sums, whole, simple = _fingerprint_sums_fn(ignore)(tf.constant(records, tf.string))
    except tf.errors.OpError:  # some record does not decode: key them one by one
        if len(records) == 1:
            return [_merged_key(records[0], ignore)], [_merged_key(records[0])]
        keyed = [content_keys([record], ignore) for record in records]
        return [without[0] for without, _ in keyed], [whole[0] for _, whole in keyed]
    pack = _KEY_STRUCT.pack
    keys = [pack(s) for s in sums.numpy().tolist()]
    wholes = keys if not ignore else [pack(s) for s in whole.numpy().tolist()]
    for i in np.flatnonzero(~simple.numpy()).tolist():
        keys[i] = _merged_key(records[i], ignore)
        if ignore:
            wholes[i] = _merged_key(records[i])
    return keys, wholes


def example_key(record: bytes) -> bytes:
    """The content key of one serialized example (``example_keys`` on a batch)."""
    return example_keys([record])[0]


_KEY_STRUCT = struct.Struct('>Q')


def _merged_key(record: bytes, ignore: tuple = ()) -> bytes:
    """The key of a record ``example_keys`` cannot read in one piece (see there)."""
    import tensorflow as tf
    from google.protobuf.message import DecodeError
    from tensorflow.core.example import example_pb2

    try:
        example = example_pb2.Example.FromString(record)
        for name in ignore:
            if name in example.features.feature:
                del example.features.feature[name]
        canonical = example.SerializeToString(deterministic=True)
        sums, _, _ = _fingerprint_sums_fn(ignore)(tf.constant([canonical], tf.string))
    except (DecodeError, tf.errors.OpError):
        return bytes(record)
    return _KEY_STRUCT.pack(sums.numpy().tolist()[0])


def _release_sums_fn() -> None:
    """Drops the cached ``tf.function`` at exit while TensorFlow is intact (no ``__del__`` error)."""
    _fingerprint_sums_fn.cache_clear()
    gc.collect()


@functools.lru_cache(maxsize=4)
def _fingerprint_sums_fn(ignore: tuple = ()):
    import tensorflow as tf

    from tfx_balance.core.common.wire import (
        feature_key,  # imports TensorFlow, as this function does
    )

    atexit.register(_release_sums_fn)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def sums(records):
        _, (features,) = tf.io.decode_proto(
            records, 'tensorflow.Example', ['features'], [tf.string]
        )
        # The (last) 'features' field of each record ('' when it has none).
        features = tf.concat([features, tf.fill([tf.size(records), 1], '')], axis=1)[:, 0]
        # A record is simple if it is that one field: tag, varint length, value (or empty).
        size = tf.strings.length(features)
        varint = 1 + tf.add_n([tf.cast(size >= 1 << (7 * k), tf.int32) for k in range(1, 5)])
        length = tf.strings.length(records)
        simple = tf.logical_or(length == 0, length == 1 + varint + size)
        sizes, (entries,) = tf.io.decode_proto(
            features, 'tensorflow.Features', ['feature'], [tf.string]
        )
        prints = tf.bitcast(tf.fingerprint(tf.reshape(entries, [-1])), tf.uint64)
        prints = tf.reshape(prints, tf.shape(entries))
        # decode_proto pads each row to the batch's largest map: padding counts as 0.
        present = tf.sequence_mask(sizes[:, 0], tf.shape(entries)[1])
        zeros = tf.zeros_like(prints)
        whole = tf.reduce_sum(tf.where(present, prints, zeros), axis=1)
        if not ignore:
            return whole, whole, simple
        # leave out the entries of the ignored features: those their name begins
        flat = tf.reshape(entries, [-1])  # (a map entry's key is its field 1: written first)
        ignored = tf.zeros_like(flat, dtype=tf.bool)
        for prefix in map(feature_key, ignore):
            found = tf.equal(tf.strings.substr(flat, 0, len(prefix)), prefix)
            ignored = tf.logical_or(ignored, found)
        present = tf.logical_and(present, ~tf.reshape(ignored, tf.shape(entries)))
        return tf.reduce_sum(tf.where(present, prints, zeros), axis=1), whole, simple

    return sums
