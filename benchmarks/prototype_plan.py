"""PROTOTYPE (benchmark only, not the package's plan): sizes and label deviations optimised together.

A candidate for issue 40, measured beside the package's
:func:`~tfx_balance.core.split.iterative.plan_counts` in
:mod:`benchmarks.bench_multilabel_hard`. Like it, a pure function of the aggregate
``{label set: units}`` table and the weights (so streaming, determinism and memory would stay as
they are); unlike it, one objective instead of steps that undo each other:

``cost = sum over labels l and splits s of (c_ls - t_ls)^2 / t_ls``  (chi-square to the targets
``t_ls = n_l * r_s``), ``+ PRESENCE`` per empty ``(l, s)`` of a label with ``n_l >= #splits``,
``+ SIZE_WEIGHT * sum_s (z_s - T_s)^2 / T_s`` (the split sizes ``z_s`` against theirs, in units;
with groups, in examples when the table also gives each stratum's examples: the histogram pass
could count them beside the units at no cost).

Hard constraint: a stratum holding a label with fewer units than splits only goes to the splits
that label's ``allocate`` gives (the heaviest-split rule). The empty set is split by ``allocate``
as its own class and the labelled sizes ``T_s`` are the rest of ``allocate(all units)``.

1. **Greedy insertion**, strata from their rarest label (as the package's step 2), each unit to
   the allowed split of least added cost.
2. **Local search**: for each stratum (in a fixed order), the one-unit move between two splits
   that lowers the cost most, repeated while one does; passes until none does (at most
   ``MAX_PASSES``). Deterministic: no randomness, fixed orders and ties to the lower split.

Example:
    >>> plan = plan_counts({(0,): 50, (0, 1): 30, (1,): 20, (): 10}, [8, 1, 1])
    >>> plan[()], sum(map(sum, plan.values()))
    ((8, 1, 1), 110)
"""

from __future__ import annotations

from typing import Dict, Mapping, Sequence

PRESENCE = 5.0
SIZE_WEIGHT = 20.0
MAX_PASSES = 60


def plan_counts(
    strata: Mapping[tuple, int],
    weights: Sequence[float],
    size_weight: float = SIZE_WEIGHT,
    presence: float = PRESENCE,
    examples: Mapping[tuple, int] = None,
) -> Dict[tuple, tuple]:
    """Units per split of each label set (see the module docstring). With ``examples``
    (``{label set: examples of its units}``, for groups), the sizes are counted in examples: a
    unit of a stratum weighs its stratum's mean examples per unit."""
    from tfx_balance.core.split.allocation import allocate

    k = len(weights)
    r = [w / sum(weights) for w in weights]
    empty = strata.get((), 0)
    total = sum(strata.values())
    plan = {(): tuple(allocate(empty, list(weights)))} if empty else {}
    if examples is None:
        target_size = [a - b for a, b in zip(allocate(total, list(weights)), plan.get((), [0] * k))]
    else:  # the empty set's groups weigh their mean size
        mean_empty = examples.get((), 0) / empty if empty else 0
        all_examples = sum(examples.values())
        target_size = [all_examples * x - mean_empty * y for x, y in zip(r, plan.get((), [0] * k))]
    sets = sorted((s for s, m in strata.items() if s and m), key=repr)
    n = {}
    for s in sets:
        for label in s:
            n[label] = n.get(label, 0) + strata[s]
    index = {label: i for i, label in enumerate(sorted(n, key=repr))}
    n_l = [0] * len(index)
    for label, i in index.items():
        n_l[i] = n[label]
    t = [[max(n_l[i] * r[s], 1e-9) for s in range(k)] for i in range(len(n_l))]
    c = [[0] * k for _ in n_l]
    z = [0.0] * k
    tz = [max(x, 1e-9) for x in target_size]
    strat = [[index[label] for label in s] for s in sets]
    weigh = [1.0 if examples is None else examples[s] / strata[s] for s in sets]
    allowed = []
    for labels in strat:
        ok = [True] * k
        for i in labels:
            if n_l[i] < k:
                support = allocate(n_l[i], list(weights))
                ok = [a and b > 0 for a, b in zip(ok, support)]
        if not any(ok):  # two small labels with disjoint supports (cannot be with 1-unit sets)
            ok = [s == 0 for s in range(k)]
        allowed.append([s for s in range(k) if ok[s]])
    counts = [[0] * k for _ in strat]

    def add_cost(labels, b, e):  # cost change of one more unit (weighing e) in split b
        d = size_weight * (2 * e * (z[b] - tz[b]) + e * e) / tz[b]
        for i in labels:
            d += (2 * (c[i][b] - t[i][b]) + 1) / t[i][b]
            if c[i][b] == 0 and n_l[i] >= k:
                d -= presence
        return d

    def remove_cost(labels, a, e):  # cost change of one unit (weighing e) fewer in split a
        d = size_weight * (-2 * e * (z[a] - tz[a]) + e * e) / tz[a]
        for i in labels:
            d += (-2 * (c[i][a] - t[i][a]) + 1) / t[i][a]
            if c[i][a] == 1 and n_l[i] >= k:
                d += presence
        return d

    def apply(j, source, target):
        for i in strat[j]:
            if source is not None:
                c[i][source] -= 1
            c[i][target] += 1
        if source is not None:
            z[source] -= weigh[j]
            counts[j][source] -= 1
        z[target] += weigh[j]
        counts[j][target] += 1

    # 1. greedy insertion, rarest label first
    order = sorted(range(len(strat)), key=lambda j: (min(n_l[i] for i in strat[j]), j))
    for j in order:
        for _ in range(strata[sets[j]]):
            best = min(allowed[j], key=lambda b: (add_cost(strat[j], b, weigh[j]), b))
            apply(j, None, best)
    # 2. local search: one-unit moves that lower the cost
    for _ in range(MAX_PASSES):
        moved = False
        for j in order:
            while True:
                best, move = -1e-9, None
                for a in allowed[j]:
                    if not counts[j][a]:
                        continue
                    out = remove_cost(strat[j], a, weigh[j])
                    for b in allowed[j]:
                        if b != a:
                            # add_cost after the removal: only differs when a == b (excluded)
                            d = out + add_cost(strat[j], b, weigh[j])
                            if d < best:
                                best, move = d, (a, b)
                if move is None:
                    break
                apply(j, *move)
                moved = True
        if not moved:
            break
    for s, row in zip(sets, counts):
        plan[s] = tuple(row)
    return plan
