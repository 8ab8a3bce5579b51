"""The fill step's exact part: a small integer program over the empty pairs' neighbourhood.

Chains (:mod:`~tfx_balance.core.split.chains`) move two units at a time; a pair that needs
three or more moves at once (a group into test, a group of another label out, a third unit
refilling what that one left) stays empty after them. :func:`fill_exact` then solves, exactly
(scipy's ``milp``, HiGHS), which of the *free* strata's units go where:

- **free strata**: every stratum when the table has at most ``EXACT_STRATA`` of them (small data:
  the whole plan is open); otherwise the strata of the labels with an empty pair (rarest first),
  ``RINGS`` rings of the strata of the rare labels (at most ``RARE_UNITS`` units) on them, and
  ``FILLERS`` strata of frequent labels only (most units first) to trade sizes with;
- **constraints**: each stratum keeps its units; the heaviest-split rule; no (label, split) pair
  that holds a unit is emptied; the split sizes stay exact (with groups: every split within the
  chains' ``FILL_BAND`` in examples, or no further off than it was);
- **objective**: ``FILL_GAIN`` per pair filled (a missing pair is a goal, not a weight), plus the
  objective's chi-square of every label on a free stratum (piecewise linear, exact at the integer
  counts near the current one) and, with groups, the split sizes' terms (examples beyond the
  search's ``SIZE_BAND``, groups off their share).

The plan takes the solution only if it fills a pair. The program is a function of the table
alone (arrays in the search's order, HiGHS deterministic, a node limit and no time limit), so
the plan stays one for the data and the weights. :func:`forced_empty` counts the pairs no plan can
fill: a label of ``n >= #splits`` units, most of them on strata the rule keeps to a few splits.

Example (label 2 has 3 units, two of them beside a one-unit label: train only; so it misses a
split whatever the plan):
    >>> from tfx_balance.core.split.objective import PlanSearch
    >>> search = PlanSearch({(0, 2): 1, (1, 2): 1, (2,): 1, (4,): 17}, [8, 1, 1], [16, 2, 2], None)
    >>> forced_empty(search)
    1
"""

from __future__ import annotations

import logging

import numpy as np

from tfx_balance.core.split.objective import SIZE_WEIGHT

EXACT_STRATA = 4096  # tables of at most this many label sets: every stratum is free
RARE_UNITS = 20  # labels of at most this many units around an empty pair are freed too
RINGS = 2
FILLERS = 256
FILL_GAIN = 1000.0
NEAR = 3  # the chi-square is exact at the integer counts within this of the current count
NODE_LIMIT = 1000  # HiGHS branch-and-bound nodes (deterministic; no time limit)

_log = logging.getLogger(__name__)


def fill_exact(search, band) -> int:
    """Fill the empty pairs of ``search`` the program can; returns the number filled.
    ``band`` bounds each split's size off its target with groups (see the chains)."""
    empty = (search.c == 0) & search.big[:, None]
    before = int(empty.sum())
    if not before:
        return 0
    free = _neighbourhood(search, np.flatnonzero(empty.any(axis=1)))
    filled = _apply(search, free, _solve(search, free, band), empty)
    _log.info(
        'multi-label plan: %d empty (label, split) pairs filled by the exact step over %d label'
        ' sets; %d stay empty (%d of them forced by the heaviest-split rule)',
        filled,
        len(free),
        before - filled,
        forced_empty(search),
    )
    return filled


def _apply(search, free, solution, empty) -> int:
    """Takes ``solution`` (the free strata's counts) if it fills a pair and empties none;
    returns the number of pairs filled."""
    if solution is None:
        return 0
    delta = solution - search.counts[free]
    c = search.c.copy()
    for row, j in zip(delta, free.tolist()):
        if row.any():
            c[search._rows(j)] += row
    still = (c == 0) & search.big[:, None]
    if still.sum() >= empty.sum() or np.any(still & ~empty) or (c < 0).any():
        return 0
    search.counts[free] = solution
    search.c = c
    search.z = search.z + (delta * search.e[free, None]).sum(axis=0)
    search.u = search.u + delta.sum(axis=0)
    return int(empty.sum() - still.sum())


def label_index(search):
    """``(owner, strata)``: per entry of ``search.label_ids`` the stratum it belongs to, and
    ``strata(label)``, the strata carrying ``label``. One sort of the table per search, kept on
    it (the table's layout never changes; only its counts move)."""
    index = getattr(search, '_label_index', None)
    if index is None:
        owner = np.repeat(np.arange(len(search.starts)), search.ends - search.starts)
        order = np.argsort(search.label_ids, kind='stable')
        bounds = np.searchsorted(search.label_ids[order], np.arange(len(search.n) + 1))
        index = owner, lambda label: owner[order[bounds[label] : bounds[label + 1]]]
        search._label_index = index
    return index


