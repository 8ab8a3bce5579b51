"""Balanced batches from classes held in memory: one read, one gather per group of batches.

``load_classes`` reads the sampled classes into one ``tf.string`` tensor when they fit
``memory_budget``; ``memory_groups`` samples them (``SlotSampler`` picks, ``tf.gather`` fills).
Design: docs/balanced_input_gen.md.

Example (``classes`` from ``merge.classes_of``)::

    records = load_classes(classes, active=[0, 1, 2], budget=256 << 20)  # None if too large
    groups = memory_groups(records, classes, active, shares, batch_size=64, seed=0)
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import os
import struct
import zlib
from typing import Sequence

import numpy as np

from tfx_balance.core.balanced_input_gen.schedule import batch_rows
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import seeded_hash
from tfx_balance.core.common.records import FRAMING, RECORD_LENGTH

DEFAULT_MEMORY_BUDGET = 256 << 20
PER_EXAMPLE_OVERHEAD = 48  # bytes counted per example on top of its serialized size
# Examples placed per step (whole batches; at least one batch), and batches of the first step.
GROUP_EXAMPLES = 16384
FIRST_GROUP_BATCHES = 1
# A group drawing at most this many passes, each within its first eighth, selects those starts
# instead of sorting whole passes, so the first batch comes sooner.
PREFIX_PASSES = 64
READ_BUFFER = 1 << 20  # bytes each streamed class file's reader reads ahead
LOAD_THREADS = max(2, min(8, os.cpu_count() or 2))  # files decompressed at once while loading
LOAD_RECORDS = 4096  # records (by the plan) per decompression task
GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib reads (and checks) a gzip header and trailer

_M1, _M2, _GOLD = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 of every ``uint64`` in ``x`` (a bijection of 64-bit integers)."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64(_GOLD)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def load_classes(classes, active: Sequence[int], budget: int):
    """The serialized examples of the ``active`` classes as one ``tf.string`` tensor in plan
    order, or None once they exceed ``budget`` bytes."""
    import tensorflow as tf

    files = [f for k in active for f in classes.files[k]]
    expected = sum(classes.counts[k] for k in active)
    if not files or expected * PER_EXAMPLE_OVERHEAD > budget:
        return None
    # The decompressed files hold FRAMING bytes per record on top of the records.
    allowance = budget - (PER_EXAMPLE_OVERHEAD - FRAMING) * expected
    groups = _file_groups(classes, active)
    records, left = [], allowance
    with concurrent.futures.ThreadPoolExecutor(LOAD_THREADS) as pool:
        # At most LOAD_THREADS + 1 groups read ahead.
        pending = collections.deque(
            (g, pool.submit(_inflate_all, g)) for g in groups[: LOAD_THREADS + 1]
        )
        following = iter(groups[len(pending) :])
        while pending:
            group, done = pending.popleft()
            contents = done.result()
            left -= sum(len(data) for data in contents)
            if left < 0:  # the classes do not fit: they are streamed instead
                for _, other in pending:
                    other.cancel()
                return None
            for g in itertools.islice(following, 1):
                pending.append((g, pool.submit(_inflate_all, g)))
            for path, data in zip(group, contents):
                _cut_records(data, path, records)
    if len(records) != expected:
        raise DataError(
            f'the class files of split(s) {split_folders(files)} hold {len(records)} examples of '
            f'the sampled classes, but the balance plan says {expected}: the layout is damaged. '
            'Re-run BalancedInputGen (with caching off for that run) to write the split again.'
        )
    return tf.constant(records, tf.string)


def _file_groups(classes, active: Sequence[int]) -> list:
    """The ``active`` classes' files in plan order, in groups of about ``LOAD_RECORDS`` records."""
    groups, group, size = [], [], 0
    for k in active:
        per_file = classes.counts[k] / max(1, len(classes.files[k]))
        for path in classes.files[k]:
            group.append(path)
            size += per_file
            if size >= LOAD_RECORDS:
                groups.append(group)
                group, size = [], 0
    return groups + [group] if group else groups


def _inflate_all(paths: Sequence[str]) -> list:
    return [_inflate(path) for path in paths]


def _inflate(path: str) -> bytes:
    """The decompressed content of the gzipped file ``path`` (every gzip member, CRC checked)."""
    import tensorflow as tf

    try:
        with (tf.io.gfile.GFile if '://' in path else open)(path, 'rb') as f:
            data = f.read()
        parts = []
        while True:
            member = zlib.decompressobj(GZIP_WBITS)
            parts.append(member.decompress(data))
            if not member.eof:
                raise zlib.error('the file ends inside its compressed data (truncated)')
            data = member.unused_data
            if not data:
                return parts[0] if len(parts) == 1 else b''.join(parts)
    except (OSError, zlib.error, tf.errors.OpError) as e:
        raise DataError(
            f'class file {path} cannot be read as a gzipped TFRecord file ({e}), so the layout '
            'is damaged. Re-run BalancedInputGen (with caching off for that run) to write the '
            'split again.'
        ) from None


def _cut_records(data: bytes, path: str, records: list) -> None:
    """Appends the records of the decompressed TFRecord ``data`` to ``records``."""
    pos, end = 0, len(data)
    length_of = RECORD_LENGTH.unpack_from
    append = records.append
    start = 12
    try:
        while pos < end:
            start = pos + 12
            pos = start + 4 + length_of(data, pos)[0]
            append(data[start : pos - 4])
    except struct.error:  # fewer than 8 bytes left for a length
        pos = end + 1
    if pos != end:
        raise DataError(
            f'class file {path} is not a whole TFRecord file: the record at byte {start - 12} of '
            f'its {end} decompressed bytes runs past its end, so the layout is damaged. '
            'Re-run BalancedInputGen (with caching off for that run) to write the split again.'
        )


