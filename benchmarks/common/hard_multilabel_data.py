"""Harder multi-label workloads for the split benchmark (issue 40): hierarchy, groups, 5,000 labels.

In memory only (label sets and group ids; no TFRecords): the planning and the other splitters
are measured on the aggregate table and label matrix the data gives, not on I/O. Three shapes,
each seeded (the same ``(shape, n, seed)`` gives the same data), any ``n`` up to 1M:

- ``hierarchy``: 12 parent labels (ids 0-11), each with children (ids from 12). 6% of the examples
  carry no label. A labelled example carries 1 + Poisson(0.5) children (at most 4), drawn from
  ``SCALED_CHILDREN`` children with Zipf-like shares (``1 / (j + 1)``), and with probability 0.15
  also a parent alone; a parent is on every example of its children. On top, ``RARE_CHILDREN``
  children with a fixed number of examples at every size (5 each of 2, 3, 4 and 5 examples), put
  on random labelled examples: the long tail down to 2-5 examples.
- ``hierarchy_groups``: the same labels, examples in groups (patients) of 1-12 examples
  (uniform). A patient has 1-3 conditions (children, drawn as above); each of its labelled
  examples carries each condition with probability 0.7 (at least one), and with probability 0.1
  a child drawn at random; parents as above. Rare children as above, on random examples.
- ``many_labels``: 5,000 labels. 20 frequent ones (ids 0-19; shares 0.3 / (j + 1)), 4,980 with
  1-9 examples at every size: 1,424 with one, the other 3,556 over 2-9 examples with counts in
  proportion to ``1 / c``; each put on random examples. Examples with none carry no label.

Example:
    >>> d = generate('hierarchy', 2_000, seed=1)
    >>> len(d.sets), d.groups is None
    (2000, True)
    >>> g = generate('hierarchy_groups', 2_000, seed=1)
    >>> int(g.groups.max()) + 1 < 2_000
    True
"""

from __future__ import annotations

from collections import Counter
from typing import List, NamedTuple

import numpy as np

SHAPES = ('hierarchy', 'hierarchy_groups', 'many_labels')
NUM_PARENTS = 12
SCALED_CHILDREN = 120
RARE_COUNTS = (2, 3, 4, 5)
RARE_PER_COUNT = 5
RARE_CHILDREN = RARE_PER_COUNT * len(RARE_COUNTS)
UNLABELLED_SHARE = 0.06
MANY_FREQUENT = 20
MANY_LABELS = 5_000
MANY_SINGLES = 1_424
SEED = 40


class Workload(NamedTuple):
    shape: str
    n: int
    sets: List[tuple]  # each example's label set (sorted label ids; () = no label)
    groups: np.ndarray | None  # each example's group id (0..G-1), or None
    num_labels: int


def parent_of(child: int) -> int:
    """The parent of a child label id of the hierarchy shapes (children cycle over parents)."""
    return (child - NUM_PARENTS) % NUM_PARENTS


def _child_shares() -> np.ndarray:
    w = 1.0 / np.arange(1, SCALED_CHILDREN + 1)
    return w / w.sum()


def _rare_ids() -> list:
    """``(label id, examples)`` of the rare children (after the scaled ones)."""
    first = NUM_PARENTS + SCALED_CHILDREN
    counts = [c for c in RARE_COUNTS for _ in range(RARE_PER_COUNT)]
    return [(first + i, c) for i, c in enumerate(counts)]


def _with_parents(children: set) -> tuple:
    return tuple(sorted(children | {parent_of(c) for c in children if c >= NUM_PARENTS}))


def _add_rare(labels: List[set], candidates: np.ndarray, pairs, rng) -> None:
    for label, count in pairs:
        for i in rng.choice(candidates, size=count, replace=False):
            labels[i].add(int(label))


def _hierarchy(n: int, rng: np.random.Generator) -> Workload:
    labelled = rng.random(n) >= UNLABELLED_SHARE
    k = np.minimum(1 + rng.poisson(0.5, n), 4)
    drawn = rng.choice(SCALED_CHILDREN, size=int(k.sum()), p=_child_shares()) + NUM_PARENTS
    alone = rng.random(n) < 0.15
    alone_parent = rng.integers(0, NUM_PARENTS, n)
    labels, pos = [], 0
    for i in range(n):
        mine = set(drawn[pos : pos + k[i]].tolist()) if labelled[i] else set()
        pos += k[i]
        if labelled[i] and alone[i]:
            mine.add(int(alone_parent[i]))
        labels.append(mine)
    _add_rare(labels, np.flatnonzero(labelled), _rare_ids(), rng)
    sets = [_with_parents(s) for s in labels]
    return Workload('hierarchy', n, sets, None, NUM_PARENTS + SCALED_CHILDREN + RARE_CHILDREN)


