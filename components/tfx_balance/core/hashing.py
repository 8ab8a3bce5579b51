"""Seeded, platform-independent hashing and per-example random generators.

Every random choice in tfx-balance is a pure function of ``(seed, example fingerprint, index)``:
never of the order in which Beam delivers elements, of bundle boundaries, or of retries. These
helpers are the only source of randomness in the package.

Example:
    >>> fp = fingerprint(b'serialized example')
    >>> seeded_hash(0, b'serialized example') == seeded_hash(0, b'serialized example')
    True
    >>> rng = example_rng(seed=0, fingerprint=fp, index=1)
    >>> 0.0 <= rng.random() < 1.0
    True
"""

from __future__ import annotations

import functools
import hashlib
import struct

import numpy as np

_SEED_STRUCT = struct.Struct('>q')


@functools.lru_cache(maxsize=64)
def _seed_bytes(seed: int) -> bytes:
    return _SEED_STRUCT.pack(int(seed))


def seeded_hash(seed: int, data: bytes) -> int:
    """Returns a 64-bit unsigned hash of ``data`` that changes with ``seed``."""
    digest = hashlib.blake2b(data, digest_size=8, key=_seed_bytes(seed)).digest()
    return int.from_bytes(digest, 'big')


def fingerprint(record: bytes) -> str:
    """Returns a stable, seed-independent hex fingerprint (16 chars) of a serialized record."""
    return hashlib.blake2b(record, digest_size=8).hexdigest()


def example_rng(seed: int, fingerprint: str, index: int = 0) -> np.random.Generator:
    """Returns a ``numpy`` Generator seeded from ``(seed, fingerprint, index)`` only."""
    key = f'{int(seed)}:{fingerprint}:{int(index)}'.encode()
    words = np.frombuffer(hashlib.blake2b(key, digest_size=16).digest(), dtype='<u4')
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words.tolist())))
