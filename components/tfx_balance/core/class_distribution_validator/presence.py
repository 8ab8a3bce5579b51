"""Which splits StratifiedSplitter's rule leaves without a class: absences no split method avoids.

A class with ``n`` examples and more than ``n`` splits cannot be in every split. StratifiedSplitter's
presence rule (:func:`tfx_balance.core.split.allocation.allocate`) puts such a class in its ``n``
largest-weight splits only. The validator sees per-split label counts, not the splitter's
weights, so it takes each split's number of examples as its weight and applies the same rule to
the class's total over all splits:

- a split the rule gives none of the class lacks it **unavoidably** (a note, not a violation);
- a split the rule gives at least one example lacks it **avoidably** (a violation: the rule
  would have put an example there).

The split sizes stand in for the weights well for splits made by a split method (their sizes
are the weights' shares, up to rounding); a rebalanced split (BalancedAugmenter's output) has
another size, so check it with ``targets`` and leave it out of ``compare_splits``.

Example:
    >>> rule_allocation({'train': 11999, 'eval': 1502, 'test': 1501}, 1)
    {'train': 1, 'eval': 0, 'test': 0}
    >>> rule_allocation({'train': 11999, 'eval': 1502, 'test': 1501}, 2)
    {'train': 1, 'eval': 1, 'test': 0}
    >>> unavoidable_absences({'train': 11999, 'eval': 1502, 'test': 1501}, 1, ['eval', 'test'])
    ['eval', 'test']
    >>> unavoidable_absences({'train': 10000, 'eval': 5002}, 1, ['train'])  # rule: in 'train'
    []
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence

from tfx_balance.core.split.allocation import allocate


def rule_allocation(split_sizes: Mapping[str, int], n: int) -> Dict[str, int]:
    """``{split: count}`` that StratifiedSplitter's rule gives a class of ``n`` examples, with
    the split sizes (examples per split, in split order) as the weights."""
    if n <= 0 or not any(split_sizes.values()):
        return dict.fromkeys(split_sizes, 0)
    return dict(zip(split_sizes, allocate(n, list(split_sizes.values()))))


def unavoidable_absences(
    split_sizes: Mapping[str, int], n: int, absent: Sequence[str]
) -> List[str]:
    """The splits of ``absent`` (lacking a class of ``n`` examples in all) to which the rule
    gives none of it: their absence is unavoidable. A class with no example at all is never
    unavoidably absent (the data lacks it)."""
    if n <= 0:
        return []
    allocation = rule_allocation(split_sizes, n)
    return [s for s in absent if allocation[s] == 0]
