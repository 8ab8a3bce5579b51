"""split_quality: the three measures of a multi-label split, checked on hand-computed counts."""

import math

from tfx_balance.core.split.quality import split_quality

WEIGHTS = {'train': 8, 'eval': 1, 'test': 1}


def test_proportional_split_scores_zero_on_all_three_measures():
    q = split_quality(
        label_counts={'train': {0: 400, 1: 80}, 'eval': {0: 50, 1: 10}, 'test': {0: 50, 1: 10}},
        split_sizes={'train': 800, 'eval': 100, 'test': 100},
        weights=WEIGHTS,
    )
    assert q == (0.0, 0, 0.0)


def test_ld_is_the_mean_odds_distance_and_deviation_counts_only_labels_with_min_examples():
    q = split_quality(
        label_counts={'train': {0: 420, 1: 8}, 'eval': {0: 40, 1: 0}, 'test': {0: 40, 1: 2}},
        split_sizes={'train': 800, 'eval': 100, 'test': 100},
        weights=WEIGHTS,
    )
    p0, p1 = 500 / 1000, 10 / 1000
    odds = lambda p: p / (1 - p)  # noqa: E731
    ld0 = (abs(odds(420 / 800) - odds(p0)) + 2 * abs(odds(0.4) - odds(p0))) / 3
    ld1 = (abs(odds(8 / 800) - odds(p1)) + abs(0 - odds(p1)) + abs(odds(0.02) - odds(p1))) / 3
    assert math.isclose(q.ld, (ld0 + ld1) / 2)
    assert q.missing_pairs == 1  # label 1 (10 examples >= 3 splits) has none in eval
    assert math.isclose(q.max_relative_deviation, 0.2)  # label 0 in eval/test: 40 vs 50


def test_label_on_every_example_adds_no_infinite_odds():
    q = split_quality(
        label_counts={'train': {'all': 8}, 'eval': {'all': 1}, 'test': {'all': 1}},
        split_sizes={'train': 8, 'eval': 1, 'test': 1},
        weights=WEIGHTS,
        min_examples=1,
    )
    assert q == (0.0, 0, 0.0)
