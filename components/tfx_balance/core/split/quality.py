"""How close a multi-label split is to its target shares: LD, missing pairs, max relative deviation.

The measures the multi-label splitter is tested and benchmarked by, from counts only:

- **LD** (label distribution, Sechidis et al. 2011): mean over labels of the mean over splits of
  ``|p_s / (1 - p_s) - p / (1 - p)|`` (``p_s``: the label's share of split ``s``, ``p``: overall).
- **Missing pairs**: ``(label, split)`` pairs with no example, of labels with at least as many
  examples as splits.
- **Max relative deviation**: over labels with at least ``min_examples`` examples and splits,
  ``|count / expected - 1|``, ``expected = n_label * weight / sum(weights)``.

Example:
    >>> q = split_quality(
    ...     label_counts={'train': {'a': 8, 'b': 4}, 'eval': {'a': 2, 'b': 0}},
    ...     split_sizes={'train': 16, 'eval': 4},
    ...     weights={'train': 4, 'eval': 1},
    ...     min_examples=1)
    >>> q.missing_pairs, round(q.max_relative_deviation, 3)
    (1, 1.0)
    >>> round(q.ld, 4)
    0.0833
"""

from __future__ import annotations

import math
from typing import Mapping, NamedTuple

DEFAULT_MIN_EXAMPLES = 100


class SplitQuality(NamedTuple):
    ld: float
    missing_pairs: int
    max_relative_deviation: float


def _odds(share: float) -> float:
    return math.inf if share >= 1 else share / (1 - share)


def _odds_distance(p_split: float, p_all: float) -> float:
    if p_split >= 1 and p_all >= 1:
        return 0.0
    return abs(_odds(p_split) - _odds(p_all))


def split_quality(
    label_counts: Mapping[str, Mapping[object, int]],
    split_sizes: Mapping[str, int],
    weights: Mapping[str, float],
    min_examples: int = DEFAULT_MIN_EXAMPLES,
) -> SplitQuality:
    """LD, missing pairs and max relative deviation of a split (module docstring), from per
    split ``label_counts`` (examples carrying each label), ``split_sizes`` and ``weights``."""
    splits = list(weights)
    total_weight = float(sum(weights.values()))
    total = sum(split_sizes[s] for s in splits)
    labels = sorted({label for s in splits for label in label_counts.get(s, {})}, key=repr)
    ld_terms, missing, max_dev = [], 0, 0.0
    for label in labels:
        counts = [label_counts.get(s, {}).get(label, 0) for s in splits]
        n = sum(counts)
        if n == 0:
            continue
        p_all = n / total
        per_split = [
            _odds_distance(c / split_sizes[s], p_all) if split_sizes[s] else 0.0
            for s, c in zip(splits, counts)
        ]
        ld_terms.append(sum(per_split) / len(splits))
        if n >= len(splits):
            missing += sum(1 for c in counts if c == 0)
        if n >= min_examples:
            for s, c in zip(splits, counts):
                expected = n * weights[s] / total_weight
                max_dev = max(max_dev, abs(c / expected - 1))
    ld = sum(ld_terms) / len(ld_terms) if ld_terms else 0.0
    return SplitQuality(ld=ld, missing_pairs=missing, max_relative_deviation=max_dev)
