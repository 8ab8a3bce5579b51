"""A window of statistics artifacts (e.g. a Resolver's rolling window of spans) as one: counts
pooled by split name, each artifact's counts read as usual (``counts.py``), none recomputed."""

from __future__ import annotations

import dataclasses
from typing import Dict, Mapping, Sequence

from tfx_balance.core.class_distribution_validator.counts import (
    LabelDistribution,
    LabelPrevalence,
    sorted_counts,
)


def pool(windows: Sequence[Mapping[str, LabelDistribution]]) -> Dict[str, LabelDistribution]:
    """One ``{split: counts}`` from several (e.g. one per span of a rolling window): the counts
    of the splits of one name added up, splits in order of first appearance. Works for
    LabelDistribution and LabelPrevalence alike (a prevalence's examples with no label stay
    unknown, None, when one part does not know them).

    Example:
        >>> a = {'train': LabelDistribution('train', {0: 90, 1: 10}, 'top_values')}
        >>> b = {'train': LabelDistribution('train', {0: 80, 1: 20}, 'top_values'),
        ...      'eval': LabelDistribution('eval', {0: 9, 1: 1}, 'top_values')}
        >>> {s: d.counts for s, d in pool([a, b]).items()}
        {'train': {0: 170, 1: 30}, 'eval': {0: 9, 1: 1}}
    """
    pooled: Dict[str, LabelDistribution] = {}
    for window in windows:
        for split, dist in window.items():
            pooled[split] = dist if split not in pooled else _add(pooled[split], dist)
    return pooled


def _add(a, b):
    counts = {c: a.counts.get(c, 0) + b.counts.get(c, 0) for c in {**a.counts, **b.counts}}
    changes = {'counts': sorted_counts(counts)}
    if a.source != b.source:
        changes['source'] = 'pooled'  # parts read from different statistics fields
    if isinstance(a, LabelPrevalence):
        changes.update(
            examples=a.examples + b.examples,
            label_values=a.label_values + b.label_values,
            unlabeled=None if None in (a.unlabeled, b.unlabeled) else a.unlabeled + b.unlabeled,
        )
    return dataclasses.replace(a, **changes)
