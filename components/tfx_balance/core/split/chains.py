"""The plan's last step: fill the empty (label, split) pairs the search leaves, by chains.

One-unit moves and size-neutral swaps (:class:`~.objective.PlanSearch`) only take a step that
lowers the cost; once the sizes are held, filling an empty pair needs two moves at once: a unit
of the label into the empty split and a unit back out of it, and a group moved with groups drags
its other labels and examples along. :func:`fill_pairs` tries exactly those chains, per empty
pair (of a label with at least as many units as splits; rarest label first, then split order):

- **in**: a unit of a stratum carrying the label, from a split ``a`` to the empty split ``s``
  (allowed there by the heaviest-split rule, emptying no other pair); the ``FILL_WIDTH`` such
  moves of least cost are tried;
- **out**: after it, a unit of any stratum from ``s`` back to ``a`` (without groups: the sizes
  stay exact), or with groups to any split that keeps every split within ``FILL_BAND`` (2.5%; or no
  further off than it was); it empties no pair (the one just filled included) and is allowed
  by the rule. With groups the unit in alone also does, if it keeps every split in that band.

The chain of least total cost (the objective's exact change) is taken, even if it raises the
cost (a missing pair is a goal, not a weight); a pair none fills stays empty. Each taken chain
fills one pair and empties none, so the step ends; at most ``MAX_TRIES`` pairs are tried per
pass (the cost stays bounded where thousands of pairs cannot be filled). Deterministic:
candidates in a fixed order, ties broken by stratum index.

Example (label 5 has 5 units; one-unit moves and swaps leave it at ``[4, 0, 1]``, the chain
moves a unit of ``(0, 3, 5, 7)`` from train to eval and one of ``(0,)`` back):
    >>> from tfx_balance.core.split.iterative import label_split_counts, plan_counts
    >>> strata = {(0,): 2, (4,): 1, (0, 3, 5, 7): 2, (0, 4): 1, (1, 2, 6): 2, (2, 3, 7): 2,
    ...           (5,): 3, (7,): 1}
    >>> plan = plan_counts(strata, [8, 1, 1])
    >>> plan[(0, 3, 5, 7)], plan[(0,)], label_split_counts(plan)[5]
    ((0, 1, 1), (2, 0, 0), [3, 1, 1])
"""

from __future__ import annotations

import numpy as np

from tfx_balance.core.split import objective, program

FILL_WIDTH = 8  # in-moves tried per empty pair (least cost first)
# empty pairs tried per pass (rarest labels first): 5,000 labels on 2,000 examples leave 2,339
# that no plan can all fill (benchmarks/RESULTS.md section 10); each try is a pass over the table
MAX_TRIES = 64
FILL_BAND = 0.025  # with groups: a chain keeps every split within 2.5% of its share (goal: 3%)


def fill_pairs(search) -> int:
    """Fill empty (label, split) pairs of ``search`` (a :class:`~.objective.PlanSearch` after
    its sizes' repair) by (in, out) chains, then by the exact step
    (:func:`~.program.fill_exact`) for the pairs chains leave; returns the number filled."""
    if not search.big.any():
        return 0
    tolerance = FILL_BAND * search.tz if search.grouped else np.zeros(search.k)
    filled = _chains(search, tolerance)
    if ((search.c == 0) & search.big[:, None]).any():
        band = np.maximum(tolerance, np.abs(search.z - search.tz)) + objective.EPS
        filled += program.fill_exact(search, band)
    return filled


def _chains(search, tolerance) -> int:
    k = search.k
    _, strata_of = program.label_index(search)
    filled = 0
    while True:
        empty = (search.c == 0) & search.big[:, None]
        labels = np.flatnonzero(empty.any(axis=1))
        if not len(labels):
            return filled
        labels = labels[np.lexsort((labels, search.n[labels]))]  # rarest first
        done, tries = filled, 0
        for label in labels.tolist():
            for s in range(k):
                if search.c[label, s] or tries >= MAX_TRIES:
                    continue
                tries += 1
                if _fill(search, label, s, strata_of, tolerance):
                    filled += 1
        if filled == done:
            return filled


def _empties(search, split: int) -> np.ndarray:
    """Per stratum: would one unit fewer in ``split`` empty a pair (a label of >= #splits units
    with one unit there)?"""
    last = (search.c[:, split] == 1) & search.big
    out = np.zeros(len(search.starts), dtype=bool)
    for first, end, label_ids, starts in search._blocks():
        out[first:end] = np.logical_or.reduceat(last[label_ids], starts)
    return out


def _fill(search, label: int, s: int, strata_of, tolerance) -> bool:
    """The least-cost chain filling ``(label, s)``, applied; False if none."""
    k, counts = search.k, search.counts
    strata = np.unique(strata_of(label))
    strata = strata[search.allowed[strata, s]]
    ins = []  # (cost, stratum, source)
    for a in range(k):
        if a == s:
            continue
        js = strata[(counts[strata, a] > 0) & ~_empties(search, a)[strata]]
        for j in js.tolist():
            ins.append((float(search._exact_deltas(j)[0][a, s]), j, a))
    ins.sort()
    # the sizes' bound: every split within its band, or no further off than before the chain
    bound = np.maximum(tolerance, np.abs(search.z - search.tz)) + objective.EPS
    best = None  # (total, j, a, y, b)
    for d_in, j, a in ins[:FILL_WIDTH]:
        search.move(j, a, s)
        found = _best_out(search, s, a, bound)
        if search.grouped and np.all(np.abs(search.z - search.tz) <= bound):
            if found is None or found[0] > 0:  # with groups, the unit in alone may do
                found = (0.0, None, None)
        search.move(j, s, a)
        if found is not None and (best is None or d_in + found[0] < best[0]):
            best = (d_in + found[0], j, a, found[1], found[2])
    if best is None:
        return False
    _, j, a, y, b = best
    search.move(j, a, s)
    if y is not None:
        search.move(y, s, b)
    return True


def _best_out(search, s: int, a: int, bound):
    """``(cost, stratum, target)`` of the least-cost unit out of ``s`` that keeps the sizes
    (back to ``a`` without groups; within ``bound`` with groups), the rule and every pair."""
    targets = range(search.k) if search.grouped else (a,)
    r_sum, a_sum = search._move_deltas()
    movable = (search.counts[:, s] > 0) & ~_empties(search, s)
    z, tz, best = search.z, search.tz, None
    for b in targets:
        if b == s:
            continue
        ok = movable & search.allowed[:, b]
        if search.grouped:
            rest = [i for i in range(search.k) if i not in (s, b)]
            if np.any(np.abs(z[rest] - tz[rest]) > bound[rest]):
                continue
            ok &= np.abs(z[s] - search.e - tz[s]) <= bound[s]
            ok &= np.abs(z[b] + search.e - tz[b]) <= bound[b]
        if not ok.any():
            continue
        delta = np.where(ok, r_sum[:, s] + a_sum[:, b], np.inf)
        y = int(np.argmin(delta))
        if best is None or delta[y] < best[0]:
            best = (float(delta[y]), y, b)
    return best
