"""What StratifiedSplitter's rule makes unavoidable: absences, and share differences between splits.

A class with ``n`` examples and more than ``n`` splits cannot be in every split. StratifiedSplitter's
presence rule (``tfx_balance.core.split.allocation.allocate``) puts such a class in its ``n``
largest-weight splits only. The validator sees per-split label counts, not the splitter's
weights, so it takes each split's number of examples as its weight and applies the same rule to
the class's total over all splits:

- a split the rule gives none of the class lacks it **unavoidably** (a note, not a violation);
- a split the rule gives at least one example lacks it **avoidably** (a violation: the rule
  would have put an example there).

The split sizes stand in for the weights well for splits made by a split method (their sizes
are the weights' shares, up to rounding); a rebalanced split (BalancedAugmenter's output) has
another size, so check it with ``targets`` and leave it out of ``compare_splits``.

Splits made by StratifiedSplitter (the validator's ``examples`` is its output, with its
``split_counts.json``: ``SplitterCounts``) are also held to its documented bound instead of
the bare threshold: per class, a split's count is the rule's (the floor or ceiling of its exact
share, or the presence step's) give or take the slack of ``group_feature`` (largest group - 1,
plus the class's examples in groups that mix classes)
(``rule_range``), and a share difference between two splits up to what those ranges allow
(``share_bound``) is the splitter working as documented, a note rather than a violation.

Example:
    >>> rule_allocation({'train': 11999, 'eval': 1502, 'test': 1501}, 1)
    {'train': 1, 'eval': 0, 'test': 0}
    >>> rule_allocation({'train': 11999, 'eval': 1502, 'test': 1501}, 2)
    {'train': 1, 'eval': 1, 'test': 0}
    >>> unavoidable_absences({'train': 11999, 'eval': 1502, 'test': 1501}, 1, ['eval', 'test'])
    ['eval', 'test']
    >>> unavoidable_absences({'train': 10000, 'eval': 5002}, 1, ['train'])  # rule: in 'train'
    []
    >>> sizes = {'train': 800, 'eval': 100, 'test': 100}
    >>> rule_range(sizes, 54)  # exact shares 43.2, 5.4, 5.4
    {'train': (43, 44), 'eval': (5, 6), 'test': (5, 6)}
    >>> round(share_bound(sizes, 54, 'eval', 'test'), 4)  # 6/100 - 5/100
    0.01
    >>> round(share_bound(sizes, 54, 'eval', 'test', slack=2), 4)  # groups of up to 3
    0.05
    >>> rule_range(sizes, 54, spread=2)  # 2 classes: the sizes may be 2 off the weights
    {'train': (42, 45), 'eval': (4, 7), 'test': (4, 7)}
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Dict, List, Mapping, Sequence, Tuple

from tfx_balance.core.class_distribution_validator.report import WITHIN_SPLITTER_BOUND, Finding
from tfx_balance.core.labels import ClassValue, class_name, sorted_classes
from tfx_balance.core.split.allocation import allocate


@dataclasses.dataclass(frozen=True)
class SplitterCounts:
    """What StratifiedSplitter's ``split_counts.json`` tells the validator about its splits:
    that they are its output, and per class the slack its documented bound allows with
    ``group_feature`` (largest group - 1, plus the class's examples in mixed groups:
    tfx_balance.core.split.report.group_slack; 0, or a class it does not name: the exact rule)."""

    slack: Mapping[ClassValue, int] = dataclasses.field(default_factory=dict)
    group_feature: str | None = None


def rule_allocation(split_sizes: Mapping[str, int], n: int) -> Dict[str, int]:
    """``{split: count}`` that StratifiedSplitter's rule gives a class of ``n`` examples, with
    the split sizes (examples per split, in split order) as the weights."""
    if n <= 0 or not any(split_sizes.values()):
        return dict.fromkeys(split_sizes, 0)
    return dict(zip(split_sizes, allocate(n, list(split_sizes.values()))))


def unavoidable_absences(
    split_sizes: Mapping[str, int], n: int, absent: Sequence[str], slack: int = 0
) -> List[str]:
    """The splits of ``absent`` (lacking a class of ``n`` examples in all) to which the rule
    gives none of it (at most ``slack``, the largest group - 1, with groups): their absence is
    unavoidable. A class with no example at all is never unavoidably absent (the data lacks it)."""
    if n <= 0:
        return []
    allocation = rule_allocation(split_sizes, n)
    return [s for s in absent if allocation[s] <= slack]


def rule_range(
    split_sizes: Mapping[str, int], n: int, slack: int = 0, spread: int = 0
) -> Dict[str, Tuple[int, int]]:
    """``{split: (fewest, most)}`` examples of a class of ``n`` that StratifiedSplitter's
    documented bound allows in each split: the floor and ceiling of its exact share (the split
    sizes as the weights) and the rule's own count, widened by ``slack`` (with ``group_feature``:
    SplitterCounts) and by what the sizes may be off the weights: each split's size is the sum of
    its classes' counts, each within one (the rounding) or its slack of the rule's, so ``spread``
    (the number of classes plus every class's slack) examples in all, ``n / total`` of them this
    class's. Within ``[0, n]``."""
    total = sum(split_sizes.values())
    rule = rule_allocation(split_sizes, n)
    widen = slack + (math.ceil(Fraction(n * spread, total)) if total else 0)
    result = {}
    for split, size in split_sizes.items():
        exact = Fraction(n * size, total) if total else Fraction(0)
        low, high = min(math.floor(exact), rule[split]), max(math.ceil(exact), rule[split])
        result[split] = (max(0, low - widen), min(n, high + widen))
    return result


def share_bound(
    split_sizes: Mapping[str, int], n: int, a: str, b: str, slack: int = 0, spread: int = 0
) -> float:
    """The largest difference between a class's shares of splits ``a`` and ``b`` that
    ``rule_range`` allows (the splits' sizes as they are)."""
    ranges = rule_range(split_sizes, n, slack, spread)
    (low_a, high_a), (low_b, high_b) = ranges[a], ranges[b]
    size_a, size_b = split_sizes[a], split_sizes[b]
    if not size_a or not size_b:
        return 0.0
    return max(high_a / size_a - low_b / size_b, high_b / size_b - low_a / size_a, 0.0)


def split_by_bound(da, db, limit: float, bound) -> Tuple[list, list]:
    """``(over, within)``: ``(class name, share difference, bound)`` of the classes of two splits
    whose difference is beyond ``max(limit, bound(class, a, b))``, and of those above ``limit``
    but within the bound; largest differences first (a float's last digits are no difference)."""
    rows = []
    for c in sorted_classes(list(da.counts) + list(db.counts)):
        difference = abs(da.share(c) - db.share(c))
        rows.append((class_name(c), difference, bound(c, da.split, db.split)))
    rows.sort(key=lambda row: -round(row[1], 12))
    over = [r for r in rows if r[1] > max(limit, r[2]) + 1e-12]
    within = [r for r in rows if limit + 1e-12 < r[1] and r not in over]
    return over, within


def described(rows) -> str:
    return ', '.join(f"'{name}' {d:.4f} (bound {b:.4f})" for name, d, b in rows)


def within_bound(a: str, b: str, label_feature: str, limit: float, within, values) -> Finding:
    """The note of share differences between splits ``a`` and ``b`` within the bound."""
    return Finding(
        WITHIN_SPLITTER_BOUND,
        (a, b),
        f"the '{label_feature}' share differences of class(es) {described(within)} between "
        f"splits '{a}' and '{b}' are above max_split_distance {limit:g} but within "
        "StratifiedSplitter's documented bound for these splits (its split_counts.json: the "
        "rule's rounding, classes with fewer examples than splits, and with group_feature its "
        'groups). Not a violation.',
        'nothing to fix in the splitter; to bring the splits closer, use smaller groups or more '
        'data, or give the small split a larger weight.',
        distance=values['linf'],
        threshold=limit,
        classes=tuple(name for name, _, _ in within),
    )
