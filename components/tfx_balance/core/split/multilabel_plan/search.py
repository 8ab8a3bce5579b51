"""The multi-label plan's search: one class, ``PlanSearch``, whose methods are its steps.

``plan_counts`` (the package's entry point) builds it from the aggregate ``{label set: units}``
table and calls ``PlanSearch.run``; the class docstring lists the steps in the order they run,
and the methods follow in that order, then the objective's pieces they share.

Example:
    >>> search = PlanSearch({(0,): 5, (0, 1): 3}, [1, 1], [4, 4], None)
    >>> search.greedy()
    >>> search.local_search(), search.repair_sizes(), search.swaps()
    (0, 0, 0)
    >>> search.counts.tolist(), search.sizes.tolist()
    ([[2, 3], [2, 1]], [4.0, 4.0])
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from typing import Mapping

import numpy as np

from tfx_balance.core.common.labels import class_sort_key
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.multilabel_plan.program import Program

# cost of an empty (label, split) of a label with at least #splits units; with groups lower (a
# group moved to fill a pair drags its other labels and 1-12 examples along: on the
# hierarchy_groups shape of benchmarks/RESULTS.md section 11, `multilabel_hard`, 10 cost LD 1.8x
# iterstrat's at 30k examples)
PRESENCE = 10.0
PRESENCE_GROUPS = 5.0  # PRESENCE when group_feature is set (the comment above)
SIZE_WEIGHT = 20.0  # weight of the split sizes' term
SIZE_BAND = 0.01  # with groups: sizes within 1% of their share (in examples) cost nothing
HARD_BAND = 0.015  # with groups: the final repair brings every split within 1.5%
MAX_PASSES = 30  # local search and swaps: at most this many passes / rounds
BULK = 32  # a stratum of more units is inserted at once (numpy), fewer one by one
SWAP_WIDTH = 24  # swaps: candidates per direction and pair of splits
PARTNER_UNITS = 20  # partner swaps: labels of at most this many units are the shared label
PARTNER_ROUNDS = 10  # partner swaps: rounds while one lowers the cost (bounds the step's time)
FILL_WIDTH = 8  # chains: in-moves tried per empty pair (least cost first)
# chains: empty pairs tried per pass (rarest labels first): 5,000 labels on 2,000 examples leave
# 2,339 that no plan can all fill (benchmarks/RESULTS.md section 11, `multilabel_hard`); each try
# is a pass over the table
MAX_TRIES = 64
FILL_BAND = 0.025  # with groups: a chain keeps every split within 2.5% of its share (goal: 3%)
EXACT_STRATA = 4096  # the exact step: tables of at most this many label sets are all free
RARE_UNITS = 20  # the exact step: labels of at most this many units around a pair are freed
RINGS = 2  # the exact step: rings of rare labels' strata freed around an empty pair
FILLERS = 256  # the exact step: frequent-label strata freed to trade split sizes with
# the exact step: the objective's gain per pair filled, large against its chi-square terms so
# that the program fills pairs first (a missing pair is a goal, not a weight)
FILL_GAIN = 1000.0
NEAR = 3  # the exact step's chi-square is exact within this of the current count
BLOCK = 16384  # strata per block of a pass over the table (bounds its temporaries)
EPS = 1e-9  # floor of a target (no division by 0) and least cost change counted as a gain

_log = logging.getLogger(__name__)


def _place_key(stratum: int, split: int) -> int:
    """A fixed pseudo-random 64-bit number per (stratum, split): an assignment's fingerprint is
    the sum over its units (``repair_sizes``)."""
    digest = hashlib.blake2b(f'{stratum},{split}'.encode(), digest_size=8).digest()
    return int.from_bytes(digest, 'little')


class PlanSearch:
    """The multi-label plan's search over the aggregate table; its steps, in the order
    ``run`` takes them:

    1. ``greedy``: strata from their rarest label, each unit to the allowed split of least cost.
    2. ``local_search``: one-unit moves between splits that lower the cost.
    3. ``repair_sizes``: the sizes' hard repair (exact without groups, within ``HARD_BAND``).
    4. ``swaps``: pairs of one-unit moves, ``a -> b`` and back, that keep the sizes.
    5. ``partner_swaps``: two units sharing a rare label trade splits; then steps 2-5 again.
    6. ``fill_pairs``: each still empty (label, split) pair of a label with at least as many
       units as splits, by chains (``fill_chains``), then an integer program (``fill_exact``).

    The cost (every step but filling takes only moves that lower it):

    ``sum over labels l, splits s of (c_ls - t_ls)^2 / t_ls``
    ``+ PRESENCE x (empty (l, s) of labels with n_l >= #splits)`` (``PRESENCE_GROUPS`` with groups)
    ``+ SIZE_WEIGHT x sum_s max(0, |z_s - T_s| - band_s)^2 / T_s``
    ``+ SIZE_WEIGHT x sum_s (u_s - U_s)^2 / U_s`` (with groups only)

    State (its letter in the formula): per stratum, sorted by class order, ``sets`` (labels in
    CSR: ``label_ids[starts[j]:ends[j]]``), ``units`` (m), ``unit_examples`` (e), ``allowed``
    splits and ``counts`` (the plan); per label ``label_units`` (n), ``targets`` (t),
    ``everywhere`` (n >= k) and ``label_counts`` (c); per split ``shares``, ``sizes`` (z),
    ``target_sizes`` (T), ``band``, ``split_units`` (u) and ``target_units`` (U); ``k`` splits.
    """

    def __init__(
        self,
        strata: Mapping[tuple, int],
        weights,
        target_sizes,
        examples,
        target_units=None,
        rank: Mapping | None = None,
    ):
        k = self.k = len(weights)
        self.shares = np.array([w / sum(weights) for w in weights], dtype=float)
        # the labels' order (ties of the search): ``rank``'s key of each (strata.label_ranks, which
        # a label's name does not change), else the class order
        order_key = class_sort_key if rank is None else lambda label: rank[label]
        labels = sorted({label for s in strata for label in s}, key=order_key)
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
        self.units = np.fromiter((strata[s] for s in self.sets), dtype=np.int64, count=len(ids))
        self.label_units = np.bincount(
            self.label_ids, weights=np.repeat(self.units, lens), minlength=len(labels)
        )
        self.targets = np.maximum(self.label_units[:, None] * self.shares[None, :], EPS)
        self.inv_targets = 1.0 / self.targets
        self.everywhere = self.label_units >= k
        if examples is None:
            self.unit_examples = np.ones(len(ids))
        else:
            self.unit_examples = (
                np.array([examples[s] for s in self.sets], dtype=float) / self.units
            )
        self.grouped = examples is not None
        self.presence = PRESENCE_GROUPS if self.grouped else PRESENCE
        self.target_sizes = np.maximum(np.asarray(target_sizes, dtype=float), EPS)
        self.band = SIZE_BAND * self.target_sizes if self.grouped else np.zeros(k)
        if target_units is None:
            target_units = self.shares * self.units.sum()
        self.target_units = np.maximum(np.asarray(target_units, dtype=float), EPS)
        self.unit_weight = SIZE_WEIGHT if self.grouped else 0.0
        self.split_units = np.zeros(k)
        self.allowed = self._allowed(weights)
        self.counts = np.zeros((len(ids), k), dtype=np.int64)
        self.label_counts = np.zeros((len(labels), k), dtype=np.int64)
        self.sizes = np.zeros(k)

    def _allowed(self, weights) -> np.ndarray:
        """The heaviest-split rule: a stratum carrying a label of fewer units than splits may go
        only where that label's ``allocate`` puts a unit."""
        k = self.k
        support = np.ones((len(self.label_units), k), dtype=bool)
        for size in range(1, k):
            support[self.label_units == size] = np.array(allocate(size, list(weights))) > 0
        allowed = np.logical_and.reduceat(support[self.label_ids], self.starts, axis=0)
        heaviest = max(range(k), key=lambda s: (weights[s], -s))
        allowed[~allowed.any(axis=1), heaviest] = True  # disjoint supports: the heaviest split
        return allowed

    def run(self) -> PlanSearch:
        """Every step, in order (the class docstring); returns ``self``, ``counts`` the plan."""
        self.first_steps()
        if self.partner_swaps():  # then the single moves and swaps they freed, and theirs again
            self.local_search()
            self.swaps()
            self.partner_swaps()
            self.repair_sizes()
        self.fill_pairs()
        return self

    def first_steps(self) -> PlanSearch:
        """The steps before the partner swaps: greedy insertion, local search, sizes, swaps,
        sizes; returns ``self``."""
        self.greedy()
        self.local_search()
        self.repair_sizes()
        self.swaps()
        self.repair_sizes()
        return self

    # -- 1. greedy insertion --------------------------------------------------------------------
    def greedy(self) -> None:
        """Strata from their rarest label (fewest units; ties: class order), each unit to the
        allowed split of least added cost; a stratum of more than ``BULK`` units at once (the
        ``m`` least marginal costs over the splits, which is what one by one gives)."""
        rarest = np.minimum.reduceat(self.label_units[self.label_ids], self.starts)
        # plain Python lists per split, per label: a unit's few labels are cheaper that way
        k, c, inv_t = self.k, self.label_counts.T.tolist(), self.inv_targets.T.tolist()
        # g[b][i]: label i's part of the cost of one more unit in split b, less a constant:
        # (2 (c - t) + 1) / t = (2 c + 1) / t - 2, and -presence while (i, b) is empty
        everywhere = self.everywhere.tolist()
        g = [[x - self.presence * big for x, big in zip(row, everywhere)] for row in inv_t]
        z, tz, band = self.sizes.tolist(), self.target_sizes.tolist(), self.band.tolist()
        u, tu, uw = self.split_units.tolist(), self.target_units.tolist(), self.unit_weight

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
        self.label_counts = np.array(c, dtype=np.int64).T.copy()
        self.sizes, self.split_units = np.array(z), np.array(u)

    def _in_chunks(self, order, code):
        """``(j, first, end, m, e, allowed code)`` of the strata in ``order``, as Python values
        made ``BLOCK`` at a time (lists of the whole table would hold an object per entry)."""
        for lo in range(0, len(order), BLOCK):
            js = order[lo : lo + BLOCK]
            yield from zip(
                js.tolist(),
                self.starts[js].tolist(),
                self.ends[js].tolist(),
                self.units[js].tolist(),
                self.unit_examples[js].tolist(),
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
            tb, ib = self.targets[rows, b], self.inv_targets[rows, b]
            label = (((cb[None, :] + x[:, None]) - tb) ** 2 * ib).sum(axis=1)
            size = self.size_cost(z[b] + e * x[:, None], u[b] + x[:, None])[:, b]
            total = label + size
            step = np.diff(total)
            missing = (cb == 0) & self.everywhere[rows]
            step[0] -= self.presence * missing.sum()
            costs.append(step)
            owner.append(np.full(m, b))
        order = np.argsort(np.concatenate(costs), kind='stable')[:m]
        return np.bincount(np.concatenate(owner)[order], minlength=self.k).tolist()

    # -- 2. local search ------------------------------------------------------------------------
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

    # -- 3. the sizes' hard repair --------------------------------------------------------------
    def repair_sizes(self) -> int:
        """Without groups, every split's labelled size to its target exactly; with groups, to
        within ``HARD_BAND``: the cheapest one-unit moves from the split furthest above its size
        to the one furthest below (labels' cost only). Returns the number of moves."""
        tolerance = HARD_BAND * self.target_sizes if self.grouped else np.zeros(self.k)
        moves = 0
        # Each move is a function of the assignment alone, so an assignment seen before means the
        # moves cycle for ever (with groups, a group that fits below one split's band can take
        # another below its own): stop there. ``state`` fingerprints the assignment, updated per
        # move; a run that ends by itself never sees one twice, so its plan is unchanged.
        state, seen = 0, set()
        while True:
            gap = self.sizes - self.target_sizes
            if np.all(np.abs(gap) <= tolerance + 0.5 * (not self.grouped)):
                return moves
            over, under = int(np.argmax(gap)), int(np.argmin(gap))
            r_sum, a_sum = self._move_deltas()
            delta = r_sum[:, over] + a_sum[:, under]
            feasible = (self.counts[:, over] > 0) & self.allowed[:, under]
            if self.grouped:  # a group no larger than the room below its target's band
                feasible &= self.unit_examples <= tolerance[under] - gap[under]
            if not feasible.any():
                return moves
            delta[~feasible] = np.inf
            need = 1 if self.grouped else int(min(gap[over], -gap[under]))
            order = np.argsort(delta, kind='stable')[: min(need, int(feasible.sum()))]
            for j in order.tolist():
                self.move(j, over, under)
                state = (state + _place_key(j, under) - _place_key(j, over)) % 2**64
                moves += 1
            if state in seen:
                _log.info(
                    'multi-label plan: the size repair stopped after %d moves (they would repeat); '
                    'split sizes off their targets by %s',
                    moves,
                    (self.sizes - self.target_sizes).tolist(),
                )
                return moves
            seen.add(state)

    # -- 4. swaps -------------------------------------------------------------------------------
    def swaps(self) -> int:
        """Pairs of one-unit moves, ``x`` from split ``a`` to ``b`` and ``y`` back (sizes stay):
        per pair of splits the ``SWAP_WIDTH`` best candidates each way, each checked exactly and
        undone unless it lowers the cost; rounds while one does. Returns the number of swaps."""
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

    # -- 5. partner swaps -----------------------------------------------------------------------
    def partner_swaps(self) -> int:
        """Two units of the same rare label (at most ``PARTNER_UNITS`` units) in different splits
        trade places: that label's counts stay, only their other labels move, which a one-unit move
        cannot do without emptying a pair (many rare labels: benchmarks/RESULTS.md section 11,
        `multilabel_hard`). Best first, checked exactly (``swap_delta``); rounds while one lowers the
        cost (at most ``PARTNER_ROUNDS``). Returns the number of trades."""
        k, counts, allowed = self.k, self.counts, self.allowed
        _, strata_of = self.label_index
        rare = (self.label_units >= 2) & (self.label_units <= PARTNER_UNITS)
        partners = [p for p in map(np.unique, map(strata_of, np.flatnonzero(rare))) if len(p) > 1]
        done = 0
        for _ in range(PARTNER_ROUNDS):
            r_sum, a_sum = self._move_deltas()
            candidates = []
            for strata in partners:  # the strata of one rare label (fixed; their counts move)
                present = counts[strata] > 0
                for i, x in enumerate(strata.tolist()):
                    for y in strata[i + 1 :].tolist():
                        for a in np.flatnonzero(present[i]).tolist():
                            for b in range(k):
                                if a == b or not counts[y, b]:
                                    continue
                                if not (allowed[x, b] and allowed[y, a]):
                                    continue
                                estimate = r_sum[x, a] + a_sum[x, b] + r_sum[y, b] + a_sum[y, a]
                                candidates.append((estimate, x, y, a, b))
            candidates.sort()
            swapped = 0
            for _, x, y, a, b in candidates:
                if not (counts[x, a] and counts[y, b]):
                    continue
                if self.swap_delta(x, a, y, b) < -EPS:
                    self.move(x, a, b)
                    self.move(y, b, a)
                    swapped += 1
            done += swapped
            if not swapped:
                break
        if done:
            _log.info('multi-label plan: %d partner swaps (units sharing a rare label)', done)
        return done

    # -- 6. filling the empty pairs: chains, then the exact program -----------------------------
    def fill_pairs(self) -> int:
        """Fill the empty (label, split) pairs of labels with at least as many units as splits;
        returns the number filled. Once the sizes are held, filling a pair takes two moves at once:
        a chain (``fill_chains``; rarest label first, at most ``MAX_TRIES`` pairs a pass) moves a unit
        of the label into the empty split (the ``FILL_WIDTH`` cheapest tried) and a unit back out
        (sizes exact without groups, within ``FILL_BAND`` with them), emptying no pair. The chain of
        least total cost is taken even if it raises the cost (a missing pair is a goal). The pairs
        chains leave go to ``fill_exact``."""
        if not self.everywhere.any():
            return 0
        tolerance = FILL_BAND * self.target_sizes if self.grouped else np.zeros(self.k)
        filled = self.fill_chains(tolerance)
        if self._empty_pairs().any():
            band = np.maximum(tolerance, np.abs(self.sizes - self.target_sizes)) + EPS
            filled += self.fill_exact(band)
        return filled

    def fill_chains(self, tolerance) -> int:
        """The chains of ``fill_pairs`` (``tolerance``: each split's band off its target
        size); returns the number of pairs filled."""
        k = self.k
        _, strata_of = self.label_index
        filled = 0
        while True:
            labels = np.flatnonzero(self._empty_pairs().any(axis=1))
            if not len(labels):
                return filled
            labels = labels[np.lexsort((labels, self.label_units[labels]))]  # rarest first
            done, tries = filled, 0
            for label in labels.tolist():
                for s in range(k):
                    if self.label_counts[label, s] or tries >= MAX_TRIES:
                        continue
                    tries += 1
                    if self._fill(label, s, strata_of, tolerance):
                        filled += 1
            if filled == done:
                return filled

    def _fill(self, label: int, s: int, strata_of, tolerance) -> bool:
        """The least-cost chain filling ``(label, s)``, applied; False if none."""
        k, counts = self.k, self.counts
        strata = np.unique(strata_of(label))
        strata = strata[self.allowed[strata, s]]
        ins = []  # (cost, stratum, source)
        for a in range(k):
            if a == s:
                continue
            js = strata[(counts[strata, a] > 0) & ~self._empties(a)[strata]]
            for j in js.tolist():
                ins.append((float(self._exact_deltas(j)[0][a, s]), j, a))
        ins.sort()
        # the sizes' bound: every split within its band, or no further off than before the chain
        bound = np.maximum(tolerance, np.abs(self.sizes - self.target_sizes)) + EPS
        best = None  # (total, j, a, y, b)
        for d_in, j, a in ins[:FILL_WIDTH]:
            self.move(j, a, s)
            found = self._best_out(s, a, bound)
            if self.grouped and np.all(np.abs(self.sizes - self.target_sizes) <= bound):
                if found is None or found[0] > 0:  # with groups, the unit in alone may do
                    found = (0.0, None, None)
            self.move(j, s, a)
            if found is not None and (best is None or d_in + found[0] < best[0]):
                best = (d_in + found[0], j, a, found[1], found[2])
        if best is None:
            return False
        _, j, a, y, b = best
        self.move(j, a, s)
        if y is not None:
            self.move(y, s, b)
        return True

    def _best_out(self, s: int, a: int, bound):
        """``(cost, stratum, target)`` of the least-cost unit out of ``s`` that keeps the sizes
        (back to ``a`` without groups; within ``bound`` with groups), the rule and every pair."""
        targets = range(self.k) if self.grouped else (a,)
        r_sum, a_sum = self._move_deltas()
        movable = (self.counts[:, s] > 0) & ~self._empties(s)
        z, tz, e, best = self.sizes, self.target_sizes, self.unit_examples, None
        for b in targets:
            if b == s:
                continue
            ok = movable & self.allowed[:, b]
            if self.grouped:
                rest = [i for i in range(self.k) if i not in (s, b)]
                if np.any(np.abs(z[rest] - tz[rest]) > bound[rest]):
                    continue
                ok &= np.abs(z[s] - e - tz[s]) <= bound[s]
                ok &= np.abs(z[b] + e - tz[b]) <= bound[b]
            if not ok.any():
                continue
            delta = np.where(ok, r_sum[:, s] + a_sum[:, b], np.inf)
            y = int(np.argmin(delta))
            if best is None or delta[y] < best[0]:
                best = (float(delta[y]), y, b)
        return best

    def _empties(self, split: int) -> np.ndarray:
        """Per stratum: would one unit fewer in ``split`` empty a pair (a label of >= #splits
        units with one unit there)?"""
        last = (self.label_counts[:, split] == 1) & self.everywhere
        out = np.zeros(len(self.starts), dtype=bool)
        for first, end, label_ids, starts in self._blocks():
            out[first:end] = np.logical_or.reduceat(last[label_ids], starts)
        return out

    def fill_exact(self, band) -> int:
        """Fill the empty pairs that need three or more moves at once; returns the number filled.
        An integer program (``program.Program``, HiGHS) decides where the *free* strata's units go:

        - free strata (``_neighbourhood``): all of them up to ``EXACT_STRATA``; else those of the
          labels with an empty pair, ``RINGS`` rings of rare labels' strata around them and
          ``FILLERS`` frequent-label strata to trade sizes with;
        - constraints: units kept, the heaviest-split rule, no held pair emptied, sizes as the chains;
        - objective: ``FILL_GAIN`` per pair filled plus the labels' chi-square (and sizes' terms).

        The plan takes the solution only if it fills a pair and empties none; the program is a
        function of the table alone (deterministic, a node limit, no time limit)."""
        empty = self._empty_pairs()
        before = int(empty.sum())
        if not before:
            return 0
        free = self._neighbourhood(np.flatnonzero(empty.any(axis=1)))
        filled = self._apply(free, self._solve(free, band), empty)
        _log.info(
            'multi-label plan: %d empty (label, split) pairs filled by the exact step over %d'
            ' label sets; %d stay empty (%d of them forced by the heaviest-split rule)',
            filled,
            len(free),
            before - filled,
            self.forced_empty(),
        )
        return filled

    def _neighbourhood(self, labels) -> np.ndarray:
        """The free strata (sorted indices) around the labels with an empty pair."""
        total = len(self.starts)
        if total <= EXACT_STRATA:
            return np.arange(total)
        owner, strata_of = self.label_index
        n, label_ids = self.label_units, self.label_ids
        free = np.zeros(total, dtype=bool)
        for label in labels[np.lexsort((labels, n[labels]))].tolist():  # rarest first
            free[strata_of(label)] = True
            if free.sum() >= EXACT_STRATA // 2:
                break
        for _ in range(RINGS):
            on = np.zeros(len(n), dtype=bool)
            on[label_ids[free[owner]]] = True
            ring = free.copy()
            ring[owner[(on & (n <= RARE_UNITS))[label_ids]]] = True
            if ring.sum() > EXACT_STRATA:
                break
            free = ring
        rarest = np.minimum.reduceat(n[label_ids], self.starts)
        fillers = np.flatnonzero((rarest > RARE_UNITS) & ~free)
        lengths = self.ends - self.starts
        fillers = fillers[np.lexsort((fillers, lengths[fillers], -self.units[fillers]))][:FILLERS]
        free[fillers] = True
        return np.flatnonzero(free)

    def _solve(self, free: np.ndarray, band):
        """The program's counts for the ``free`` strata (``[len(free), k]``), or None."""
        k, nf = self.k, len(free)
        counts, m, allowed = self.counts[free], self.units[free], self.allowed[free]
        pos = np.repeat(np.arange(nf), self.ends[free] - self.starts[free])
        ids = np.concatenate([self._rows(j) for j in free.tolist()])
        labels, member = np.unique(ids, return_inverse=True)  # the labels on a free stratum
        nl = len(labels)
        movable = np.zeros((nl, k))
        np.add.at(movable, member, counts[pos])
        fixed = self.label_counts[labels] - movable  # each label's units on strata that stay
        reach = np.zeros((nl, k))
        np.add.at(reach, member, m[pos, None] * allowed[pos])
        program = Program()
        x = program.variables(nf * k, upper=(allowed * m[:, None]).ravel())
        for j in range(nf):  # each stratum keeps its units
            program.row(x + j * k + np.arange(k), np.ones(k), m[j], m[j])
        by_label = [[] for _ in range(nl)]
        for p, i in zip(pos.tolist(), member.tolist()):
            by_label[i].append(p)
        everywhere = self.everywhere[labels]
        for i in range(nl):
            cols = np.array(by_label[i]) * k
            for s in range(k):
                f, current = fixed[i, s], self.label_counts[labels[i], s]
                if everywhere[i] and current == 0:  # a pair to fill: p <= its count
                    p = program.variables(1, upper=1, cost=-FILL_GAIN)
                    program.row(np.append(cols + s, p), np.append(-np.ones(len(cols)), 1), None, f)
                elif everywhere[i] and f == 0:  # a pair that holds a unit keeps one
                    program.row(cols + s, np.ones(len(cols)), 1, None)
                t = self.targets[labels[i], s]
                program.convex(cols + s, f, _points(current, f, f + reach[i, s], t), _chi(t, 1.0))
        e, z, tz = self.unit_examples[free], self.sizes, self.target_sizes
        rest = z - (counts * e[:, None]).sum(axis=0)
        for s in range(k):
            cols = x + np.arange(nf) * k + s
            if not self.grouped:
                program.row(cols, e, z[s] - rest[s], z[s] - rest[s])
                continue
            program.row(cols, e, tz[s] - band[s] - rest[s], tz[s] + band[s] - rest[s])
            # the split's number of groups near its share (LD counts in groups)
            units = self.split_units[s] - counts[:, s].sum()
            reach_units = (m * allowed[:, s]).sum()
            tu = self.target_units[s]
            points = _points(self.split_units[s], units, units + reach_units, tu)
            program.convex(cols, units, points, _chi(tu, self.unit_weight))
            # the size term beyond the search's free band (piecewise linear in the excess)
            over = program.variables(1)
            for sign in (1.0, -1.0):  # over >= sign (z - tz) - free band
                lo = sign * (rest[s] - tz[s]) - self.band[s]
                program.row(np.append(cols, over), np.append(-sign * e, 1), lo, None)
            points = np.linspace(0.0, max(band[s] - self.band[s], 1.0), 9).tolist()
            program.convex([over], 0.0, points, lambda o, tz=tz[s]: SIZE_WEIGHT * o * o / tz)
        result = program.solve()
        if result is None:
            return None
        return np.round(result[x : x + nf * k]).astype(np.int64).reshape(nf, k)

    def _apply(self, free, solution, empty) -> int:
        """Takes ``solution`` (the free strata's counts) if it fills a pair and empties none;
        returns the number of pairs filled."""
        if solution is None:
            return 0
        delta = solution - self.counts[free]
        c = self.label_counts.copy()
        for row, j in zip(delta, free.tolist()):
            if row.any():
                c[self._rows(j)] += row
        still = (c == 0) & self.everywhere[:, None]
        if still.sum() >= empty.sum() or np.any(still & ~empty) or (c < 0).any():
            return 0
        self.counts[free] = solution
        self.label_counts = c
        self.sizes = self.sizes + (delta * self.unit_examples[free, None]).sum(axis=0)
        self.split_units = self.split_units + delta.sum(axis=0)
        return int(empty.sum() - still.sum())

    def forced_empty(self) -> int:
        """The (label, split) pairs of labels with ``>= #splits`` units that no plan can fill: per
        label, the splits its units cannot all reach at once under the heaviest-split rule (a matching
        of its units to the splits each may go to). A function of the table alone."""
        k = self.k
        owner, strata_of = self.label_index
        reach = np.zeros((len(self.label_units), k))
        np.add.at(reach, self.label_ids, (self.units[:, None] * self.allowed)[owner])
        forced = 0
        for label in np.flatnonzero(self.everywhere & (reach.min(axis=1) < k)).tolist():
            units = []
            for j in np.unique(strata_of(label)).tolist():
                units.extend(
                    [np.flatnonzero(self.allowed[j]).tolist()] * min(int(self.units[j]), k)
                )
            forced += k - _matching(units, k)
        return forced

    # -- the objective's pieces the steps share -------------------------------------------------
    @functools.cached_property
    def label_index(self):
        """``(owner, strata_of)``: per entry of ``label_ids`` the stratum it belongs to, and
        ``strata_of(label)``, the strata carrying ``label``. One sort of the table per search
        (its layout never changes; only its counts move), shared by the partner swaps, the
        chains, the exact step's neighbourhood and ``forced_empty``."""
        owner = np.repeat(np.arange(len(self.starts)), self.ends - self.starts)
        order = np.argsort(self.label_ids, kind='stable')
        bounds = np.searchsorted(self.label_ids[order], np.arange(len(self.label_units) + 1))
        return owner, lambda label: owner[order[bounds[label] : bounds[label + 1]]]

    def _empty_pairs(self) -> np.ndarray:
        """Labels x splits: the empty pairs of labels with at least as many units as splits."""
        return (self.label_counts == 0) & self.everywhere[:, None]

    def size_cost(self, z, u):
        """The size terms per split for sizes ``z`` and units ``u`` (broadcasts)."""
        over = np.maximum(np.abs(z - self.target_sizes) - self.band, 0.0)
        tz, tu = self.target_sizes, self.target_units
        return SIZE_WEIGHT * over * over / tz + self.unit_weight * (u - tu) ** 2 / tu

    def _label_terms(self, rows=slice(None)):
        """``(rem, add)``: per label (of ``rows``) and split, its cost change for one unit
        fewer / more."""
        c, inv_t, big = self.label_counts[rows], self.inv_targets[rows], self.everywhere[rows, None]
        diff = c - self.targets[rows]
        add = (2 * diff + 1) * inv_t - self.presence * ((c == 0) & big)
        rem = (1 - 2 * diff) * inv_t + self.presence * ((c == 1) & big)
        return rem, add

    def swap_delta(self, x: int, a: int, y: int, b: int) -> float:
        """The exact cost change of moving one unit of stratum ``x`` from ``a`` to ``b`` and one of
        ``y`` back: ``_label_terms``' terms for the labels on either stratum (and, with groups, the
        sizes), in plain Python (a scalar twin: strata carry few labels, NumPy's per-call cost would
        dominate)."""
        on_x, on_y = set(self._rows(x).tolist()), set(self._rows(y).tolist())
        c, t, big, presence = self.label_counts, self.targets, self.everywhere, self.presence
        delta = 0.0
        for labels, d in ((on_x - on_y, 1), (on_y - on_x, -1)):  # x's labels leave a for b
            for label in labels:
                for split, step in ((a, -d), (b, d)):
                    count, share = int(c[label, split]), float(t[label, split])
                    delta += (2 * step * (count - share) + 1) / share
                    if big[label] and count == 0:
                        delta -= presence
                    elif big[label] and count + step == 0:
                        delta += presence
        if self.grouped:
            z = self.sizes.copy()
            shift = self.unit_examples[x] - self.unit_examples[y]
            z[a] -= shift
            z[b] += shift
            u = self.split_units
            delta += (self.size_cost(z, u) - self.size_cost(self.sizes, u)).sum()
        return float(delta)

    def _size_terms(self, e):
        """``(rem, add)``: per split, the size terms' change for one unit of ``e`` examples
        fewer / more (``e`` a column per stratum, or one value)."""
        z, u = self.sizes, self.split_units
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
        rem, add = self._size_terms(self.unit_examples[:, None] if self.grouped else 1.0)
        return r_sum + rem, a_sum + add

    def _exact_deltas(self, j: int):
        """``[source, target]``: the cost change of moving one unit of stratum ``j`` (inf where
        no unit is there or the target is not allowed)."""
        rows = self._rows(j)
        rem, add = (x.sum(axis=0) for x in self._label_terms(rows))
        size_rem, size_add = self._size_terms(self.unit_examples[j])
        delta = (rem + size_rem)[:, None] + (add + size_add)[None, :]
        delta[(self.counts[j] == 0)[:, None] | ~self.allowed[j][None, :]] = np.inf
        np.fill_diagonal(delta, np.inf)
        return delta, rows

    def _rows(self, j: int) -> np.ndarray:
        """The labels (indices) of stratum ``j``."""
        return self.label_ids[self.starts[j] : self.ends[j]]

    def move(self, j: int, source: int, target: int, rows=None) -> None:
        """One unit of stratum ``j`` from split ``source`` to ``target`` (``rows``: its
        labels, where the caller has them)."""
        if rows is None:
            rows = self._rows(j)
        e = self.unit_examples[j]
        self.counts[j, source] -= 1
        self.counts[j, target] += 1
        self.label_counts[rows, source] -= 1
        self.label_counts[rows, target] += 1
        self.sizes[source] -= e
        self.sizes[target] += e
        self.split_units[source] -= 1
        self.split_units[target] += 1


def _size_delta(z: float, e: float, tz: float, band: float) -> float:
    """The size term's change when a unit of ``e`` examples joins a split of size ``z``."""
    before = max(abs(z - tz) - band, 0.0)
    after = max(abs(z + e - tz) - band, 0.0)
    return SIZE_WEIGHT * (after * after - before * before) / tz


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
