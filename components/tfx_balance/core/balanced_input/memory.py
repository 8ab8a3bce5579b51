"""Balanced batches from classes held in memory: one read, one gather per group of batches.

When the classes being sampled fit in ``memory_budget`` bytes (default 256 MiB of serialized
examples), :func:`load_classes` reads them once, all files through one parallel ``tf.data``
reader (not one dataset per class), and :func:`memory_groups` samples them: for every group of
batches, :class:`SlotSampler` (numpy, vectorised over all classes) says which example goes in each
slot, and one ``tf.gather`` fills the group. So the start-up cost is one read of the data and
the per-batch cost is that of the batch, whatever the number of classes ``K``.

Rules (the same as the streamed path of :mod:`~tfx_balance.core.balanced_input.streams`): the
batches follow the schedule of :mod:`~tfx_balance.core.balanced_input.schedule` row by row; each
class is read in passes, every pass a permutation of all its examples (each example once per
pass), a new permutation every pass. Permutations are a pure function of ``(seed, class name,
pass)``: sort by a 64-bit mixing hash (splitmix64) of ``(seed, class, pass, position)``. Rules:
docs/balanced_input_gen.md.

Example (``classes`` from :func:`~tfx_balance.core.balanced_input.plan.classes_of`)::

    records = load_classes(classes, active=[0, 1, 2], budget=256 << 20)  # None if too large
    groups = memory_groups(records, classes, active, shares, batch_size=64, seed=0)
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from tfx_balance.core.balanced_input.schedule import batch_rows
from tfx_balance.core.errors import DataError
from tfx_balance.core.hashing import seeded_hash

DEFAULT_MEMORY_BUDGET = 256 << 20
# Bytes counted per example on top of its serialized size (a tf.string element and its index).
PER_EXAMPLE_OVERHEAD = 48
# Examples placed per step (whole batches; at least one batch).
GROUP_EXAMPLES = 16384
# Records per loaded chunk, and bytes each file's reader reads ahead (tf.data's default is 256 KiB).
LOAD_CHUNK = 1 << 16
READ_BUFFER = 1 << 20

_M1, _M2, _GOLD = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 of every ``uint64`` in ``x`` (a bijection of 64-bit integers)."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64(_GOLD)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def load_classes(classes, active: Sequence[int], budget: int):
    """The serialized examples of the ``active`` classes as one ``tf.string`` tensor, class
    after class (each class's shards in plan order, each shard in file order), or ``None`` if
    they take more than ``budget`` bytes (counted as serialized size + ``PER_EXAMPLE_OVERHEAD``).

    All files go through one sequential ``tf.data`` reader, in plan order; the number of
    examples read is checked against the plan.
    """
    import tensorflow as tf

    files = [f for k in active for f in classes.files[k]]
    expected = sum(classes.counts[k] for k in active)
    if not files or expected * PER_EXAMPLE_OVERHEAD > budget:
        return None

    # One sequential reader over every file in plan order (a dataset per file costs ~5 ms each,
    # which is most of the start-up at 1,000+ classes): the records come class after class.
    records = tf.data.TFRecordDataset(files, 'GZIP', buffer_size=READ_BUFFER)
    chunks, size = [], 0
    for chunk in records.batch(LOAD_CHUNK).prefetch(1):
        size += int(tf.reduce_sum(tf.strings.length(chunk))) + PER_EXAMPLE_OVERHEAD * len(chunk)
        if size > budget:
            return None
        chunks.append(chunk)
    got = sum(len(c) for c in chunks)
    if got != expected:
        raise DataError(
            f'the class files of split(s) {split_names(files)} hold {got} examples of the '
            f'sampled classes, but the balance plan says {expected}: the layout is damaged. '
            'Re-run BalancedInputGen (with caching off for that run) to write the split again.'
        )
    return tf.concat(chunks, axis=0)


def split_names(files: Sequence[str]) -> str:
    """The split folders of ``files``, e.g. ``'Split-train'``, comma separated."""
    return ', '.join(sorted({os.path.basename(os.path.dirname(f)) for f in files}))


def batch_slots(row: np.ndarray) -> np.ndarray:
    """The class of every slot of one batch with ``row[k]`` examples of class ``k``: each class
    spread evenly (slot ``i`` of class ``k`` at ``(i + 0.5) / row[k]``, ties by class), the same
    order as :func:`~tfx_balance.core.balanced_input.schedule.batch_order`, vectorised."""
    row = np.asarray(row, dtype=np.int64)
    ks = np.repeat(np.arange(row.size), row)
    starts = np.cumsum(row) - row
    i = np.arange(ks.size) - starts[ks]
    return ks[np.lexsort((ks, (i + 0.5) / row[ks]))]


class SlotSampler:
    """Which example fills each slot, group after group of batches (numpy state, no tf).

    ``counts[k]`` examples of class ``k`` lie at ``offsets[k] ...`` in the loaded records.
    Class ``k`` is read as an endless sequence of passes; pass ``p`` is the permutation of its
    examples sorted by ``mix(mix(salt_k + p) + j)`` (``salt_k`` from the seed and the class
    name). The current pass of every class is kept (``counts.sum()`` integers), so each
    permutation is computed once, for all classes that start a pass in a group at once.
    """

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
        """The permutations of ``(classes[u], passes[u])`` concatenated, as ``(start, segment,
        j, perms)``: element ``x`` is position ``j[x]`` of permutation ``segment[x]``, which
        starts at ``start[segment[x]]``."""
        sizes = self.counts[classes]
        start = np.cumsum(sizes) - sizes
        segment = np.repeat(np.arange(classes.size), sizes)
        j = np.arange(segment.size, dtype=np.int64) - start[segment]
        base = mix(mix(self.salts[classes] + passes.astype(np.uint64)))
        keys = mix(base[segment] + j.astype(np.uint64))
        return start, segment, j, j[np.lexsort((keys, segment))]

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
            classes, passes = pairs >> 40, pairs & ((1 << 40) - 1)
            start, segment, at, perms = self._passes(classes, passes)
            index[new] = perms[start[which.ravel()] + j[new]]
            # Keep each class's latest pass (np.unique sorts: the last pair of a class).
            last = np.r_[classes[1:] != classes[:-1], True]
            keep = last[segment]
            self.perm[self.offsets[classes[segment[keep]]] + at[keep]] = perms[keep]
            self.current[classes[last]] = passes[last]
        out = np.empty(cls.size, dtype=np.int64)
        out[order] = self.offsets[cls] + index
        return out


def memory_groups(records, classes, active, shares, batch_size: int, seed: int):
    """Groups of whole batches (``tf.string [G * B]``) sampled from ``records``
    (:func:`load_classes` of ``active``), following the schedule of ``shares`` batch by batch."""
    import tensorflow as tf

    per_group = max(1, GROUP_EXAMPLES // batch_size)
    counts = [classes.counts[k] for k in active]
    names = [classes.names[k] for k in active]

    def indices():
        sampler = SlotSampler(counts, names, seed)
        rows = batch_rows(shares, batch_size)
        while True:
            slots = np.concatenate([batch_slots(next(rows)) for _ in range(per_group)])
            yield sampler.take(slots)

    spec = tf.TensorSpec([per_group * batch_size], tf.int64)
    index = tf.data.Dataset.from_generator(indices, output_signature=spec)
    return index.map(lambda i: tf.gather(records, i)).prefetch(2)
