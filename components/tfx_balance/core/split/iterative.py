"""The multi-label split plan: how many units of each label set go to each split.

Multi-label data is split with the single-label machinery, *strata* in place of classes: a
stratum is a label set (``()``, no label, is one), and its units (examples, or groups) are ordered
by seeded hash and cut at per-split counts exactly as a class is
(:class:`~tfx_balance.core.split.stratified.ClassSplitPlan`). :func:`plan_counts` chooses those
counts from the aggregate ``{label set: units}`` table alone (with groups, also each label set's
examples), so the plan is a pure function of the data's label sets and the weights (never of
order, sharding, runner or retries; no randomness):

1. **The empty set** is split by the single-label rule
   (:func:`~tfx_balance.core.split.allocation.allocate`) as its own class; the labelled units
   fill the rest of each split's ``allocate`` share (in examples, with groups).
2. **One objective** (:mod:`~tfx_balance.core.split.objective`): the chi-square of every label's
   count per split to its share, plus a cost per empty (label, split) of a label with at least
   as many units as splits, plus the split sizes' distance to theirs (with groups: in examples,
   free within ``SIZE_BAND``, 1%, of the share, and in groups, as LD counts a label's share of
   a split's groups).
3. **The heaviest-split rule**, a hard constraint: a stratum carrying a label with fewer units
   than splits goes only to the splits that label's ``allocate`` gives a unit (the heaviest).
4. **Greedy insertion**, strata from their rarest label, each unit to the allowed split of least
   added cost (a large stratum's units at once); then **local search**: one-unit moves between
   splits that lower the cost, for the strata that can improve, in bounded passes.
5. **Sizes**, a hard final repair by the cheapest moves: without groups every split holds its
   ``allocate`` share exactly; with groups, within ``HARD_BAND`` (1.5%) of its share in examples.
6. **Filling** (:mod:`~tfx_balance.core.split.chains`): each (label, split) pair still empty (of
   a label with at least as many units as splits) is filled, where one exists, by the cheapest
   pair of moves, a unit of the label into the split and a unit back out, that keeps the sizes
   (exact; with groups within the chains' 2.5% band), the rule and every other pair; the pairs
   chains leave go to an exact integer program over their neighbourhood
   (:mod:`~tfx_balance.core.split.program`: the whole table up to 4,096 label sets), under the
   same constraints. A pair stays empty only where that program finds no way; the log counts
   those the heaviest-split rule forces (:func:`~tfx_balance.core.split.program.forced_empty`).

Every unit is in exactly one split; the tests and ``make bench`` measure the labels' deviation
(LD, missing pairs, max relative deviation: :mod:`tfx_balance.core.split.quality`).

Example:
    >>> plan = plan_counts({(0,): 50, (0, 1): 30, (1,): 20, (): 10}, [8, 1, 1])
    >>> plan[()]
    (8, 1, 1)
    >>> totals = label_split_counts(plan)
    >>> totals[0], totals[1]
    ([64, 8, 8], [40, 5, 5])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Dict, Sequence

from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.chains import fill_pairs
from tfx_balance.core.split.objective import PlanSearch
from tfx_balance.core.split.partners import partner_swaps


def label_totals(strata: Mapping[tuple, int]) -> Dict[object, int]:
    """``{label: units carrying it}`` of a ``{label set: units}`` table."""
    totals = {}
    for labels, m in strata.items():
        for label in labels:
            totals[label] = totals.get(label, 0) + m
    return totals


def label_split_counts(plan: Mapping[tuple, Sequence[int]]) -> Dict[object, list]:
    """``{label: units per split}`` of a plan (``{label set: units per split}``)."""
    totals = {}
    for labels, counts in plan.items():
        for label in labels:
            row = totals.get(label)
            if row is None:
                totals[label] = list(counts)
            else:
                for i, c in enumerate(counts):
                    row[i] += c
    return totals


def plan_counts(
    strata: Mapping[tuple, int],
    weights: Sequence[float],
    examples: Mapping[tuple, int] | None = None,
) -> Dict[tuple, tuple]:
    """Units per split of each label set (see the module docstring for the rule).

    ``examples`` (``{label set: examples of its units}``, with groups) counts the split sizes in
    examples: the histogram pass keeps it beside the units.

    Example:
        >>> plan_counts({(0,): 4, (0, 1): 2, (1,): 2}, [1, 1])
        {(0,): (2, 2), (0, 1): (1, 1), (1,): (1, 1)}
    """
    k = len(weights)
    plan = {}
    empty = [0] * k
    if strata.get((), 0):
        plan[()] = tuple(allocate(strata[()], weights))
        empty = list(plan[()])
    labelled = _Labelled(strata)  # a view, not a copy (memory: one entry per label set)
    if not any(True for _ in labelled):
        return plan
    total = sum(strata.values())
    target = target_sizes(total, empty, weights, examples, strata)
    units = target_sizes(total, empty, weights, None, strata)  # with groups: groups per split
    search = searched(PlanSearch(labelled, weights, target, examples, units))
    if partner_swaps(search):  # then the single moves and swaps they freed, and theirs again
        search.local_search()
        search.swaps()
        partner_swaps(search)
        search.repair_sizes()
    fill_pairs(search)
    shared = {}  # one tuple object per distinct count vector (memory)
    for labels, row in zip(search.sets, search.counts.tolist()):
        row = tuple(row)
        plan[labels] = shared.setdefault(row, row)
    return plan


def searched(search: PlanSearch) -> PlanSearch:
    """``search`` after the search steps (greedy insertion, local search, sizes, swaps, sizes),
    before partner swaps and filling: what :func:`plan_counts` runs, and what the tests of the
    later steps start from."""
    search.greedy()
    search.local_search()
    search.repair_sizes()
    search.swaps()
    search.repair_sizes()
    return search


def target_sizes(
    total: int, empty: Sequence[int], weights, examples: Mapping | None, strata: Mapping
) -> list:
    """The labelled units (examples, with groups) each split should hold: ``allocate`` of all
    units less the empty set's; with groups, the examples' share less the empty set's units at
    their mean size."""
    if examples is None:
        return [a - b for a, b in zip(allocate(total, list(weights)), empty)]
    units = strata.get((), 0)
    mean_empty = examples.get((), 0) / units if units else 0.0
    share = sum(examples.values()) / sum(weights)
    return [share * w - mean_empty * y for w, y in zip(weights, empty)]


class _Labelled(Mapping):
    """The label sets of ``strata`` that have labels and units, as a view."""

    def __init__(self, strata: Mapping[tuple, int]):
        self._strata = strata

    def __getitem__(self, labels: tuple) -> int:
        return self._strata[labels]

    def __iter__(self):
        return (labels for labels, m in self._strata.items() if labels and m)

    def __len__(self) -> int:
        return sum(1 for _ in self)
