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
import itertools
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
    w = _integer_weights(weights)
    k, total = len(w), sum(sizes)
    classes = [_floors(n, w, None if held is None else held[c]) for c, n in enumerate(sizes)]
    rounding = _Rounding([row for _, rows in classes for row in rows], k)
    placed = [sum(floors[s] for floors, _ in classes) for s in range(k)]
    split_floor, split_ceil = _shares(total, w)
    for bound in (split_floor, split_ceil, [total] * k):  # floor, ceiling, presence passes
        rounding.fill([max(0, b - p) for b, p in zip(bound, placed)])
    return [
        [f + sum(row.up.get(s, 0) for row in rows) for s, f in enumerate(floors)]
        for floors, rows in classes
    ]


def allocate_strata(sizes: Sequence[int], weights: Sequence[float], counts, held=None) -> list:
    """The rule's counts per split of the strata of one class (``stratify_features``), whose
    counts per split are ``counts`` (its row of ``allocate_classes``).

    Stratum ``v`` of ``n_v`` units puts ``floor`` or ``ceil`` of ``n_v * w_s / sum(w)`` units in
    split ``s``, and the strata's counts sum to ``counts`` in every split. This is a controlled
    rounding of the class's table. It exists whenever ``counts`` is itself one, that is each
    split holds the floor or ceiling of the class's share; only presence or ``held`` can make
    ``counts`` another.

    Each stratum starts at its floors. The ``+ 1``s go to the largest fractional parts first,
    across the class's strata (``_Rounding.fill_by_level``). With two splits this gives the least
    largest |count - share| the class's counts allow; a stratum of one unit goes to the heaviest
    split with room. The rest go as one max flow under the room ``counts`` leaves. Where no such
    rounding exists, the units left go where room is left, and the report shows the deviation.

    Args:
      sizes: units per stratum; their order breaks ties (``exact.class_counts``).
      weights: per split, positive.
      counts: the class's units per split; ``sum(counts) == sum(sizes)``.
      held: per stratum, the units earlier spans keep per split, or None.

    Returns:
      One row per stratum: its units per split, summing to its size.

    >>> allocate_strata([3, 3, 1, 1], [1, 1], [4, 4])  # 1.5 each: one stratum of 1 each way
    [[2, 1], [1, 2], [1, 0], [0, 1]]
    >>> allocate_strata([1] * 5, [8, 1, 1], [3, 1, 1])  # strata of one: train first, then room
    [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    if sum(sizes) != sum(counts):
        raise ValueError(f'the strata hold {sum(sizes)} units, the class {sum(counts)}')
    w = _integer_weights(weights)
    w_sum, splits = sum(w), range(len(w))
    floors = [[n * w_s // w_sum for w_s in w] for n in sizes]
    remainder = [[n * w_s % w_sum for w_s in w] for n in sizes]
    closed = [[r == 0 for r in row] for row in remainder]
    if held is not None:  # a kept unit above the floor takes the stratum's + 1 there
        for v, n in enumerate(sizes):
            raised = [
                f if c else max(f, min(h, f + 1)) for f, c, h in zip(floors[v], closed[v], held[v])
            ]
            if sum(raised) <= n:
                closed[v] = [c or h > f for c, f, h in zip(closed[v], floors[v], held[v])]
                floors[v] = raised
    for s in splits:  # floors above the class's count (presence took from it): the largest give
        over = sum(row[s] for row in floors) - counts[s]
        while over > 0:
            v = min(range(len(sizes)), key=lambda v: (-floors[v][s], v))
            floors[v][s] -= 1
            closed[v][s] = True
            over -= 1
    rows = [
        _Row(
            sorted((s for s in splits if not closed[v][s]), key=lambda s: (-remainder[v][s], s)),
            n - sum(floors[v]),
        )
        for v, n in enumerate(sizes)
    ]
    room = [c - sum(row[s] for row in floors) for s, c in enumerate(counts)]
    rounding = _Rounding(rows, len(w))
    rounding.fill_by_level(remainder, room)
    rounding.fill(room)
    result = [[f + row.up.get(s, 0) for s, f in enumerate(fl)] for fl, row in zip(floors, rows)]
    left = [c - sum(r[s] for r in result) for s, c in enumerate(counts)]
    for v, row in enumerate(rows):  # no rounding within counts: the rest where room is left
        while row.ups:
            s = max(splits, key=lambda s: (left[s], -s))
            result[v][s] += 1
            left[s] -= 1
            row.ups -= 1
    return result


def allocate_classes_and_strata(
    strata: Sequence[Sequence[int]], weights, held=None, values=None
) -> tuple:
    """``(class rows, strata rows)``: each class's counts per split (``allocate_classes`` of
    the classes' sizes, ``held`` summed per class) and its strata's (``allocate_strata``), for
    ``strata[c]``, the sizes of class ``c``'s strata (``held[c]``: theirs kept per split).

    Every stratum is within 1 of its share in every split, every class and every split too: the
    strata nest in the classes, so such a table exists (a flow with bounds on a laminar family).
    ``allocate_classes``' rows (presence, ``held``) are kept where the strata fit in them and
    keep what earlier spans hold (``held``, up to each stratum's ceiling: else its fresh units
    could not make up its other splits), and always where presence or ``held`` moved a row off
    its shares (its strata then follow it as closely as they can: a stratum may be off by more
    than 1 there). Where another class's strata do not fit, the rows of all such classes are
    taken from one bounded flow (``_nested_rounding``) that keeps presence, and ``held``, where
    it can. With ``values`` (``values[c][v]``: the feature values of class ``c``'s stratum ``v``,
    one per feature), each value's total over classes is then brought as close to its share as
    these bounds allow (``_balance_values``).

    >>> rows, strata = allocate_classes_and_strata([[20, 2]], [2, 1, 1, 2, 2])
    >>> rows, strata  # in [6, 2, 2, 6, 6], 20's 2.5 in eval and test cannot both round down
    ([[6, 3, 3, 5, 5]], [[[5, 3, 2, 5, 5], [1, 0, 1, 0, 0]]])
    """
    class_held = None
    if held is not None:
        class_held = [[sum(col) for col in zip(*rows)] for rows in held]
    class_rows = allocate_classes([sum(sizes) for sizes in strata], weights, class_held)
    strata_rows = [
        allocate_strata(sizes, weights, row, None if held is None else held[c])
        for c, (sizes, row) in enumerate(zip(strata, class_rows))
    ]
    fit = all(_within_shares(n, weights, r) for n, r in zip(strata, strata_rows))
    if fit and (held is None or _keeps_held(strata, weights, strata_rows, held)):
        found = strata_rows
    else:  # one table of every class with presence (and what is kept), if there is one
        found = _nested_rounding(strata, weights, presence=True, held=held)
        if found is None and held is not None:
            found = _nested_rounding(strata, weights, presence=True)
    if found is None:
        # A class whose row presence or held moved off its shares keeps it: its strata follow it
        # as closely as they can. The others are rounded again together if one's strata do not
        # fit its row (the split totals of their sum within 1 too).
        free = [c for c, (sizes, row) in enumerate(zip(strata, class_rows))
                if _within_shares([sum(sizes)], weights, [row])]  # fmt: skip
        sizes = [strata[c] for c in free]
        if not all(_within_shares(strata[c], weights, strata_rows[c]) for c in free):
            rows = _nested_rounding(sizes, weights, presence=True)
            if rows is None:
                rows = _nested_rounding(sizes, weights, presence=False)
            for c, row in zip(free, rows):
                strata_rows[c] = row
        found = strata_rows
    strata_rows = found
    class_rows = [[sum(col) for col in zip(*rows)] for rows in strata_rows]
    if values is not None:
        _balance_values(strata, strata_rows, weights, values, held)
    return class_rows, strata_rows


def _balance_values(strata, rows, weights, values, held=None) -> None:
    """Swaps ``+ 1``s between two strata of one class while that brings the feature values'
    totals closer to their shares. ``rows``: ``allocate_classes_and_strata``'s, changed in place.

    A swap moves a unit of one stratum from split ``s`` to ``t`` and one of the other from ``t``
    to ``s``, so every class's and split's count stays. It is made when the sum of squared
    ``examples - share`` over values and splits falls, and every stratum stays at its floor or
    ceiling, at least at what ``held`` keeps, and no further from its share than the largest
    stratum deviation before the swaps: the strata's guarantee comes first.

    >>> rows = [[[32, 4, 4], [20, 3, 2], [2, 0, 1]], [[4, 1, 0], [2, 0, 0], [0, 0, 1]]]
    >>> sites = [('A',), ('B',), ('C',)]  # of both classes: site C held 2 of 4 in test
    >>> _balance_values([[40, 25, 3], [5, 2, 1]], rows, [8, 1, 1], [sites, sites]); rows[0]
    [[32, 4, 4], [20, 2, 3], [2, 1, 0]]
    """
    w = _integer_weights(weights)
    w_sum, k = sum(w), len(w)
    deviation = {}  # (feature, value) -> per split, (examples - share) * w_sum
    for c, sizes in enumerate(strata):
        for v, n in enumerate(sizes):
            for key in enumerate(values[c][v]):
                d = deviation.setdefault(key, [0] * k)
                for s in range(k):
                    d[s] += rows[c][v][s] * w_sum - n * w[s]

    largest = max(  # the largest |examples - share| of a stratum, times w_sum: no swap passes it
        abs(x * w_sum - n * w_s)
        for c, sizes in enumerate(strata)
        for n, row in zip(sizes, rows[c])
        for w_s, x in zip(w, row)
    )

    shares = [[_shares(n, w) for n in sizes] for sizes in strata]

    def movable(c, v, s, t) -> bool:  # a unit of stratum v of class c from s to t
        n, row = strata[c][v], rows[c][v]
        floors, ceilings = shares[c][v]
        least = max(floors[s], held[c][v][s] if held is not None else 0)
        if row[s] - 1 < least or row[t] + 1 > ceilings[t]:
            return False
        return (
            abs((row[s] - 1) * w_sum - n * w[s]) <= largest
            and abs((row[t] + 1) * w_sum - n * w[t]) <= largest
        )

    def change(moves) -> int:  # the objective's change of ((c, v, s, t), ...)
        delta = {}
        for c, v, s, t in moves:
            for key in enumerate(values[c][v]):
                d = delta.setdefault(key, [0] * k)
                d[s] -= w_sum
                d[t] += w_sum
        return sum(
            (dev[s] + dd) ** 2 - dev[s] ** 2
            for key, dd_row in delta.items()
            for dev in (deviation[key],)
            for s, dd in enumerate(dd_row)
            if dd
        )

    improved = True
    while improved:
        improved = False
        for c, sizes in enumerate(strata):
            if len(sizes) < 2:
                continue
            for s in range(k):
                for t in range(k):
                    if s == t:
                        continue
                    out = [v for v in range(len(sizes)) if movable(c, v, s, t)]
                    back = [v for v in range(len(sizes)) if movable(c, v, t, s)]
                    if not out or not back:
                        continue
                    out = sorted(out, key=lambda v: change([(c, v, s, t)]))[:3]
                    back = sorted(back, key=lambda v: change([(c, v, t, s)]))[:3]
                    pairs = [(a, b) for a in out for b in back if a != b]
                    if not pairs:
                        continue
                    a, b = min(pairs, key=lambda p: change([(c, p[0], s, t), (c, p[1], t, s)]))
                    if change([(c, a, s, t), (c, b, t, s)]) >= 0:
                        continue
                    for v, source, target in ((a, s, t), (b, t, s)):
                        rows[c][v][source] -= 1
                        rows[c][v][target] += 1
                        for key in enumerate(values[c][v]):
                            deviation[key][source] -= w_sum
                            deviation[key][target] += w_sum
                    improved = True


def _keeps_held(strata, weights, strata_rows, held) -> bool:
    """Whether every stratum's row holds its ``held`` units in each split where its ceiling
    can (a split keeping more than the ceiling is over whatever the row)."""
    w = _integer_weights(weights)
    return all(
        x >= min(h, ceiling)
        for sizes, rows, kept in zip(strata, strata_rows, held)
        for n, row, h_row in zip(sizes, rows, kept)
        for ceiling, x, h in zip(_shares(n, w)[1], row, h_row)
    )


def _within_shares(sizes, weights, rows) -> bool:
    """Whether each row of ``rows`` is the floor or ceiling of its size's shares."""
    w = _integer_weights(weights)
    return all(
        floor <= x <= ceiling
        for n, row in zip(sizes, rows)
        for floor, ceiling, x in zip(*_shares(n, w), row)
    )


