"""The multi-label plan's objective and its search (:func:`~.iterative.plan_counts` builds it).

:class:`PlanSearch` holds the aggregate table as arrays (strata sorted by their labels' class
order, so nothing depends on the table's order): per stratum its labels (CSR: ``starts``,
``label_ids``), units ``m``, examples per unit ``e`` (1 without groups) and allowed splits; per
label its units ``n`` and targets ``t = n * r``. The cost it lowers is

``sum over labels l, splits s of (c_ls - t_ls)^2 / t_ls``
``+ PRESENCE x (empty (l, s) of labels with n_l >= #splits)`` (``PRESENCE_GROUPS`` with groups)
``+ SIZE_WEIGHT x sum_s max(0, |z_s - T_s| - band_s)^2 / T_s``
``+ SIZE_WEIGHT x sum_s (u_s - U_s)^2 / U_s`` (with groups only)

(``z_s`` the split's labelled size, in examples with groups, ``band_s`` 0 without groups and
``SIZE_BAND x T_s`` with them: inside the band the sizes cost nothing and free the labels; with
groups ``u_s`` is the split's number of groups and ``U_s`` its share: a label's share *of a
split's units* is what LD measures, so a split of more groups than its share dilutes them all).

Example:
    >>> search = PlanSearch({(0,): 5, (0, 1): 3}, [1, 1], [4, 4], None)
    >>> search.greedy()
    >>> search.local_search(), search.repair_sizes(), search.swaps()
    (0, 0, 0)
    >>> search.counts.tolist(), search.z.tolist()
    ([[2, 3], [2, 1]], [4.0, 4.0])
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from tfx_balance.core.labels import class_sort_key
from tfx_balance.core.split.allocation import allocate

# cost of an empty (label, split) of a label with at least #splits units; with groups lower (a
# group moved to fill a pair drags its other labels and 1-12 examples along: measured in
# benchmarks/RESULTS.md section 10, 10 there costs LD 1.8x iterstrat's at 30k examples)
PRESENCE = 10.0
PRESENCE_GROUPS = 5.0
SIZE_WEIGHT = 20.0  # weight of the split sizes' term
SIZE_BAND = 0.01  # with groups: sizes within 1% of their share (in examples) cost nothing
HARD_BAND = 0.015  # with groups: the final repair brings every split within 1.5%
MAX_PASSES = 30  # local search: at most this many passes over the strata that can improve
BULK = 32  # a stratum of more units is inserted at once (numpy), fewer one by one
SWAP_WIDTH = 24  # swaps: candidates per direction and pair of splits
BLOCK = 16384  # strata per block of a pass over the table (bounds its temporaries)
EPS = 1e-9


class PlanSearch:
    """The objective's state: ``counts`` (strata x splits), ``c`` (labels x splits), ``z``."""

    def __init__(
        self, strata: Mapping[tuple, int], weights, target_size, examples, target_units=None
    ):
        k = self.k = len(weights)
        self.r = np.array([w / sum(weights) for w in weights], dtype=float)
        labels = sorted({label for s in strata for label in s}, key=class_sort_key)
        index = {label: i for i, label in enumerate(labels)}
        sets = list(strata)
        ids = [tuple(sorted(map(index.__getitem__, s))) for s in sets]
        order = sorted(range(len(ids)), key=ids.__getitem__)  # by the labels' class order
        self.sets = [sets[j] for j in order]
        del sets
        ids = [ids[j] for j in order]
        del order
        lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        self.starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
        self.label_ids = np.fromiter((i for key in ids for i in key), dtype=np.int64)
        self.ends = np.cumsum(lens)
        self.m = np.fromiter((strata[s] for s in self.sets), dtype=np.int64, count=len(ids))
        self.n = np.bincount(self.label_ids, weights=np.repeat(self.m, lens), minlength=len(labels))
        self.t = np.maximum(self.n[:, None] * self.r[None, :], EPS)
        self.inv_t = 1.0 / self.t
        self.big = self.n >= k
        if examples is None:
            self.e = np.ones(len(ids))
        else:
            self.e = np.array([examples[s] for s in self.sets], dtype=float) / self.m
        self.grouped = examples is not None
        self.presence = PRESENCE_GROUPS if self.grouped else PRESENCE
        self.tz = np.maximum(np.asarray(target_size, dtype=float), EPS)
        self.band = SIZE_BAND * self.tz if self.grouped else np.zeros(k)
        if target_units is None:
            target_units = self.r * self.m.sum()
        self.tu = np.maximum(np.asarray(target_units, dtype=float), EPS)
        self.unit_weight = SIZE_WEIGHT if self.grouped else 0.0
        self.u = np.zeros(k)
        self.allowed = self._allowed(weights)
        self.counts = np.zeros((len(ids), k), dtype=np.int64)
        self.c = np.zeros((len(labels), k), dtype=np.int64)
        self.z = np.zeros(k)

    def _allowed(self, weights) -> np.ndarray:
        """The heaviest-split rule: a stratum carrying a label of fewer units than splits may go
        only where that label's ``allocate`` puts a unit."""
        k = self.k
        support = np.ones((len(self.n), k), dtype=bool)
        for size in range(1, k):
            support[self.n == size] = np.array(allocate(size, list(weights))) > 0
        allowed = np.logical_and.reduceat(support[self.label_ids], self.starts, axis=0)
        heaviest = max(range(k), key=lambda s: (weights[s], -s))
        allowed[~allowed.any(axis=1), heaviest] = True  # disjoint supports: the heaviest split
        return allowed

    # -- the size term --------------------------------------------------------------------------
    def size_cost(self, z, u):
        """The size terms per split for sizes ``z`` and units ``u`` (broadcasts)."""
        over = np.maximum(np.abs(z - self.tz) - self.band, 0.0)
        return SIZE_WEIGHT * over * over / self.tz + self.unit_weight * (u - self.tu) ** 2 / self.tu

    # -- greedy insertion -----------------------------------------------------------------------
    def greedy(self) -> None:
        """Strata from their rarest label (fewest units; ties: class order), each unit to the
        allowed split of least added cost; a stratum of more than ``BULK`` units at once (the
        ``m`` least marginal costs over the splits, which is what one by one gives)."""
        rarest = np.minimum.reduceat(self.n[self.label_ids], self.starts)
        k, c, inv_t = self.k, self.c.T.tolist(), self.inv_t.T.tolist()  # per split, per label
        # g[b][i]: label i's part of the cost of one more unit in split b, less a constant:
        # (2 (c - t) + 1) / t = (2 c + 1) / t - 2, and -presence while (i, b) is empty
        g = [[x - self.presence * big for x, big in zip(row, self.big.tolist())] for row in inv_t]
        z, tz, band, u = self.z.tolist(), self.tz.tolist(), self.band.tolist(), self.u.tolist()
        tu, uw = self.tu.tolist(), self.unit_weight

        def step(b):  # the size terms' change for one more unit of e examples in split b
            return _size_delta(z[b], e, tz[b], band[b]) + uw * (2 * (u[b] - tu[b]) + 1) / tu[b]

        code = self.allowed @ (1 << np.arange(k))  # the allowed splits as a bit pattern
        patterns = {x: [b for b in range(k) if x >> b & 1] for x in np.unique(code).tolist()}
        counts, last_e, size = self.counts, None, None
        order = np.lexsort((np.arange(len(rarest)), rarest))
        for j, first, end, m, e, x in self._in_chunks(order, code):  # Python values, per chunk
            ids = self.label_ids[first:end].tolist()
            allowed = patterns[x]
            if e != last_e:  # the size term of one more unit per split (for units of e examples)
                size = [step(b) for b in range(k)]
                last_e = e
            if m > BULK:
                placed = self._bulk(ids, m, e, allowed, c, z, u)
            else:
                placed = [0] * k
                for _ in range(m):
                    best, best_d = 0, math.inf
                    for b in allowed:
                        d = size[b] + sum(map(g[b].__getitem__, ids))
                        if d < best_d:
                            best, best_d = b, d
                    placed[best] += 1
                    z[best] += e
                    u[best] += 1
                    size[best] = step(best)
                    cb, gb, ib = c[best], g[best], inv_t[best]
                    for i in ids:
                        cb[i] += 1
                        gb[i] = (2 * cb[i] + 1) * ib[i]
            for b, x in enumerate(placed):
                if x:
                    counts[j, b] = x
                    if m > BULK:
                        cb, gb, ib = c[b], g[b], inv_t[b]
                        for i in ids:
                            cb[i] += x
                            gb[i] = (2 * cb[i] + 1) * ib[i]
                        z[b] += x * e
                        u[b] += x
                        size[b] = step(b)
        self.c = np.array(c, dtype=np.int64).T.copy()
        self.z, self.u = np.array(z), np.array(u)

    def _in_chunks(self, order, code):
        """``(j, first, end, m, e, allowed code)`` of the strata in ``order``, as Python values
        made ``BLOCK`` at a time (lists of the whole table would hold an object per entry)."""
        for lo in range(0, len(order), BLOCK):
            js = order[lo : lo + BLOCK]
            yield from zip(
                js.tolist(),
                self.starts[js].tolist(),
                self.ends[js].tolist(),
                self.m[js].tolist(),
                self.e[js].tolist(),
                code[js].tolist(),
            )

    def _bulk(self, ids, m: int, e: float, allowed, c, z, u) -> list:
        """The ``m`` least marginal costs of one stratum over its allowed splits (ties: the lower
        split, then the earlier unit): the same counts as ``m`` insertions one by one."""
        x = np.arange(m + 1)
        rows = np.array(ids)
        costs, owner = [], []
        for b in allowed:
            cb = np.array([c[b][i] for i in ids], dtype=float)
            tb, ib = self.t[rows, b], self.inv_t[rows, b]
            label = (((cb[None, :] + x[:, None]) - tb) ** 2 * ib).sum(axis=1)
            size = self.size_cost(z[b] + e * x[:, None], u[b] + x[:, None])[:, b]
            total = label + size
            step = np.diff(total)
            missing = (cb == 0) & self.big[rows]
            step[0] -= self.presence * missing.sum()
            costs.append(step)
            owner.append(np.full(m, b))
        order = np.argsort(np.concatenate(costs), kind='stable')[:m]
        return np.bincount(np.concatenate(owner)[order], minlength=self.k).tolist()

    # -- local search ---------------------------------------------------------------------------
    def _label_terms(self, rows=slice(None)):
        """``(rem, add)``: per label (of ``rows``) and split, its cost change for one unit
        fewer / more."""
        c, inv_t, big = self.c[rows], self.inv_t[rows], self.big[rows, None]
        diff = c - self.t[rows]
        add = (2 * diff + 1) * inv_t - self.presence * ((c == 0) & big)
        rem = (1 - 2 * diff) * inv_t + self.presence * ((c == 1) & big)
        return rem, add

    def _size_terms(self, e):
        """``(rem, add)``: per split, the size terms' change for one unit of ``e`` examples
        fewer / more (``e`` a column per stratum, or one value)."""
        z, u = self.z, self.u
        base = self.size_cost(z, u)
        return self.size_cost(z - e, u - 1) - base, self.size_cost(z + e, u + 1) - base

    def _blocks(self):
        """``(first, end, label_ids, starts)`` of blocks of ``BLOCK`` strata: the temporaries
        of one pass over the table (labels x splits per label on a stratum, strata x splits x
        splits) stay bounded by the block, not the table (memory at 1M examples)."""
        total = len(self.starts)
        for first in range(0, total, BLOCK):
            end = min(first + BLOCK, total)
            lo = self.starts[first]
            hi = self.starts[end] if end < total else len(self.label_ids)
            yield first, end, self.label_ids[lo:hi], self.starts[first:end] - lo

    def _move_deltas(self, sizes: bool = True, terms=None):
        """``(R, A)``: per stratum and split, the cost change of one unit fewer / more there
        (the labels' part only, without ``sizes``)."""
        rem, add = self._label_terms() if terms is None else terms
        r_sum = np.empty((len(self.starts), self.k))
        a_sum = np.empty_like(r_sum)
        for first, end, label_ids, starts in self._blocks():
            r_sum[first:end] = np.add.reduceat(rem[label_ids], starts, axis=0)
            a_sum[first:end] = np.add.reduceat(add[label_ids], starts, axis=0)
        if not sizes:
            return r_sum, a_sum
        rem, add = self._size_terms(self.e[:, None] if self.grouped else 1.0)  # one per split
        return r_sum + rem, a_sum + add

    def _best_moves(self):
        """Per stratum, the best one-unit move's cost change and its ``source * k + target``."""
        r_sum, a_sum = self._move_deltas()
        k = self.k
        value = np.empty(len(r_sum))
        best = np.empty(len(r_sum), dtype=np.int64)
        for first, end, _, _ in self._blocks():
            delta = r_sum[first:end, :, None] + a_sum[first:end, None, :]
            bad = (self.counts[first:end, :, None] == 0) | ~self.allowed[first:end, None, :]
            delta[bad | np.eye(k, dtype=bool)] = np.inf
            flat = delta.reshape(end - first, k * k)
            best[first:end] = flat.argmin(axis=1)
            value[first:end] = flat[np.arange(end - first), best[first:end]]
        return value, best

    def _exact_best(self, j: int):
        delta, rows = self._exact_deltas(j)
        best = int(delta.argmin())
        return float(delta.flat[best]), divmod(best, self.k), rows

    def _exact_deltas(self, j: int):
        """``[source, target]``: the cost change of moving one unit of stratum ``j`` (inf where
        no unit is there or the target is not allowed)."""
        rows = self._rows(j)
        rem, add = (x.sum(axis=0) for x in self._label_terms(rows))
        size_rem, size_add = self._size_terms(self.e[j])
        delta = (rem + size_rem)[:, None] + (add + size_add)[None, :]
        delta[(self.counts[j] == 0)[:, None] | ~self.allowed[j][None, :]] = np.inf
        np.fill_diagonal(delta, np.inf)
        return delta, rows

    def _rows(self, j: int) -> np.ndarray:
        """The labels (indices) of stratum ``j``."""
        return self.label_ids[self.starts[j] : self.ends[j]]

    def move(self, j: int, source: int, target: int, rows=None) -> None:
        if rows is None:
            rows = self._rows(j)
        self.counts[j, source] -= 1
        self.counts[j, target] += 1
        self.c[rows, source] -= 1
        self.c[rows, target] += 1
        self.z[source] -= self.e[j]
        self.z[target] += self.e[j]
        self.u[source] -= 1
        self.u[target] += 1

    def local_search(self) -> int:
        """Passes (at most ``MAX_PASSES``): the strata whose best one-unit move lowers the cost
        (found for all at once), most improving first, each re-checked on the current state and
        moved while a move still lowers it. Returns the number of moves."""
        moves = 0
        for _ in range(MAX_PASSES):
            value, _ = self._best_moves()
            candidates = np.flatnonzero(value < -EPS)
            if not len(candidates):
                break
            for j in candidates[np.argsort(value[candidates], kind='stable')].tolist():
                while True:
                    delta, (a, b), rows = self._exact_best(j)
                    if not delta < -EPS:
                        break
                    self.move(j, a, b, rows)
                    moves += 1
        return moves

    def swaps(self) -> int:
        """Pairs of one-unit moves, ``x`` from split ``a`` to ``b`` and ``y`` back (the sizes
        stay, in units): what single moves cannot do once the sizes are exact (e.g. fill a
        missing pair). Per pair of splits, the ``SWAP_WIDTH`` best candidates each way by the
        labels' cost, tried in order of their sum, each swap checked exactly on the current
        state and undone if it does not lower the cost; rounds while one does (at most
        ``MAX_PASSES``). Returns the number of swaps."""
        swaps = 0
        for _ in range(MAX_PASSES):
            terms = self._label_terms()  # estimates for the round
            done, deltas = swaps, self._move_deltas(sizes=False, terms=terms)
            for a in range(self.k):
                for b in range(a + 1, self.k):
                    swaps += self._swap_splits(a, b, *deltas, *terms)
            if swaps == done:
                break
        return swaps

    def _swap_splits(self, a: int, b: int, r_sum, a_sum, rem, add) -> int:
        # a label on both units moves out and back: its terms cancel (not in the estimate)
        shared = (rem[:, a] + add[:, b] + rem[:, b] + add[:, a]).tolist()
        sides = []
        for source, target in ((a, b), (b, a)):
            delta = r_sum[:, source] + a_sum[:, target]
            delta[(self.counts[:, source] == 0) | ~self.allowed[:, target]] = np.inf
            best = np.argsort(delta, kind='stable')[:SWAP_WIDTH]
            sides.append([(float(delta[j]), j) for j in best.tolist() if delta[j] < np.inf])
        pairs = sorted(
            (dx + dy - sum(shared[i] for i in set(self._rows(x)).intersection(self._rows(y))), x, y)
            for dx, x in sides[0]
            for dy, y in sides[1]
            if x != y
        )
        done = 0
        for estimate, x, y in pairs:
            if estimate >= -EPS:
                break
            first = self._exact_deltas(x)[0][a, b]
            if not first < np.inf:
                continue
            self.move(x, a, b)
            second = self._exact_deltas(y)[0][b, a]
            if first + second < -EPS:
                self.move(y, b, a)
                done += 1
            else:
                self.move(x, b, a)
        return done

    # -- the sizes' hard repair -----------------------------------------------------------------
    def repair_sizes(self) -> int:
        """Without groups, every split's labelled size to its target exactly; with groups, to
        within ``HARD_BAND``: the cheapest one-unit moves from the split furthest above its size
        to the one furthest below (labels' cost only). Returns the number of moves."""
        tolerance = HARD_BAND * self.tz if self.grouped else np.zeros(self.k)
        moves = 0
        while True:
            gap = self.z - self.tz
            if np.all(np.abs(gap) <= tolerance + 0.5 * (not self.grouped)):
                return moves
            over, under = int(np.argmax(gap)), int(np.argmin(gap))
            r_sum, a_sum = self._move_deltas()
            delta = r_sum[:, over] + a_sum[:, under]
            feasible = (self.counts[:, over] > 0) & self.allowed[:, under]
            if self.grouped:  # a group no larger than the room below its target's band
                feasible &= self.e <= tolerance[under] - gap[under]
            if not feasible.any():
                return moves
            delta[~feasible] = np.inf
            need = 1 if self.grouped else int(min(gap[over], -gap[under]))
            order = np.argsort(delta, kind='stable')[: min(need, int(feasible.sum()))]
            for j in order.tolist():
                self.move(j, over, under)
                moves += 1


def _size_delta(z: float, e: float, tz: float, band: float) -> float:
    """The size term's change when a unit of ``e`` examples joins a split of size ``z``."""
    before = max(abs(z - tz) - band, 0.0)
    after = max(abs(z + e - tz) - band, 0.0)
    return SIZE_WEIGHT * (after * after - before * before) / tz
