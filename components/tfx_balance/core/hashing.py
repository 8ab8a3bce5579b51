"""Seeded, platform-independent hashing and per-example random generators.

Every random choice in tfx-balance is a pure function of ``(seed, example fingerprint, index)``:
never of the order in which Beam delivers elements, of bundle boundaries, or of retries. These
helpers are the only source of randomness in the package.

An example is identified by its **content key** (``example_keys``), not by its serialized
bytes. Protobuf writes the entries of a map (a ``tf.train.Example``'s ``feature`` map) in an
order that changes from process to process, so TFX's ExampleGen writes the same example as
different bytes in every run; a hash of the bytes would give another split, another sample and
other augmentations each time the pipeline re-runs. The content key is the same for every
serialization of the same features, so all of these depend on the data only.

Example:
    >>> fp = fingerprint(b'serialized example')
    >>> seeded_hash(0, b'serialized example') == seeded_hash(0, b'serialized example')
    True
    >>> from tensorflow.core.example import example_pb2
    >>> a, b = example_pb2.Example(), example_pb2.Example()
    >>> a.features.feature['a'].int64_list.value.append(1)
    >>> b.features.feature['b'].float_list.value.append(0.5)
    >>> entry = lambda ex: ex.SerializeToString()[2:]  # a one-feature example's map entry
    >>> example = lambda body: b'\\n' + bytes([len(body)]) + body  # an Example of these entries
    >>> a_then_b, b_then_a = example(entry(a) + entry(b)), example(entry(b) + entry(a))
    >>> a_then_b == b_then_a  # the same example, written in two orders
    False
    >>> example_keys([a_then_b, b_then_a]) == [example_key(b_then_a)] * 2
    True
    >>> rng = example_rng(seed=0, fingerprint=fp, index=1)
    >>> 0.0 <= rng.random() < 1.0
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
    """Returns a 64-bit unsigned hash of ``data`` that changes with ``seed``."""
    digest = hashlib.blake2b(data, digest_size=8, key=_seed_bytes(seed)).digest()
    return int.from_bytes(digest, 'big')


def seeded_hashes(seed: int, items: Sequence[bytes]) -> List[int]:
    """``seeded_hash`` of each of ``items`` (the same values; one call for a batch)."""
    key, blake2b, from_bytes = _seed_bytes(seed), hashlib.blake2b, int.from_bytes
    return [from_bytes(blake2b(d, digest_size=8, key=key).digest(), 'big') for d in items]


def key_buckets(keys: np.ndarray, num_buckets: int):
    """``(bucket, indexes)`` per bucket found in ``keys`` (numpy uint64 hashes; a key's bucket
    is ``key % num_buckets``): buckets ascending, each one's indexes in input order. Batches of
    keys split this way meet per bucket in a combine or a join (LeakageCheck's duplicates,
    StratifiedSplitter's earlier spans), a bucket's share of the keys at a time.

    Example:
        >>> [(b, at.tolist()) for b, at in key_buckets(np.array([5, 2, 7, 4], np.uint64), 2)]
        [(0, [1, 3]), (1, [0, 2])]
    """
    buckets = keys % np.uint64(num_buckets)
    order = np.argsort(buckets, kind='stable')
    found, starts = np.unique(buckets[order], return_index=True)
    return list(zip(found.tolist(), np.split(order, starts[1:])))


def fingerprint(record: bytes) -> str:
    """Returns a stable, seed-independent hex fingerprint (16 chars) of a serialized record."""
    return hashlib.blake2b(record, digest_size=8).hexdigest()


def example_rng(seed: int, fingerprint: str, index: int = 0) -> np.random.Generator:
    """Returns a ``numpy`` Generator seeded from ``(seed, fingerprint, index)`` only."""
    key = f'{int(seed)}:{fingerprint}:{int(index)}'.encode()
    words = np.frombuffer(hashlib.blake2b(key, digest_size=16).digest(), dtype='<u4')
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words.tolist())))


def example_keys(records: Sequence[bytes], ignore_features: Sequence[str] = ()) -> List[bytes]:
    """Returns the content key (8 bytes) of each serialized ``tf.train.Example`` in ``records``.

    The key is the sum modulo 2**64 of the FarmHash64 fingerprints (``tf.fingerprint``, the same
    on every platform) of the example's ``feature`` map entries, each entry being the serialized
    ``(name, Feature)`` pair. It does not depend on the order in which the entries were written,
    so every serialization of the same features has the same key, and a record's key does not
    depend on the other records of the batch. Records are decoded in C++ a batch at a time (~5 µs
    per 20-feature example). A record with more than its one ``features`` field (written in
    pieces, which protobuf merges, or with unknown fields) is keyed as its deterministic
    serialization; a record that is not a ``tf.train.Example`` keys as its own bytes.

    ``ignore_features``: feature names left out of the key (their entries are not summed), so
    an example keys as it would without them, e.g. BalancedAugmenter's provenance features
    (``LeakageCheck`` matches an original marked ``is_synthetic = 0`` with its unmarked copy).
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
    """The content key of one serialized example (see ``example_keys``, faster on a batch)."""
    return example_keys([record])[0]


_KEY_STRUCT = struct.Struct('>Q')


def _merged_key(record: bytes, ignore: tuple = ()) -> bytes:
    """The key of a record ``example_keys`` cannot read in one piece: that of its
    deterministic serialization, or its own bytes if it is not a ``tf.train.Example``."""
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
    """Drops the cached ``tf.function`` while TensorFlow is still intact (an ``atexit`` handler):
    left to interpreter shutdown, its graph would be freed after TensorFlow's modules are torn
    down, and Python would print ``Exception ignored in: AtomicFunction.__del__``."""
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
