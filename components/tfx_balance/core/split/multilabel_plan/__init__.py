"""The multi-label split plan: how many units of each label set go to each split.

A stratum is a label set (``()``, no label, is one); its units are cut at per-split counts as a
class is (``placement.ClassSplitPlan``). ``plan_counts``, the one entry point, chooses those
counts from the ``{label set: units}`` table alone (with groups, also each set's examples), so
the plan is a pure function of the data's label sets and the weights:

1. the empty set is split by the single-label rule (``allocation.allocate``) as its own class;
2. the labelled sets go to one search, ``PlanSearch`` (search.py: its steps are its methods, in
   the order they run), under two hard constraints: the heaviest-split rule and the split sizes;
3. program.py states the search's last, exact step as an integer program (scipy's HiGHS).

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
from typing import Dict, Sequence, Tuple

from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.multilabel_plan.search import PlanSearch


def plan_counts(
    strata: Mapping[tuple, int],
    weights: Sequence[float],
    examples: Mapping[tuple, int] | None = None,
    rank: Mapping | None = None,
) -> Dict[tuple, tuple]:
    """Units per split of each label set (the module's rule). ``examples`` (``{label set:
    examples of its units}``, with groups) counts the split sizes in examples; ``rank``
    (``{label: sort key}``) orders the labels where the search breaks ties (default: by name).

    Example:
        >>> plan_counts({(0,): 4, (0, 1): 2, (1,): 2}, [1, 1])
        {(0,): (2, 2), (0, 1): (1, 1), (1,): (1, 1)}
    """
    plan, search = plan_search(strata, weights, examples, rank)
    if search is None:
        return plan
    search.run()
    shared = {}  # one tuple object per distinct count vector (memory)
    for labels, row in zip(search.sets, search.counts.tolist()):
        row = tuple(row)
        plan[labels] = shared.setdefault(row, row)
    return plan


def plan_search(
    strata: Mapping[tuple, int],
    weights: Sequence[float],
    examples: Mapping[tuple, int] | None = None,
    rank: Mapping | None = None,
) -> Tuple[Dict[tuple, tuple], PlanSearch | None]:
    """``plan_counts``' start: the plan of the unlabelled units (``allocate``, their one rule),
    and the ``PlanSearch`` of the labelled ones with its target sizes, not yet run (None when
    every unit is unlabelled)."""
    plan = {}
    empty = [0] * len(weights)
    if strata.get((), 0):
        plan[()] = tuple(allocate(strata[()], weights))
        empty = list(plan[()])
    labelled = _Labelled(strata)  # a view, not a copy (memory: one entry per label set)
    if not any(True for _ in labelled):
        return plan, None
    total = sum(strata.values())
    target = target_sizes(total, empty, weights, examples, strata)
    units = target_sizes(total, empty, weights, None, strata)  # with groups: groups per split
    return plan, PlanSearch(labelled, weights, target, examples, units, rank)


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