def _nested_rounding(strata, weights, presence: bool, held=None):
    """Every stratum's counts per split from one flow with bounds: each stratum, class and split
    within the floor and ceiling of its share (with ``presence``, also each class in its
    ``min(n_c, #splits)`` heaviest splits; with ``held``, each stratum at its ceiling where it
    keeps more than its floor); the + 1s go where the remainder is largest first. None if no
    such table exists (only with ``presence`` or ``held``)."""
    w = _integer_weights(weights)
    w_sum, k = sum(w), len(w)
    splits = range(k)
    heaviest = sorted(splits, key=lambda s: (-w[s], s))
    flow = _BoundedFlow()
    source, sink = flow.node(), flow.node()
    split_nodes = [flow.node() for _ in splits]
    total = sum(sum(sizes) for sizes in strata)
    low, high = _shares(total, w)
    edges = []  # (class, stratum, split, edge)
    rows = [[] for _ in strata]  # each stratum's floors; the flow adds its + 1s
    base = [0] * k
    for c, sizes in enumerate(strata):
        class_low, class_high = _shares(sum(sizes), w)
        if presence:
            for s in heaviest[: min(sum(sizes), k)]:
                class_low[s] = max(class_low[s], 1)
        class_nodes = [flow.node() for _ in splits]
        floors_c = [0] * k
        for v, n in enumerate(sizes):
            floors, ceils = _shares(n, w)
            rows[c].append(floors)
            node = flow.node()
            ups = n - sum(floors)
            flow.edge(source, node, ups, ups)
            order = sorted(splits, key=lambda s: (-(n * w[s] % w_sum), s))
            for s in order:
                if ceils[s] > floors[s]:
                    kept = held is not None and held[c][v][s] > floors[s]
                    edges.append((c, v, s, flow.edge(node, class_nodes[s], int(kept), 1)))
            for s in splits:
                floors_c[s] += floors[s]
        for s in splits:
            lo, hi = class_low[s] - floors_c[s], class_high[s] - floors_c[s]
            if hi < 0 or hi < lo:
                return None
            flow.edge(class_nodes[s], split_nodes[s], max(0, lo), hi)
            base[s] += floors_c[s]
    for s in splits:
        if high[s] - base[s] < 0:
            return None
        flow.edge(split_nodes[s], sink, max(0, low[s] - base[s]), high[s] - base[s])
    if not flow.feasible(source, sink):
        return None
    for c, v, s, edge in edges:
        rows[c][v][s] += flow.flow(edge)
    return rows


