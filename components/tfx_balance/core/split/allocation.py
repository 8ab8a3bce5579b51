"""The split rule: how many units of each class go to each split (pure Python).

For classes of ``n_c`` units (``N`` in all) and split weights ``w_s``, one table rounded both
ways at once (a controlled rounding; docs/stratified_splitter.md, "The rule"):

1. class ``c`` puts ``floor`` or ``ceil`` of ``n_c * w_s / sum(w)`` units in split ``s``;
2. split ``s`` holds ``floor`` or ``ceil`` of ``N * w_s / sum(w)`` units;
3. presence: a class is in its ``min(n_c, #splits)`` heaviest splits; a unit forced there is
   taken from the split holding the most of the class (ties: listed earlier).

Example:
    >>> allocate(81, [8, 1, 1]), allocate(2, [8, 1, 1])
    ([65, 8, 8], [1, 1, 0])
"""

from __future__ import annotations

import importlib
import math
from fractions import Fraction
from typing import Sequence

# 0.2.0 names of this module that live elsewhere now: name -> its module.
_MOVED = {
    'boundaries': 'tfx_balance.core.split.placement',
    'SPLIT_NAME_PATTERN': 'tfx_balance.core.common.split_names',
    'validate_split_list': 'tfx_balance.core.common.split_names',
    'validate_split_name': 'tfx_balance.core.common.split_names',
    'validate_split_weights': 'tfx_balance.core.common.split_names',
}


def allocate(n: int, weights: Sequence[float]) -> list:
    """The rule's counts per split of one class of ``n`` units (``allocate_classes([n], ...)``).

    >>> allocate(0, [8, 1, 1]), allocate(1, [1, 8, 1]), allocate(4, [8, 1, 1])
    ([0, 0, 0], [0, 1, 0], [2, 1, 1])
    >>> allocate(10, [1, 1, 1]), allocate(100, [0.8, 0.1, 0.1])
    ([4, 3, 3], [80, 10, 10])
    """
    return allocate_classes([n], weights)[0]


