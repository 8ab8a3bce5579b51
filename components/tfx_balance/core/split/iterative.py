"""The multi-label split plan: how many units of each label set go to each split.

Multi-label data is split with the single-label machinery, *strata* in place of classes: a
stratum is a label set (``()``, no label, is one), and its units (examples, or groups) are ordered
by seeded hash and cut at per-split counts exactly as a class is
(:class:`~tfx_balance.core.split.stratified.ClassSplitPlan`). :func:`plan_counts` chooses those
counts from the aggregate ``{label set: units}`` alone, so the plan is a pure function of the
data's label sets and the weights (never of order, runner or retries):

1. **Targets.** Per label with ``n`` units, :func:`~tfx_balance.core.split.allocation.allocate` gives
   its count per split (the single-label rule, presence included).
2. **Iterative stratification.** Strata are taken from their rarest label (fewest units; ties:
   class order, then the set); a stratum's units go to the splits of largest remaining desire
   (target minus placed) for that label relative to the split's weight (:func:`_fill`,
   water-filling; the fewer than ``#splits`` left over one by one, ties: the desire summed over
   the stratum's labels, then the split's remaining size, then the split listed first). The
   frequent labels' strata, taken last, correct what the rare ones left.
3. **Presence repair.** A label with at least ``#splits`` units and none in some split takes one
   unit from the split holding the most of it, from a stratum whose move leaves every other such
   label present where it was (rarest labels first; strata in class order).
4. **Split sizes.** Units of one-label strata move from the fullest split to the emptiest until
   the labelled units fill each split's ``allocate`` size (:func:`_balance_sizes`).

The empty set is split by the single-label rule as its own class. Every unit is in exactly one
split; every label's count per split is its target within the deviation the greedy leaves (the
tests and ``make bench`` measure it: LD, missing pairs, max relative deviation,
:mod:`tfx_balance.core.split.multilabel_quality`).

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
from fractions import Fraction
from math import lcm
from typing import Dict, Sequence

from tfx_balance.core.labels import class_sort_key
from tfx_balance.core.split.allocation import allocate

MAX_SIZE_SHARE_DENOMINATOR = 5  # step 4 moves units of labels on at most 1/5 of the units


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


def _set_key(labels: tuple):
    return tuple(class_sort_key(label) for label in labels)


def plan_counts(strata: Mapping[tuple, int], weights: Sequence[float]) -> Dict[tuple, tuple]:
    """Units per split of each label set (see the module docstring for the rule)."""
    k = len(weights)
    plan = {}
    if strata.get((), 0):
        plan[()] = tuple(allocate(strata[()], weights))
    labelled = strata
    if () in strata or not all(strata.values()):
        labelled = _Labelled(strata)  # a view, not a copy (memory: one entry per label set)
    if not any(True for _ in labelled):
        return plan
    n_label = label_totals(labelled)
    rarity = {label: (n, class_sort_key(label)) for label, n in n_label.items()}
    exact = [Fraction(w) for w in weights]
    denominator = lcm(*(w.denominator for w in exact))
    share = [int(w * denominator) for w in exact]  # integer weights in the same ratios
    desire = {label: allocate(n, weights) for label, n in n_label.items()}
    size_desire = allocate(sum(labelled.values()), weights)
    by_rank = sorted(n_label, key=rarity.__getitem__)  # the labels, rarest first
    rank = {label: r for r, label in enumerate(by_rank)}
    order_key = {label: r for r, label in enumerate(sorted(n_label, key=class_sort_key))}
    inverse = [1.0 / a for a in share]
    splits = range(k)
    # counts: the plan itself (after the empty set's row; the steps below skip that row);
    # shared: one tuple object per distinct count vector (memory)
    counts, shared = plan, {}
    # Strata by the rank of their rarest label, then by their labels' class-order ranks: grouped
    # by rarest label (a reference each), each group sorted when its turn comes, so the sort keys
    # of one group only exist at a time (memory: one key per label set otherwise).
    groups = {}
    for labels in labelled:
        groups.setdefault(min(map(rank.__getitem__, labels)), []).append(labels)
    for rarest in sorted(groups):
        group = groups.pop(rarest)
        group.sort(key=lambda labels: tuple(map(order_key.__getitem__, labels)))
        rarest_label = by_rank[rarest]
        for labels in group:
            m = labelled[labels]
            rows = [desire[label] for label in labels]
            first = desire[rarest_label]
            if m >= k:
                placed = _fill(first, m, share)
            else:
                placed = [0] * k
            if m > sum(placed):  # fewer than k left: one by one
                width = len(rows)
                row_sum = [sum(column) for column in zip(*rows)]
                for _ in range(m - sum(placed)):
                    best, best_key = 0, None
                    for i in splits:
                        key = (
                            (first[i] - placed[i]) * inverse[i],
                            (row_sum[i] - placed[i] * width) * inverse[i],
                            (size_desire[i] - placed[i]) * inverse[i],
                        )
                        if best_key is None or key > best_key:
                            best, best_key = i, key
                    placed[best] += 1
            placed = tuple(placed)
            counts[labels] = shared.setdefault(placed, placed)
            for i in splits:
                c = placed[i]
                if c:
                    for row in rows:
                        row[i] -= c
                    size_desire[i] -= c
        del group

    # What the loop placed, from what it left: per label and split, and per split.
    have = {
        label: [t - d for t, d in zip(allocate(n, weights), desire[label])]
        for label, n in n_label.items()
    }
    sizes = allocate(sum(labelled.values()), weights)
    placed = [s - d for s, d in zip(sizes, size_desire)]
    _repair(counts, have, placed, n_label, rarity, k)
    _balance_sizes(counts, have, placed, n_label, sizes, k)
    return plan


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


def _move(counts: Dict[tuple, tuple], labels: tuple, source: int, target: int) -> None:
    """Moves one unit of stratum ``labels`` from split ``source`` to split ``target``."""
    row = list(counts[labels])
    row[source] -= 1
    row[target] += 1
    counts[labels] = tuple(row)


def _fill(desire: Sequence[int], m: int, share: Sequence[int]) -> list:
    """Water-filling relative to the splits' shares: ``floor(desire_s - level * share_s)`` units
    for the splits whose ``desire_s / share_s`` is above the level at which ``m`` units fit
    (what giving units one by one to the split of largest relative desire gives, up to the fewer
    than ``len(desire)`` units left over). Exact integer arithmetic."""
    order = sorted(range(len(desire)), key=lambda i: (-desire[i] / share[i], i))
    total_d = total_a = 0
    for j, i in enumerate(order):
        total_d += desire[i]
        total_a += share[i]
        # level = (total_d - m) / total_a; stop when the next split would not be filled
        nxt = order[j + 1] if j + 1 < len(order) else None
        if nxt is None or (total_d - m) * share[nxt] >= desire[nxt] * total_a:
            active = order[: j + 1]
            break
    counts = [0] * len(desire)
    for i in active:
        counts[i] = max(0, (desire[i] * total_a - (total_d - m) * share[i]) // total_a)
    return counts


def _repair(counts: Dict[tuple, tuple], have, placed, n_label, rarity, k: int) -> None:
    """Step 3 of the rule: gives a missing (label, split) pair one unit, where a safe move exists.
    ``have`` (units per label and split) and ``placed`` (units per split) follow the moves."""
    for label in sorted(n_label, key=rarity.__getitem__):
        if n_label[label] < k:
            continue
        for target in range(k):
            if have[label][target]:
                continue
            move = _safe_move(counts, have, n_label, label, k)
            if move is None:
                continue  # no move keeps every other label present: left as is (documented)
            labels, source = move
            _move(counts, labels, source, target)
            placed[source] -= 1
            placed[target] += 1
            for other in labels:
                have[other][source] -= 1
                have[other][target] += 1


def _balance_sizes(
    counts: Dict[tuple, tuple], have, placed, n_label, sizes: Sequence[int], k: int
) -> None:
    """Step 4 of the rule: moves units of one-label strata from the fullest split to the
    emptiest until each split holds its size (:func:`allocate` of all labelled units) or no move
    is left. A split's size shifts every label's share in it, so a unit moved here costs its one
    label one unit and corrects ~mean-labels-per-example labels at once. Labels are taken from
    the most frequent on at most ``1 / MAX_SIZE_SHARE_DENOMINATOR`` of the units down, one each
    per round, never emptying a (label, split) pair of a label with at least ``k`` units."""
    total = sum(n for n in sizes)
    singles = sorted(
        (s for s in counts if len(s) == 1 and n_label[s[0]] * MAX_SIZE_SHARE_DENOMINATOR <= total),
        key=lambda s: (-n_label[s[0]], _set_key(s)),
    )
    moved = True
    while moved:
        moved = False
        for labels in singles:
            over = max(range(k), key=lambda i: (placed[i] - sizes[i], -i))
            under = min(range(k), key=lambda i: (placed[i] - sizes[i], i))
            if placed[over] <= sizes[over] or placed[under] >= sizes[under]:
                return
            (label,) = labels
            if not counts[labels][over] or (have[label][over] < 2 and n_label[label] >= k):
                continue
            _move(counts, labels, over, under)
            have[label][over] -= 1
            have[label][under] += 1
            placed[over] -= 1
            placed[under] += 1
            moved = True


def _safe_move(counts, have, n_label, label, k: int):
    """``(label set, source split)`` of a unit of ``label`` that can leave its split without
    emptying any (label, split) pair of a label with at least ``k`` units; or None."""
    sources = sorted(
        (s for s in range(k) if have[label][s] >= 2), key=lambda s: (-have[label][s], s)
    )
    candidates = sorted((s for s in counts if label in s), key=_set_key)
    for source in sources:
        for labels in candidates:
            if counts[labels][source] and all(
                have[other][source] >= 2 or n_label[other] < k for other in labels
            ):
                return labels, source
    return None