class _BoundedFlow:
    """An integer flow with a lower and an upper bound per edge: ``feasible`` finds one (the
    usual reduction to a max flow from a super source), by augmenting paths in edge order."""

    def __init__(self):
        self.adjacent = []  # node -> [edge index]
        self.to, self.cap, self.low = [], [], []

    def node(self) -> int:
        self.adjacent.append([])
        return len(self.adjacent) - 1

    def edge(self, a: int, b: int, low: int, high: int) -> int:
        index = len(self.to)
        for u, v, c in ((a, b, high - low), (b, a, 0)):
            self.adjacent[u].append(len(self.to))
            self.to.append(v)
            self.cap.append(c)
            self.low.append(low if u == a else 0)
        return index

    def flow(self, edge: int) -> int:
        return self.low[edge] + self.cap[edge ^ 1]

    def feasible(self, source: int, sink: int) -> bool:
        excess = [0] * len(self.adjacent)
        for e in range(0, len(self.to), 2):
            a, b = self.to[e + 1], self.to[e]
            excess[b] += self.low[e]
            excess[a] -= self.low[e]
        self.edge(sink, source, 0, 1 << 60)
        s, t = self.node(), self.node()
        need = 0
        for v, x in enumerate(excess):
            if x > 0:
                self.edge(s, v, 0, x)
                need += x
            elif x < 0:
                self.edge(v, t, 0, -x)
        return self._max_flow(s, t) == need

    def _max_flow(self, s: int, t: int) -> int:
        """Dinic's: a breadth-first level graph, then blocking flows along it in edge order
        (iteratively, so deep graphs need no recursion)."""
        total, n = 0, len(self.adjacent)
        while True:
            level = [-1] * n
            level[s] = 0
            queue = [s]
            for u in queue:
                for e in self.adjacent[u]:
                    v = self.to[e]
                    if self.cap[e] > 0 and level[v] < 0:
                        level[v] = level[u] + 1
                        queue.append(v)
            if level[t] < 0:
                return total
            cursor = [0] * n
            while True:
                path, u = [], s
                while u != t:  # advance along the level graph, retreating from dead ends
                    edges = self.adjacent[u]
                    while cursor[u] < len(edges):
                        e = edges[cursor[u]]
                        v = self.to[e]
                        if self.cap[e] > 0 and level[v] == level[u] + 1:
                            break
                        cursor[u] += 1
                    if cursor[u] == len(edges):
                        if u == s:
                            break
                        level[u] = -1  # a dead end
                        e = path.pop()
                        u = self.to[e ^ 1]
                        cursor[u] += 1
                        continue
                    path.append(e)
                    u = v
                if u != t:
                    break
                push = min(self.cap[e] for e in path)
                for e in path:
                    self.cap[e] -= push
                    self.cap[e ^ 1] += push
                total += push


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