def _neighbourhood(search, labels) -> np.ndarray:
    """The free strata (sorted indices) around the labels with an empty pair."""
    total = len(search.starts)
    if total <= EXACT_STRATA:
        return np.arange(total)
    owner, strata = label_index(search)
    free = np.zeros(total, dtype=bool)
    for label in labels[np.lexsort((labels, search.n[labels]))].tolist():  # rarest first
        free[strata(label)] = True
        if free.sum() >= EXACT_STRATA // 2:
            break
    for _ in range(RINGS):
        on = np.zeros(len(search.n), dtype=bool)
        on[search.label_ids[free[owner]]] = True
        ring = free.copy()
        ring[owner[(on & (search.n <= RARE_UNITS))[search.label_ids]]] = True
        if ring.sum() > EXACT_STRATA:
            break
        free = ring
    rarest = np.minimum.reduceat(search.n[search.label_ids], search.starts)
    fillers = np.flatnonzero((rarest > RARE_UNITS) & ~free)
    lengths = search.ends - search.starts
    fillers = fillers[np.lexsort((fillers, lengths[fillers], -search.m[fillers]))][:FILLERS]
    free[fillers] = True
    return np.flatnonzero(free)


def _solve(search, free: np.ndarray, band):
    """The program's counts for the ``free`` strata (``[len(free), k]``), or None."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    k, nf = search.k, len(free)
    counts = search.counts[free]
    pos = np.repeat(np.arange(nf), search.ends[free] - search.starts[free])
    ids = np.concatenate([search._rows(j) for j in free.tolist()])
    labels, member = np.unique(ids, return_inverse=True)  # the labels on a free stratum
    nl = len(labels)
    movable = np.zeros((nl, k))
    np.add.at(movable, member, counts[pos])
    fixed = search.c[labels] - movable  # each label's units on strata that stay
    reach = np.zeros((nl, k))
    np.add.at(reach, member, search.m[free][pos, None] * search.allowed[free][pos])
    program = _Program()
    x = program.variables(nf * k, upper=(search.allowed[free] * search.m[free, None]).ravel())
    for j in range(nf):  # each stratum keeps its units
        program.row(x + j * k + np.arange(k), np.ones(k), search.m[free[j]], search.m[free[j]])
    by_label = [[] for _ in range(nl)]
    for p, i in zip(pos.tolist(), member.tolist()):
        by_label[i].append(p)
    big = search.big[labels]
    for i in range(nl):
        cols = np.array(by_label[i]) * k
        for s in range(k):
            f, current = fixed[i, s], search.c[labels[i], s]
            if big[i] and current == 0:  # a pair to fill: p <= its count
                p = program.variables(1, upper=1, cost=-FILL_GAIN)
                program.row(np.append(cols + s, p), np.append(-np.ones(len(cols)), 1), None, f)
            elif big[i] and f == 0:  # a pair that holds a unit keeps one
                program.row(cols + s, np.ones(len(cols)), 1, None)
            t = search.t[labels[i], s]
            program.convex(cols + s, f, _points(current, f, f + reach[i, s], t), _chi(t, 1.0))
    e = search.e[free]
    rest = search.z - (counts * e[:, None]).sum(axis=0)
    for s in range(k):
        cols = x + np.arange(nf) * k + s
        if not search.grouped:
            program.row(cols, e, search.z[s] - rest[s], search.z[s] - rest[s])
            continue
        program.row(cols, e, search.tz[s] - band[s] - rest[s], search.tz[s] + band[s] - rest[s])
        # the split's number of groups near its share (LD counts in groups)
        units = search.u[s] - counts[:, s].sum()
        reach_units = (search.m[free] * search.allowed[free, s]).sum()
        points = _points(search.u[s], units, units + reach_units, search.tu[s])
        program.convex(cols, units, points, _chi(search.tu[s], search.unit_weight))
        # the size term beyond the search's free band (piecewise linear in the excess)
        over = program.variables(1)
        for sign in (1.0, -1.0):  # over >= sign (z - tz) - free band
            lo = sign * (rest[s] - search.tz[s]) - search.band[s]
            program.row(np.append(cols, over), np.append(-sign * e, 1), lo, None)
        points = np.linspace(0.0, max(band[s] - search.band[s], 1.0), 9).tolist()
        program.convex([over], 0.0, points, lambda o, tz=search.tz[s]: SIZE_WEIGHT * o * o / tz)
    result = program.solve(milp, Bounds, LinearConstraint, csr_matrix)
    if result is None:
        return None
    return np.round(result[x : x + nf * k]).astype(np.int64).reshape(nf, k)


def _chi(t: float, weight: float):
    """``v -> weight (v - t)^2 / t``: the objective's term of a count ``v`` with target ``t``."""
    return lambda v: weight * (v - t) ** 2 / t


