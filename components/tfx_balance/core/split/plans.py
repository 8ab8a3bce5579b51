"""A split's plan: how many units of each stratum go to each split, and where they are cut.

A *stratum* is what a unit counts for: its class (one label per example) or its label set
(``multi_label``). A plan is a pure function of the aggregate table ``{stratum: units}`` and the
split weights, never of order, runner or retries. The label forms differ only in the rule that
turns that table into counts per split (chosen by the form's
:class:`~tfx_balance.core.split.strategy.SplitStrategy`):

- :func:`exact_counts`: each class by itself, by the exact rule
  (:func:`~tfx_balance.core.split.allocation.allocate`).
- :func:`~tfx_balance.core.split.multilabel_plan.plan_counts`: label sets, all labels at once (one
  objective over the labels' shares and the split sizes).

Either way, :func:`cut` turns a stratum's counts and its bucket histogram into a
:class:`ClassSplitPlan`: ordered by hash, the stratum's units fill the splits in order.

Example:
    >>> exact_counts({'a': 10, 'b': 3}, [8, 1, 1])
    {'a': (8, 1, 1), 'b': (1, 1, 1)}
    >>> plan = cut((8, 1, 1), {0: 7, 1: 3}, bucket_bits=1)
    >>> plan.n, plan.ranking.boundary
    (10, {1: 7})
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Mapping, Sequence

from tfx_balance.core.ranking import BUCKET_BITS, BucketRanking, rank_buckets
from tfx_balance.core.split import allocation


def exact_counts(strata: Mapping[object, int], weights: Sequence[float]) -> Dict[object, tuple]:
    """Units per split of each class: :func:`~tfx_balance.core.split.allocation.allocate`."""
    return {stratum: tuple(allocation.allocate(n, weights)) for stratum, n in strata.items()}


@dataclasses.dataclass(frozen=True)
class ClassSplitPlan:
    """Where one stratum's hash-ordered ranks go: split ``i`` takes the ranks of segment ``i``.

    Attributes:
      n: units (for a class, examples or summed group sizes) of the stratum.
      counts: target count per split, in split order.
      ranking: the stratum's :class:`~tfx_balance.core.ranking.BucketRanking`, cut at the first
        rank of every split after the first.
    """

    n: int
    counts: tuple
    ranking: BucketRanking

    @classmethod
    def from_histogram(
        cls, histogram: Mapping[int, int], weights, bucket_bits: int = BUCKET_BITS
    ) -> ClassSplitPlan:
        """The plan of one class from its bucket histogram (bucket -> units), by the exact rule."""
        return cut(allocation.allocate(sum(histogram.values()), weights), histogram, bucket_bits)


def cut(counts: Sequence[int], histogram: Mapping[int, int], bucket_bits: int) -> ClassSplitPlan:
    """The :class:`ClassSplitPlan` of a stratum with ``counts`` per split and ``histogram``
    (bucket -> units)."""
    cuts = allocation.boundaries(counts)[:-1]
    return ClassSplitPlan(sum(counts), tuple(counts), rank_buckets(histogram, cuts, bucket_bits))