def _integer_weights(weights: Sequence[float]) -> list:
    """Integer weights of the same ratios (ints, floats or fractions, taken exactly)."""
    ratios = [Fraction(w) for w in weights]
    scale = math.lcm(*(r.denominator for r in ratios))
    return [int(r * scale) for r in ratios]


def _shares(n: int, w: Sequence[int]) -> tuple:
    """``(floors, ceilings)``: per split, ``n * w_s / sum(w)`` rounded down and up.

    >>> _shares(10, [8, 1, 1])
    ([8, 1, 1], [8, 1, 1])
    >>> _shares(4, [8, 1, 1])
    ([3, 0, 0], [4, 1, 1])
    """
    w_sum = sum(w)
    floors = [n * w_s // w_sum for w_s in w]
    return floors, [f + (n * w_s % w_sum > 0) for f, w_s in zip(floors, w)]


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

    def fill_by_level(self, remainder: list, caps: list) -> None:
        """Places the rows' ``+ 1``s greedily (as ``fill``'s first pass does), the largest
        fractional parts (``remainder[c][s]``) across all rows first: a row rounds up where it is
        nearest its next unit before another row rounds up where it is further, so that the
        largest |count - share| is as small as the caps allow (``fill`` places the rest)."""
        pairs = sorted(
            ((remainder[c][s], c, s) for c, row in enumerate(self.rows) for s in row.open),
            key=lambda pair: -pair[0],
        )
        used = self.used
        for _, level in itertools.groupby(pairs, key=lambda pair: pair[0]):
            at_level = {}
            for _, c, s in level:
                at_level.setdefault(c, []).append(s)
            for c in sorted(at_level, key=lambda c: len(self.rows[c].open)):
                row = self.rows[c]
                free = [s for s in at_level[c] if not row.up[s] and used[s] < caps[s]]
                free.sort(key=lambda s: used[s] - caps[s])
                for s in free[: row.ups]:
                    self._move(c, None, s)

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
