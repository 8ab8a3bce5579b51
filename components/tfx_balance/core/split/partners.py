"""Partner swaps: two units that share a rare label trade splits, so that label stays put.

With many rare labels nearly every unit carries one that has a single unit in its split: a
one-unit move or a swap of the search (:class:`~.objective.PlanSearch`) would empty that pair,
so the frequent labels on those units cannot be steered (measured, 5,000 labels on 20,000
examples: the most frequent label held 439 examples in eval where its share is 594). Two units
of the same rare label in different splits can trade places without changing that label's
counts; the trade moves only their other labels. :func:`partner_swaps` tries every such pair of
a label with at most ``PARTNER_UNITS`` units, best first by the sum of the two one-unit moves'
estimated costs, checks each exactly on the current state and keeps it if it lowers the
objective; rounds while one does (at most ``ROUNDS``). Deterministic: candidates in a fixed
order, ties broken by stratum index and split.

Example (label 5 has one unit in train, on (0, 5), and one in eval, on (5,); label 0 sits 5:2
where its share is 3.5:3.5; moving either unit alone would empty a pair of label 5, trading
them moves one unit of label 0 and leaves label 5 where it was):
    >>> from tfx_balance.core.split.objective import PlanSearch
    >>> search = PlanSearch({(0,): 6, (0, 5): 1, (5,): 1}, [1, 1], [4, 4], None)
    >>> search.counts[:] = [[4, 2], [1, 0], [0, 1]]  # (0,), (0, 5), (5,) per split
    >>> search.c[:] = [[5, 2], [1, 1]]
    >>> search.z[:] = [5, 3]; search.u[:] = [5, 3]
    >>> partner_swaps(search)
    1
    >>> search.counts.tolist(), search.c.tolist()
    ([[4, 2], [0, 1], [1, 0]], [[4, 3], [1, 1]])
"""

from __future__ import annotations

import logging

import numpy as np

from tfx_balance.core.split.objective import EPS
from tfx_balance.core.split.program import label_index

PARTNER_UNITS = 20  # labels of at most this many units are the partners' shared label
ROUNDS = 10

_log = logging.getLogger(__name__)


def partner_swaps(search) -> int:
    """Trades of units sharing a rare label that lower the objective; returns how many."""
    k = search.k
    _, strata_of = label_index(search)
    rare = np.flatnonzero((search.n >= 2) & (search.n <= PARTNER_UNITS)).tolist()
    partners = [p for p in (np.unique(strata_of(label)) for label in rare) if len(p) >= 2]
    done = 0
    for _ in range(ROUNDS):
        r_sum, a_sum = search._move_deltas()
        candidates = []
        for strata in partners:  # the strata of one rare label (fixed; their counts move)
            present = search.counts[strata] > 0
            for i, x in enumerate(strata.tolist()):
                for y in strata[i + 1 :].tolist():
                    for a in np.flatnonzero(present[i]).tolist():
                        for b in range(k):
                            if a == b or not search.counts[y, b]:
                                continue
                            if not (search.allowed[x, b] and search.allowed[y, a]):
                                continue
                            estimate = r_sum[x, a] + a_sum[x, b] + r_sum[y, b] + a_sum[y, a]
                            candidates.append((estimate, x, y, a, b))
        candidates.sort()
        swapped = 0
        for _, x, y, a, b in candidates:
            if not (search.counts[x, a] and search.counts[y, b]):
                continue
            if swap_delta(search, x, a, y, b) < -EPS:
                search.move(x, a, b)
                search.move(y, b, a)
                swapped += 1
        done += swapped
        if not swapped:
            break
    if done:
        _log.info('multi-label plan: %d partner swaps (units sharing a rare label)', done)
    return done


def swap_delta(search, x: int, a: int, y: int, b: int) -> float:
    """The exact cost change of moving one unit of stratum ``x`` from split ``a`` to ``b`` and
    one of ``y`` from ``b`` to ``a``: only the labels on one of the two strata change count,
    and with groups the two splits' sizes in examples (their numbers of units do not). Each
    label's term is that of :meth:`~.objective.PlanSearch._label_terms` (one unit more / fewer),
    in plain Python: the strata carry a few labels, where NumPy's per-call cost would dominate."""
    on_x, on_y = set(search._rows(x).tolist()), set(search._rows(y).tolist())
    c, t, big, presence = search.c, search.t, search.big, search.presence
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
    if search.grouped:
        z = search.z.copy()
        shift = search.e[x] - search.e[y]
        z[a] -= shift
        z[b] += shift
        delta += (search.size_cost(z, search.u) - search.size_cost(search.z, search.u)).sum()
    return float(delta)