def _hierarchy_groups(n: int, rng: np.random.Generator) -> Workload:
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(1, 13)))
    sizes[-1] -= sum(sizes) - n
    groups = np.repeat(np.arange(len(sizes)), sizes)
    shares = _child_shares()
    labelled = rng.random(n) >= UNLABELLED_SHARE
    labels = []
    for size in sizes:
        conditions = rng.choice(SCALED_CHILDREN, size=int(rng.integers(1, 4)), p=shares)
        conditions = (conditions + NUM_PARENTS).tolist()
        for _ in range(size):
            mine = {c for c in conditions if rng.random() < 0.7} or {conditions[0]}
            if rng.random() < 0.1:
                mine.add(int(rng.choice(SCALED_CHILDREN, p=shares)) + NUM_PARENTS)
            if rng.random() < 0.15:
                mine.add(int(rng.integers(0, NUM_PARENTS)))
            labels.append(mine)
    for i in np.flatnonzero(~labelled):
        labels[i] = set()
    _add_rare(labels, np.flatnonzero(labelled), _rare_ids(), rng)
    sets = [_with_parents(s) for s in labels]
    num = NUM_PARENTS + SCALED_CHILDREN + RARE_CHILDREN
    return Workload('hierarchy_groups', n, sets, groups, num)


def many_label_counts() -> list:
    """The example counts of the 4,980 rare labels (1,424 ones, the rest over 2-9 as ``1/c``)."""
    rest = MANY_LABELS - MANY_FREQUENT - MANY_SINGLES
    w = np.array([1.0 / c for c in range(2, 10)])
    per = np.floor(rest * w / w.sum()).astype(int)
    per[0] += rest - per.sum()
    return [1] * MANY_SINGLES + [c for c, m in zip(range(2, 10), per) for _ in range(m)]


def _many_labels(n: int, rng: np.random.Generator) -> Workload:
    p = 0.3 / np.arange(1, MANY_FREQUENT + 1)
    frequent = rng.random((n, MANY_FREQUENT)) < p
    labels = [set(np.flatnonzero(row).tolist()) for row in frequent]
    pairs = [(MANY_FREQUENT + i, c) for i, c in enumerate(many_label_counts())]
    _add_rare(labels, np.arange(n), pairs, rng)
    sets = [tuple(sorted(s)) for s in labels]
    return Workload('many_labels', n, sets, None, MANY_LABELS)


def generate(shape: str, n: int, seed: int = SEED) -> Workload:
    """The workload ``shape`` at ``n`` examples (see the module docstring)."""
    rng = np.random.default_rng([seed, SHAPES.index(shape), n])
    return {'hierarchy': _hierarchy, 'hierarchy_groups': _hierarchy_groups}.get(
        shape, _many_labels
    )(n, rng)


def unit_sets(w: Workload) -> List[tuple]:
    """Each unit's label set: the examples', or each group's union of its examples' labels."""
    if w.groups is None:
        return w.sets
    unions = [set() for _ in range(int(w.groups.max()) + 1)]
    for g, labels in zip(w.groups.tolist(), w.sets):
        unions[g].update(labels)
    return [tuple(sorted(u)) for u in unions]


def group_sizes(w: Workload) -> np.ndarray:
    """Examples per unit (all 1 without groups)."""
    if w.groups is None:
        return np.ones(w.n, dtype=np.int64)
    return np.bincount(w.groups)


def strata(sets: List[tuple]) -> Counter:
    """The aggregate table ``{label set: units}`` the plan is a function of."""
    return Counter(sets)


def dense(sets: List[tuple], num_labels: int) -> np.ndarray:
    """A ``uint8 [units, num_labels]`` 0/1 label matrix (iterstrat's and skmultilearn's input)."""
    y = np.zeros((len(sets), num_labels), dtype=np.uint8)
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    cols = np.fromiter((label for s in sets for label in s), dtype=np.int64, count=len(rows))
    y[rows, cols] = 1
    return y