def allocate_classes(sizes: Sequence[int], weights: Sequence[float], held=None) -> list:
    """The rule's counts per split of every class at once.

    Each class starts at the floors of its shares (``_floors``); its ``+ 1``s then go, as one
    max flow, up to each split's floor of ``N * w_s / sum(w)`` (floor pass), then up to its
    ceiling (ceiling pass), then anywhere (the presence pass: units presence forces).

    Args:
      sizes: units per class; their order breaks ties (``exact.class_counts``).
      weights: per split, positive; ints, floats or fractions, taken exactly.
      held: per class, the units earlier spans keep per split, or None: a class takes them as
        its floors where its shares allow it.

    Returns:
      One row per class: its units per split, summing to its size.

    >>> allocate_classes([10, 10, 10], [1, 1, 1, 1])  # 30 units in 4 splits: 8, 8, 7, 7
    [[3, 3, 2, 2], [2, 2, 3, 3], [3, 3, 2, 2]]
    >>> allocate_classes([5], [1, 1], held=[[0, 3]])  # the ceiling goes where units are kept
    [[2, 3]]
    """
    if not weights:
        raise ValueError('at least one split weight is required')
    if any(n < 0 for n in sizes):
        raise ValueError(f'class sizes must be >= 0, got {min(sizes)}')
    ratios = [Fraction(w) for w in weights]
    scale = math.lcm(*(r.denominator for r in ratios))
    w = [int(r * scale) for r in ratios]  # integer weights of the same ratios
    k, total, w_sum = len(w), sum(sizes), sum(w)
    classes = [_floors(n, w, None if held is None else held[c]) for c, n in enumerate(sizes)]
    rounding = _Rounding([row for _, rows in classes for row in rows], k)
    placed = [sum(floors[s] for floors, _ in classes) for s in range(k)]
    split_floor = [total * w_s // w_sum for w_s in w]
    split_ceil = [f + (total * w_s % w_sum > 0) for f, w_s in zip(split_floor, w)]
    for bound in (split_floor, split_ceil, [total] * k):  # floor, ceiling, presence passes
        rounding.fill([max(0, b - p) for b, p in zip(bound, placed)])
    return [
        [f + sum(row.up.get(s, 0) for row in rows) for s, f in enumerate(floors)]
        for floors, rows in classes
    ]


def fresh_counts(rule: Sequence[int], pinned: Sequence[int], fresh: int) -> list:
    """Counts per split of a class's ``fresh`` units when ``pinned[s]`` are already in split
    ``s`` and ``rule`` is the whole class's: ``allocate`` over each split's deficit
    ``max(0, rule[s] - pinned[s])``.

    >>> fresh_counts([8, 1, 1], [0, 3, 0], 7)  # 2 too many in eval: 7 over deficits (8, 0, 1)
    [6, 0, 1]
    """
    deficits = [max(0, r - p) for r, p in zip(rule, pinned)]
    short = [s for s, d in enumerate(deficits) if d]
    counts = [0] * len(rule)
    if not fresh or not short:
        return counts
    for s, n in zip(short, allocate(fresh, [deficits[s] for s in short])):
        counts[s] = n
    return counts


class _Row:
    """``ups`` of the ``+ 1``s of a class, to place in its ``open`` splits (one each), in the
    order of ``open``: the largest fractional part first, then the split listed earlier."""

    def __init__(self, open_splits: list, ups: int):
        self.open, self.ups = open_splits, ups
        self.up = {s: 0 for s in open_splits}


def _floors(n: int, w: Sequence[int], held=None) -> tuple:
    """``(floors, rows)`` of a class of ``n`` units over integer weights ``w``: its counts are
    ``floors`` plus the ``+ 1``s its ``rows`` place. A closed split takes no ``+ 1`` (a whole
    share, or a count set by presence or ``held``). Presence: the ``min(n, #splits)`` heaviest
    splits get a unit, as a floor if heavier than the ``cutoff``, else ``owed`` by a first row.

    >>> _floors(4, [8, 1, 1])[0]  # shares 3.2, 0.4, 0.4: one unit each for eval and test
    [2, 0, 0]
    """
    w_sum, splits = sum(w), range(len(w))
    floors = [n * w_s // w_sum for w_s in w]
    remainder = [n * w_s % w_sum for w_s in w]  # the fractional part, times w_sum
    closed = [r == 0 for r in remainder]
    present = min(n, len(w))
    cutoff = sorted(w, reverse=True)[present - 1] if present else None
    for s in splits:
        if present and w[s] > cutoff and floors[s] == 0:
            floors[s], closed[s] = 1, True
    at_cutoff = [s for s in splits if present and w[s] == cutoff]
    owed = max(0, present - sum(1 for s in splits if present and w[s] > cutoff))
    owed = max(0, owed - sum(1 for s in at_cutoff if floors[s]))
    while sum(floors) + owed > n:
        fullest = min(splits, key=lambda s: (-floors[s], s))
        floors[fullest] -= 1
        closed[fullest] = True
    if held is not None:
        raised = [f if c else max(f, min(h, f + 1)) for f, c, h in zip(floors, closed, held)]
        owed_raised = max(0, owed - sum(1 for s in at_cutoff if raised[s] and not floors[s]))
        if sum(raised) + owed_raised <= n:
            closed = [c or h > f for c, f, h in zip(closed, floors, held)]
            floors, owed = raised, owed_raised
    open_splits = sorted((s for s in splits if not closed[s]), key=lambda s: (-remainder[s], s))
    ups = n - sum(floors)
    if not owed:
        return floors, [_Row(open_splits, ups)]
    absent = [s for s in open_splits if s in at_cutoff and not floors[s]]
    others = [s for s in open_splits if s not in absent]
    return floors, [_Row(absent, owed), _Row(others, ups - owed)]


class _Rounding:
    """The rows' ``+ 1``s as a flow: a split takes at most its cap. ``fill`` places them
    greedily by the rows' preference, then along augmenting paths (a max flow: every ``+ 1``
    that fits under the caps is placed)."""

    def __init__(self, rows: list, num_splits: int):
        self.rows = rows
        self.used = [0] * num_splits
        self.holders = [{} for _ in range(num_splits)]  # split -> rows with a + 1 there (ordered)

    def fill(self, caps: list) -> None:
        used = self.used  # the most constrained rows first, each to the emptiest splits
        for c in sorted(range(len(self.rows)), key=lambda c: len(self.rows[c].open)):
            row = self.rows[c]
            if row.ups:
                free = [s for s in row.open if not row.up[s] and used[s] < caps[s]]
                free.sort(key=lambda s: used[s] - caps[s])  # stable: the row's preference next
                for s in free[: row.ups]:
                    self._move(c, None, s)
        progress = True
        while progress:
            progress = False
            for c, row in enumerate(self.rows):
                while row.ups and self._augment(c, caps):
                    progress = True

    def _move(self, c: int, source, target: int) -> None:
        """Row ``c``'s ``+ 1`` moves from split ``source`` (None: a new one) to ``target``."""
        row = self.rows[c]
        if source is None:
            row.ups -= 1
        else:
            row.up[source] = 0
            self.used[source] -= 1
            del self.holders[source][c]
        row.up[target] = 1
        self.used[target] += 1
        self.holders[target][c] = None

    def _augment(self, start: int, caps: list) -> bool:
        """Places one more ``+ 1`` of row ``start`` along a shortest augmenting path, if any."""
        rows, parent, seen = self.rows, {}, set()
        frontier = [s for s in rows[start].open if not rows[start].up[s]]
        for s in frontier:
            parent[s] = (None, start)
        while frontier:
            following = []
            for s in frontier:
                if self.used[s] < caps[s]:
                    while s is not None:  # back along the path: each row moves its + 1 forward
                        source, c = parent[s]
                        self._move(c, source, s)
                        s = source
                    return True
                for c in list(self.holders[s]):
                    if c in seen:
                        continue
                    seen.add(c)
                    for t in rows[c].open:
                        if not rows[c].up[t] and t not in parent:
                            parent[t] = (s, c)
                            following.append(t)
            frontier = following
        return False


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    from tfx_balance.core.common.deprecation import warn_moved

    warn_moved(f'{__name__}.{name}', f'{_MOVED[name]}.{name}')
    return getattr(importlib.import_module(_MOVED[name]), name)