def _points(current, low, high, t) -> list:
    """Break points of a label's count per split: the integers near ``current`` and the target,
    then doubling steps out to the count's bounds."""
    low, high = int(round(low)), int(round(high))
    points = {low, high, int(np.floor(t)), int(np.ceil(t))}
    points.update(range(int(current) - NEAR, int(current) + NEAR + 1))
    step = 2 * NEAR
    while current - step > low or current + step < high:
        points.update((int(current) - step, int(current) + step))
        step *= 2
    return sorted(p for p in points if low <= p <= high)


class _Program:
    """A MILP built row by row (integer variables unless said otherwise)."""

    def __init__(self):
        self.cost, self.lower, self.upper, self.integral = [], [], [], []
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []

    def variables(self, count, upper=np.inf, lower=0.0, cost=0.0) -> int:
        first = len(self.cost)
        real = lower is None
        self.cost.extend([cost] * count)
        self.lower.extend([-np.inf if real else lower] * count)
        self.upper.extend(np.broadcast_to(np.inf if upper is None else upper, (count,)).tolist())
        self.integral.extend([0 if real else 1] * count)
        return first

    def convex(self, cols, fixed, points, cost) -> None:
        """A cost ``cost(v)`` (convex) of ``v = fixed + sum of cols``: a variable above its
        secants between the sorted break ``points`` (exact at them)."""
        if len(points) < 2:
            return
        y = self.variables(1, lower=None, upper=None, cost=1.0)
        for a, b in zip(points[:-1], points[1:]):
            fa, fb = cost(a), cost(b)
            g = (fb - fa) / (b - a)  # y >= fa + g (fixed + sum x - a)
            self.row(
                np.append(cols, y),
                np.append(-g * np.ones(len(cols)), 1),
                fa + g * (fixed - a),
                None,
            )

    def row(self, cols, vals, lo, hi) -> None:
        self.rows.extend([len(self.lo)] * len(cols))
        self.cols.extend(np.asarray(cols).tolist())
        self.vals.extend(np.asarray(vals, dtype=float).tolist())
        self.lo.append(-np.inf if lo is None else float(lo))
        self.hi.append(np.inf if hi is None else float(hi))

    def solve(self, milp, Bounds, LinearConstraint, csr_matrix):
        cost = np.array(self.cost, dtype=float)
        matrix = csr_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lo), len(cost)))
        result = milp(
            cost,
            constraints=LinearConstraint(matrix, self.lo, self.hi),
            integrality=np.array(self.integral),
            bounds=Bounds(self.lower, self.upper),
            options={'node_limit': NODE_LIMIT, 'disp': False},
        )
        return result.x


def forced_empty(search) -> int:
    """The (label, split) pairs of labels with ``>= #splits`` units that no plan can fill: per
    label, the splits its units cannot all reach at once under the heaviest-split rule (a
    matching of its units to the splits each may go to)."""
    k = search.k
    owner, strata = label_index(search)
    reach = np.zeros((len(search.n), k))
    np.add.at(reach, search.label_ids, (search.m[:, None] * search.allowed)[owner])
    forced = 0
    for label in np.flatnonzero(search.big & (reach.min(axis=1) < k)).tolist():
        units = []
        for j in np.unique(strata(label)).tolist():
            units.extend([np.flatnonzero(search.allowed[j]).tolist()] * min(int(search.m[j]), k))
        forced += k - _matching(units, k)
    return forced


def _matching(units, k: int) -> int:
    """The most splits that distinct units can cover (augmenting paths; ``units``: allowed
    splits per unit)."""
    holder = [-1] * k

    def augment(u, seen) -> bool:
        for s in units[u]:
            if s not in seen:
                seen.add(s)
                if holder[s] < 0 or augment(holder[s], seen):
                    holder[s] = u
                    return True
        return False

    return sum(augment(u, set()) for u in range(len(units)))
