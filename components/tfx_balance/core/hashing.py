r"""Seeded, platform-independent hashing and per-example random generators.

Every random choice in tfx-balance is a pure function of ``(seed, example fingerprint, index)``,
never of Beam's element order, bundles or retries. An example is identified by its content key, the
same for every serialization of its features (docs/stratified_splitter.md).

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
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import struct
from typing import List, Sequence

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
    import tensorflow as tf

    if not len(records):
        return []
    ignore = tuple(sorted(set(ignore_features)))
    try:
        sums, simple = _fingerprint_sums_fn(ignore)(tf.constant(records, tf.string))
    except tf.errors.OpError:  # some record does not decode: key them one by one
        if len(records) == 1:
            return [_merged_key(records[0], ignore)]
        return [key for record in records for key in example_keys([record], ignore)]
    keys = [_KEY_STRUCT.pack(s) for s in sums.numpy().tolist()]
    for i in np.flatnonzero(~simple.numpy()).tolist():
        keys[i] = _merged_key(records[i], ignore)
    return keys


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
        sums, _ = _fingerprint_sums_fn(ignore)(tf.constant([canonical], tf.string))
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
        if ignore:  # leave out the entries of the ignored features (by their decoded name)
            _, (names,) = tf.io.decode_proto(
                tf.reshape(entries, [-1]), 'tensorflow.Features.FeatureEntry', ['key'], [tf.string]
            )
            names = tf.concat([names, tf.fill([tf.size(names), 1], '')], axis=1)[:, 0]
            ignored = tf.reduce_any(tf.equal(names[:, None], tf.constant(list(ignore))), axis=1)
            present = tf.logical_and(present, ~tf.reshape(ignored, tf.shape(entries)))
        total = tf.reduce_sum(tf.where(present, prints, tf.zeros_like(prints)), axis=1)
        return total, simple

    return sums
