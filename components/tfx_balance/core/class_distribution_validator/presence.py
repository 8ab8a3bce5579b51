"""What StratifiedSplitter's rule makes unavoidable: absences, and share differences between splits.

With the split sizes as its weights, the splitter's own rule (``allocation.allocate``) says
which splits may lack a class (a note, not a violation) and, for StratifiedSplitter's output
(``SplitterCounts``), how far two splits' shares may differ (``rule_range``, ``share_bound``).

Example:
    >>> rule_allocation({'train': 11999, 'eval': 1502, 'test': 1501}, 2)
    {'train': 1, 'eval': 1, 'test': 0}
    >>> unavoidable_absences({'train': 11999, 'eval': 1502, 'test': 1501}, 1, ['eval', 'test'])
    ['eval', 'test']
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
from tfx_balance.core.common.labels import ClassValue, class_name, sorted_classes
from tfx_balance.core.split.allocation import allocate


@dataclasses.dataclass(frozen=True)
class SplitterCounts:
    """From ``split_counts.json``: per class, the slack of the bound with ``group_feature``;
    with ``stratify_features``, its ``"strata"`` entry (checked by ``strata.check_strata``)."""

    slack: Mapping[ClassValue, int] = dataclasses.field(default_factory=dict)
    group_feature: str | None = None
    strata: Mapping | None = None


def rule_allocation(split_sizes: Mapping[str, int], n: int) -> Dict[str, int]:
    """``{split: count}`` the rule gives a class of ``n`` examples, the split sizes as weights."""
    if n <= 0 or not any(split_sizes.values()):
        return dict.fromkeys(split_sizes, 0)
    return dict(zip(split_sizes, allocate(n, list(split_sizes.values()))))


def unavoidable_absences(
    split_sizes: Mapping[str, int], n: int, absent: Sequence[str], slack: int = 0
) -> List[str]:
    """The splits of ``absent`` the rule may give none of a class of ``n`` (at most ``slack``).

    The rule fills the ``min(n, splits)`` heaviest splits; sizes one apart count as tied.
    """
    if n <= 0:
        return []
    present = min(n, len(split_sizes))
    if slack or len(absent) > len(split_sizes) - present:
        allocation = rule_allocation(split_sizes, n)
        return [s for s in absent if allocation[s] <= slack]
    return [
        s
        for s in absent
        if sum(1 for t, size in split_sizes.items() if t != s and size >= split_sizes[s] - 1)
        >= present
    ]


def rule_range(
    split_sizes: Mapping[str, int], n: int, slack: int = 0, spread: int = 0
) -> Dict[str, Tuple[int, int]]:
    """``{split: (fewest, most)}`` examples of a class of ``n`` that the splitter's bound allows.

    Floor and ceiling of the exact share and the rule's count, widened by ``slack`` and by the
    class's part ``n / total`` of ``spread`` (how far sizes may be off the weights); in [0, n].
    """
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
    """The largest share difference between splits ``a`` and ``b`` that ``rule_range`` allows."""
    ranges = rule_range(split_sizes, n, slack, spread)
    (low_a, high_a), (low_b, high_b) = ranges[a], ranges[b]
    size_a, size_b = split_sizes[a], split_sizes[b]
    if not size_a or not size_b:
        return 0.0
    return max(high_a / size_a - low_b / size_b, high_b / size_b - low_a / size_a, 0.0)


def split_by_bound(da, db, limit: float, bound) -> Tuple[list, list]:
    """``(over, within)`` rows ``(class, difference, bound)`` beyond the bound, and above
    ``limit`` but within it; largest first."""
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
