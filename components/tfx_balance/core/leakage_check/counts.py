"""What the leakage check counts: ``LeakageCounts``, exact and mergeable whatever Beam's bundling
(listed keys are the ``max_examples`` smallest of each finding), and ``count_bucket``.

Example:
    >>> import numpy as np
    >>> keys = np.array([5, 7, 7, 9, 5], dtype=np.uint64)
    >>> splits = [(0, keys[:3]), (1, keys[3:])]  # split 0 holds 5, 7, 7; split 1 holds 9, 5
    >>> counts = count_bucket(splits, num_splits=2, max_examples=10)
    >>> int(counts.cross_keys), counts.within_extra.tolist(), counts.pair_samples[(0, 1)]
    (1, [1, 0], [5])
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np


def merge_samples(a: Sequence[int], b: Sequence[int], limit: int) -> List[int]:
    return sorted(set(a) | set(b))[:limit]


class LeakageCounts:
    """Counts over some of the examples; ``j``, ``a``, ``b`` index the checked splits.

    - ``examples``, ``synthetic`` per split; ``synthetic_samples[j]``: smallest keys of synthetic
      examples (outside training only). ``within_keys``, ``within_extra``: keys seen more than
      once in a split, and copies beyond the first; ``within_samples[j]``: smallest such keys.
    - ``cross_keys``: keys in two or more splits; ``cross_examples[j]``: examples of ``j`` with one.
    - ``pair_keys[a, b]`` (a < b): keys in both; ``pair_examples[a, b]``: examples of ``a`` with
      one (``[b, a]``: of ``b``); ``pair_samples[(a, b)]``: smallest keys.
    - ``located``: over a window of spans, ``{key: source numbers}`` of the listed keys.
    """

    def __init__(self, num_splits: int):
        n = num_splits
        self.num_splits = n
        self.examples = np.zeros(n, np.int64)
        self.synthetic = np.zeros(n, np.int64)
        self.synthetic_samples: List[List[int]] = [[] for _ in range(n)]
        self.within_keys = np.zeros(n, np.int64)
        self.within_extra = np.zeros(n, np.int64)
        self.within_samples: List[List[int]] = [[] for _ in range(n)]
        self.cross_keys = 0
        self.cross_examples = np.zeros(n, np.int64)
        self.pair_keys = np.zeros((n, n), np.int64)
        self.pair_examples = np.zeros((n, n), np.int64)
        self.pair_samples: Dict[Tuple[int, int], List[int]] = {}
        self.located: Dict[int, Tuple[int, ...]] = {}

    def merge(self, other: LeakageCounts, limit: int) -> LeakageCounts:
        """Adds ``other`` into this one (keeping the ``limit`` smallest keys); returns self."""
        sums = 'examples synthetic within_keys within_extra cross_examples pair_keys pair_examples'
        for name in sums.split():
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.cross_keys += other.cross_keys
        for samples, others in (
            (self.synthetic_samples, other.synthetic_samples),
            (self.within_samples, other.within_samples),
        ):
            for j in range(self.num_splits):
                samples[j] = merge_samples(samples[j], others[j], limit)
        for pair, keys in other.pair_samples.items():
            self.pair_samples[pair] = merge_samples(self.pair_samples.get(pair, ()), keys, limit)
        if other.located:  # a key is in one bucket: its sources come whole, from one counts
            self.located.update(other.located)
            listed = set(self.listed_keys().tolist())
            self.located = {key: at for key, at in self.located.items() if key in listed}
        return self

    def listed_keys(self) -> np.ndarray:
        """Every key the report lists (of shared, synthetic and repeated examples), as uint64."""
        samples = [*self.pair_samples.values(), *self.synthetic_samples, *self.within_samples]
        return np.array(sorted({key for keys in samples for key in keys}), np.uint64)


def count_batch(
    split: int, keys: np.ndarray, synthetic: np.ndarray, num_splits: int
) -> LeakageCounts:
    counts = LeakageCounts(num_splits)
    counts.examples[split] = len(keys)
    counts.synthetic[split] = int(np.count_nonzero(synthetic))
    return counts


def count_bucket(
    pieces: Sequence[tuple],
    num_splits: int,
    max_examples: int,
    outside: frozenset = frozenset(),
) -> LeakageCounts:
    """Counts of one bucket (every occurrence of its keys) from ``(split, keys[, synthetic,
    ...])`` pieces; synthetic keys listed for the splits in ``outside``."""
    counts = LeakageCounts(num_splits)
    pieces = [piece for piece in pieces if len(piece[1])]
    if not pieces:
        return counts
    keys = np.concatenate([piece[1] for piece in pieces])
    splits = np.concatenate([np.full(len(piece[1]), piece[0], np.int64) for piece in pieces])
    if outside and all(len(piece) > 2 for piece in pieces):
        synthetic = np.concatenate([piece[2] for piece in pieces])
        for j in sorted(outside):
            found = np.unique(keys[synthetic & (splits == j)])[:max_examples]
            counts.synthetic_samples[j] = found.tolist()
    order = np.lexsort((splits, keys))
    keys, splits = keys[order], splits[order]
    # One row per distinct (key, split): pk, ps, and how often it occurs, pc.
    new = np.ones(len(keys), bool)
    new[1:] = (keys[1:] != keys[:-1]) | (splits[1:] != splits[:-1])
    starts = np.flatnonzero(new)
    pk, ps = keys[starts], splits[starts]
    pc = np.diff(np.append(starts, len(keys)))
    _count_within(counts, pk, ps, pc, max_examples)
    _count_across(counts, pk, ps, pc, max_examples)
    return counts


def locate_bucket(pieces: Sequence[tuple], counts: LeakageCounts) -> Dict[int, Tuple[int, ...]]:
    """``{key: source numbers, ascending}`` of the keys the bucket's ``counts`` list, ``pieces``
    being ``(split index, keys, synthetic flags, source number)``."""
    listed = counts.listed_keys()
    found = {}
    for _, keys, _, source in pieces:
        for key in np.unique(keys[np.isin(keys, listed)]).tolist():
            found.setdefault(key, set()).add(source)
    return {key: tuple(sorted(numbers)) for key, numbers in sorted(found.items())}


def _count_within(counts, pk, ps, pc, limit) -> None:
    repeated = pc > 1
    n = counts.num_splits
    counts.within_keys = np.bincount(ps[repeated], minlength=n).astype(np.int64)
    counts.within_extra = np.bincount(ps[repeated], weights=pc[repeated] - 1, minlength=n).astype(
        np.int64
    )
    for j in np.flatnonzero(counts.within_keys).tolist():
        counts.within_samples[j] = pk[repeated & (ps == j)][:limit].tolist()


def _count_across(counts, pk, ps, pc, limit) -> None:
    first = np.ones(len(pk), bool)
    first[1:] = pk[1:] != pk[:-1]
    key_id = np.cumsum(first) - 1
    leaked = np.bincount(key_id)[key_id] > 1  # rows whose key is in two or more splits
    if not leaked.any():
        return
    _, row = np.unique(key_id[leaked], return_inverse=True)
    occurrences = np.zeros((row.max() + 1, counts.num_splits), np.int64)
    occurrences[row, ps[leaked]] = pc[leaked]
    leaked_keys = pk[leaked & first]  # ascending, one per row of ``occurrences``
    present = occurrences > 0
    counts.cross_keys = len(occurrences)
    counts.cross_examples = occurrences.sum(axis=0)
    for a in range(counts.num_splits):
        for b in range(a + 1, counts.num_splits):
            both = present[:, a] & present[:, b]
            if both.any():
                counts.pair_keys[a, b] = np.count_nonzero(both)
                counts.pair_examples[a, b] = occurrences[both, a].sum()
                counts.pair_examples[b, a] = occurrences[both, b].sum()
                counts.pair_samples[(a, b)] = leaked_keys[both][:limit].tolist()