def split_folders(files: Sequence[str]) -> str:
    """The split folders of ``files``, e.g. ``'Split-train'``, comma separated."""
    return ', '.join(sorted({os.path.basename(os.path.dirname(f)) for f in files}))


def batch_slots(row: np.ndarray) -> np.ndarray:
    """The class of every slot of one batch: ``schedule.batch_order``, vectorised."""
    row = np.asarray(row, dtype=np.int64)
    ks = np.repeat(np.arange(row.size), row)
    starts = np.cumsum(row) - row
    i = np.arange(ks.size) - starts[ks]
    return ks[np.lexsort((ks, (i + 0.5) / row[ks]))]


class SlotSampler:
    """Which example fills each slot: pass ``p`` of class ``k`` is its examples sorted by
    ``mix(mix(salt_k + p) + j)``; the current pass of each class is kept."""

    def __init__(self, counts, names, seed: int):
        self.counts = np.asarray(counts, dtype=np.int64)
        self.offsets = np.cumsum(self.counts) - self.counts
        self.salts = np.asarray(
            [seeded_hash(seed, f'memory:{name}'.encode()) for name in names], dtype=np.uint64
        )
        self.perm = np.zeros(int(self.counts.sum()), dtype=np.int64)
        self.current = np.full(self.counts.size, -1, dtype=np.int64)  # pass held in self.perm
        self.taken = np.zeros(self.counts.size, dtype=np.int64)  # examples drawn so far

    def _passes(self, classes: np.ndarray, passes: np.ndarray):
        """The permutations of ``(classes[u], passes[u])`` as ``(start, segment, j, perms)``."""
        sizes = self.counts[classes]
        start = np.cumsum(sizes) - sizes
        segment = np.repeat(np.arange(classes.size), sizes)
        j = np.arange(segment.size, dtype=np.int64) - start[segment]
        base = mix(mix(self.salts[classes] + passes.astype(np.uint64)))
        keys = mix(base[segment] + j.astype(np.uint64))
        return start, segment, j, j[np.lexsort((keys, segment))]

    def _prefixes(self, classes: np.ndarray, passes: np.ndarray, reach: np.ndarray):
        """The first ``reach[u]`` positions of the ``_passes`` permutations, by ``argpartition``."""
        start = np.cumsum(reach) - reach
        base = mix(mix(self.salts[classes] + passes.astype(np.uint64)))
        perms = []
        for u, m in enumerate(reach):
            keys = mix(base[u] + np.arange(self.counts[classes[u]], dtype=np.uint64))
            kth = keys[np.argpartition(keys, m - 1)[m - 1]]
            chosen = np.flatnonzero(keys <= kth)
            perms.append(chosen[np.lexsort((chosen, keys[chosen]))][:m])
        return start, np.concatenate(perms)

    def take(self, slots: np.ndarray) -> np.ndarray:
        """The record index of every slot (``slots[s]`` the class of slot ``s``)."""
        order = np.argsort(slots, kind='stable')
        cls = slots[order]
        drawn = np.bincount(slots, minlength=self.counts.size)
        first = np.cumsum(drawn) - drawn
        t = self.taken[cls] + np.arange(cls.size) - first[cls]  # position in the class stream
        self.taken += drawn
        n = self.counts[cls]
        p, j = t // n, t % n
        index = np.empty(cls.size, dtype=np.int64)
        kept = p == self.current[cls]
        index[kept] = self.perm[self.offsets[cls[kept]] + j[kept]]
        new = ~kept
        if new.any():
            pair = cls[new] * (1 << 40) + p[new]
            pairs, which = np.unique(pair, return_inverse=True)
            which = which.ravel()
            classes, passes = pairs >> 40, pairs & ((1 << 40) - 1)
            reach = np.zeros(pairs.size, dtype=np.int64)
            np.maximum.at(reach, which, j[new] + 1)
            if pairs.size <= PREFIX_PASSES and np.all(reach * 8 <= self.counts[classes]):
                # Only the start of each pass is drawn (the first batch): select it, keep none.
                start, perms = self._prefixes(classes, passes, reach)
                index[new] = perms[start[which] + j[new]]
            else:
                start, segment, at, perms = self._passes(classes, passes)
                index[new] = perms[start[which] + j[new]]
                # Keep each class's latest pass (np.unique sorts: the last pair of a class).
                last = np.r_[classes[1:] != classes[:-1], True]
                keep = last[segment]
                self.perm[self.offsets[classes[segment[keep]]] + at[keep]] = perms[keep]
                self.current[classes[last]] = passes[last]
        out = np.empty(cls.size, dtype=np.int64)
        out[order] = self.offsets[cls] + index
        return out


def memory_groups(records, classes, active, shares, batch_size: int, seed: int):
    """Groups of whole batches (``tf.string [G * B]``) of ``records``, by ``shares``."""
    import tensorflow as tf

    per_group = max(1, GROUP_EXAMPLES // batch_size)
    counts = [classes.counts[k] for k in active]
    names = [classes.names[k] for k in active]

    def indices():
        sampler = SlotSampler(counts, names, seed)
        rows = batch_rows(shares, batch_size)
        group = min(per_group, FIRST_GROUP_BATCHES)  # the first batch comes sooner
        while True:
            slots = np.concatenate([batch_slots(next(rows)) for _ in range(group)])
            yield sampler.take(slots)
            group = per_group

    spec = tf.TensorSpec([None], tf.int64)
    index = tf.data.Dataset.from_generator(indices, output_signature=spec)
    return index.map(lambda i: tf.gather(records, i)).prefetch(2)
