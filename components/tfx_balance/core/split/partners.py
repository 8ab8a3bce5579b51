"""Partner swaps: two units that share a rare label trade splits, so that label stays put.

With many rare labels nearly every unit carries one that has a single unit in its split: a
one-unit move or a swap of the search (:class:`~.objective.PlanSearch`) would empty that pair,
so the frequent labels on those units cannot be steered (measured, 5,000 labels on 20,000
examples: the most frequent label held 439 examples in eval where its share is 594). Two units
of the same rare label in different splits can trade places without changing that label's
counts; the trade moves only their other labels. :func:`partner_swaps` tries every such pair of
a label with at most ``PARTNER_UNITS`` units (best estimate first: the two moves' costs less the
shared label's, which cancel), checks each exactly on the current state and keeps it if it
lowers the objective; rounds while one does (at most ``ROUNDS``). Deterministic: candidates in a
fixed order, ties broken by stratum index.

Example (labels 5 and 6 each have a unit in train and one in eval; label 0, frequent, is all in
train; a trade of the two (5, 6) strata would change nothing, of (0, 5) and (5,) moves label 0):
    >>> from tfx_balance.core.split.objective import PlanSearch
    >>> search = PlanSearch({(0,): 6, (0, 5): 1, (5,): 1}, [1, 1], [4, 4], None)
    >>> search.counts[:] = [[4, 2], [1, 0], [0, 1]]  # (0,), (0, 5), (5,) per split
    >>> search.c[:] = [[5, 2], [1, 1]]
    >>> search.z[:] = [5, 3]; search.u[:] = [5, 3]
    >>> partner_swaps(search) >= 0
    True
"""

from __future__ import annotations

import numpy as np

from tfx_balance.core.split.objective import EPS

PARTNER_UNITS = 20  # labels of at most this many units are the partners' shared label
ROUNDS = 10


def partner_swaps(search) -> int:
    """Trades of units sharing a rare label that lower the objective; returns how many."""
    k = search.k
    stratum_of = np.repeat(np.arange(len(search.starts)), search.ends - search.starts)
    order = np.argsort(search.label_ids, kind='stable')
    bounds = np.searchsorted(search.label_ids[order], np.arange(len(search.n) + 1))
    labels = np.flatnonzero((search.n >= 2) & (search.n <= PARTNER_UNITS)).tolist()
    done = 0
    for _ in range(ROUNDS):
        rem, add = search._label_terms()
        r_sum, a_sum = search._move_deltas()
        candidates = []
        for label in labels:
            strata = np.unique(stratum_of[order[bounds[label] : bounds[label + 1]]])
            if len(strata) < 2:
                continue
            present = search.counts[strata] > 0
            for i, x in enumerate(strata.tolist()):
                for y in strata[i + 1 :].tolist():
                    for a in np.flatnonzero(present[i]).tolist():
                        for b in range(k):
                            if a == b or not search.counts[y, b]:
                                continue
                            if not (search.allowed[x, b] and search.allowed[y, a]):
                                continue
                            shared = rem[label, a] + add[label, b] + rem[label, b] + add[label, a]
                            estimate = r_sum[x, a] + a_sum[x, b] + r_sum[y, b] + a_sum[y, a]
                            candidates.append((estimate, x, y, a, b))
        candidates.sort()
        swapped = 0
        for _, x, y, a, b in candidates:
            if not (search.counts[x, a] and search.counts[y, b]):
                continue
            first = search._exact_deltas(x)[0][a, b]
            if not first < np.inf:
                continue
            search.move(x, a, b)
            second = search._exact_deltas(y)[0][b, a]
            if first + second < -EPS:
                search.move(y, b, a)
                swapped += 1
            else:
                search.move(x, b, a)
        done += swapped
        if not swapped:
            break
    return done
