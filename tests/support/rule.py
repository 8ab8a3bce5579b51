"""Test helpers: the split rule stated from the data (an oracle), and its two properties.

``rule_table`` gives the counts StratifiedSplitter must produce for a set of examples, from
their classes and the seeded hashes of their inputs without the label (``exact.class_counts``);
``assert_exact_both_ways`` checks a ``{class: {split: count}}`` table against the rule's two
promises: every class within 1 of its share in every split, every split within 1 of its share.
"""

import math
from fractions import Fraction

from tfx_balance.core.common.hashing import seeded_hashes
from tfx_balance.core.common.labels import unlabelled_keys
from tfx_balance.core.split.exact import class_counts


def unit_hashes(records, seed: int, label_feature: str = 'label') -> list:
    """The seeded hash each example is ranked by: of its inputs, the label left out."""
    return seeded_hashes(seed, unlabelled_keys(list(records), label_feature))


def rule_table(records, labels, weights, seed: int, label_feature: str = 'label') -> dict:
    """``{class: [count per split]}`` of the rule for ``records`` of classes ``labels``."""
    totals, least = {}, {}
    for label, h in zip(labels, unit_hashes(records, seed, label_feature)):
        totals[label] = totals.get(label, 0) + 1
        least[label] = min(h, least.get(label, h))
    return class_counts(totals, least, list(weights))


def presence_donations(n: int, shares: dict) -> int:
    """The units presence takes from a class's other splits (docs: the rule's step 3): a class of
    ``n`` is in ``min(n, splits)`` splits, so where the floors of its shares, with one unit in
    each of those splits that has a floor of 0, come to more than ``n``."""
    floors = [math.floor(n * r) for r in shares.values()]
    present = sum(1 for f in floors if f)
    return max(0, sum(floors) + max(0, min(n, len(floors)) - present) - n)


def assert_exact_both_ways(table: dict, weights: dict) -> None:
    """Every count within 1 of its class's share, every split's total within 1 of its share
    (``table``: ``{class: {split: count}}``, ``weights``: ``{split: weight}``), but for the units
    presence moves (``presence_donations``: from a split holding more, to one below 1)."""
    total_weight = sum(Fraction(w) for w in weights.values())
    share = {s: Fraction(w) / total_weight for s, w in weights.items()}
    moved = 0
    for label, row in table.items():
        n = sum(row.values())
        given = presence_donations(n, share)
        moved += given
        assert sum(1 for s in weights if row.get(s, 0)) == min(n, len(weights)), (label, row)
        for s in weights:
            assert -1 - given < row.get(s, 0) - n * share[s] < 1, (label, s, row, n * share[s])
    grand = sum(sum(row.values()) for row in table.values())
    for s in weights:
        total = sum(row.get(s, 0) for row in table.values())
        assert abs(total - grand * share[s]) < 1 + moved, (s, total, float(grand * share[s]))
