"""The intervals of core/intervals.py against a known truth: many simulated evaluations, on the
digits sample's test split sizes, of models whose true per-class recall is set.

Each evaluation draws, per class, the four paired cells (both right, only the candidate, only the
baseline, both wrong) from a multinomial: pure numpy on counts, as the metrics see them.
Tolerances: the Monte-Carlo standard error of a 95% rate over N runs is sqrt(0.05 * 0.95 / N),
0.005 at N = 2000; the adjusted Wald intervals (macro recall, the improvement) hold their
coverage within 0.025 of 95% here, Clopper-Pearson's at least 95% less that error.
"""

import numpy as np
import pytest

from tfx_balance.core import intervals
from tfx_balance.core.errors import ConfigError

# The digits sample's test split, examples per digit (pipelines/digits/README.md).
DIGITS_TEST = np.array([36, 30, 25, 21, 17, 14, 12, 10, 8, 6])
RUNS = 2000
MIN_IMPROVEMENT = 0.02
MC_ERROR = 3 * np.sqrt(0.05 * 0.95 / RUNS)  # three standard errors of a 95% rate


def simulate(baseline, candidate, sizes, correlation=0.0, runs=RUNS, seed=0):
    """``(only_candidate, only_baseline, candidate_hits)``, each ``[runs, classes]``, of models
    right on an example of class c with probability ``baseline[c]`` / ``candidate[c]``, their
    outcomes correlated by ``correlation``."""
    rng = np.random.default_rng(seed)
    baseline, candidate = (
        np.broadcast_to(baseline, sizes.shape),
        np.broadcast_to(candidate, sizes.shape),
    )
    both = baseline * candidate + correlation * np.sqrt(
        baseline * (1 - baseline) * candidate * (1 - candidate)
    )
    cells = np.stack([both, candidate - both, baseline - both, 1 - baseline - candidate + both], -1)
    draws = np.stack([rng.multinomial(n, p, size=runs) for n, p in zip(sizes, cells)], axis=1)
    return draws[..., 1], draws[..., 2], draws[..., 0] + draws[..., 1]


def interval_gate(only_candidate, only_baseline, sizes, confidence=0.95):
    lower, _ = intervals.paired_improvement_interval(
        only_candidate, only_baseline, sizes, confidence
    )
    return lower >= MIN_IMPROVEMENT


def point_gate(only_candidate, only_baseline, sizes):
    return ((only_candidate - only_baseline) / sizes).mean(axis=-1) >= MIN_IMPROVEMENT


@pytest.mark.parametrize('correlation', [0.0, 0.5])
def test_equal_models_are_blessed_at_most_5_percent_of_the_time(correlation):
    only_candidate, only_baseline, _ = simulate(0.8, 0.8, DIGITS_TEST, correlation)
    blessed = interval_gate(only_candidate, only_baseline, DIGITS_TEST).mean()
    by_point = point_gate(only_candidate, only_baseline, DIGITS_TEST).mean()
    # Measured (seed 0): 1.2% / 0.35% by the interval; 36% / 28% by the point estimate, as the
    # issue's 200 tries found (35%).
    assert blessed <= 0.05
    assert by_point >= 0.25


def test_a_gain_of_15_points_is_blessed_at_least_80_percent_of_the_time():
    only_candidate, only_baseline, _ = simulate(0.8, 0.95, DIGITS_TEST)
    assert interval_gate(only_candidate, only_baseline, DIGITS_TEST).mean() >= 0.80  # 91%


@pytest.mark.parametrize(
    'baseline, candidate, correlation',
    [(0.8, 0.8, 0.0), (0.8, 0.8, 0.5), (0.8, 0.95, 0.0), (0.7, 0.85, 0.0), (0.5, 0.5, 0.0)],
)
def test_improvement_interval_covers_the_true_gain(baseline, candidate, correlation):
    only_candidate, only_baseline, _ = simulate(baseline, candidate, DIGITS_TEST, correlation)
    lower, upper = intervals.paired_improvement_interval(
        only_candidate, only_baseline, DIGITS_TEST, 0.95
    )
    truth = candidate - baseline
    coverage = ((lower <= truth) & (truth <= upper)).mean()
    assert abs(coverage - 0.95) <= 0.025


@pytest.mark.parametrize('recall', [0.5, 0.8, 0.95])
def test_macro_interval_covers_the_true_macro_recall(recall):
    _, _, hits = simulate(recall, recall, DIGITS_TEST)
    lower, upper = intervals.macro_interval(hits, DIGITS_TEST, 0.95)
    coverage = ((lower <= recall) & (recall <= upper)).mean()
    assert abs(coverage - 0.95) <= 0.025


@pytest.mark.parametrize('recall', [0.5, 0.8, 0.99])
def test_each_class_interval_covers_its_recall_rare_classes_included(recall):
    sizes = np.array([200, 36, 6, 3, 1])
    _, _, hits = simulate(recall, recall, sizes)
    lower, upper = intervals.recall_interval(hits, np.broadcast_to(sizes, hits.shape), 0.95)
    coverage = ((lower <= recall) & (recall <= upper)).mean(axis=0)
    assert (coverage >= 0.95 - MC_ERROR).all(), coverage.tolist()


def test_a_class_of_3_gets_a_wide_interval_and_one_of_300_a_narrow_one():
    rare = intervals.recall_interval(3, 3, 0.95)
    common = intervals.recall_interval(300, 300, 0.95)
    assert rare == pytest.approx((0.025 ** (1 / 3), 1.0))
    assert common.lower == pytest.approx(0.025 ** (1 / 300)) and common.lower > 0.98


def test_min_recall_lower_bound_is_the_lowest_class_bound():
    hits, totals = np.array([30, 5, 2]), np.array([30, 6, 3])
    interval = intervals.min_recall_interval(hits, totals, 0.95)
    assert interval.lower == pytest.approx(intervals.recall_interval(2, 3, 0.95).lower)
    assert interval.upper == pytest.approx(intervals.recall_interval(2, 3, 1 - 0.05 / 3).upper)


def test_examples_needed_grows_as_the_asked_improvement_shrinks():
    args = ([3, 2, 1], [1, 1, 0], [30, 12, 6], 0.95)
    coarse, fine = intervals.examples_needed(*args, 0.1), intervals.examples_needed(*args, 0.02)
    assert fine == pytest.approx(25 * coarse, rel=0.05)  # each rounded up
    # At that size, the interval's half-width is the resolution asked (equal classes).
    rates = np.array([3 / 30, 2 / 12, 1 / 6]), np.array([1 / 30, 1 / 12, 0.0])
    per_class = np.full(3, float(coarse))
    lower, upper = intervals.paired_improvement_interval(
        rates[0] * per_class, rates[1] * per_class, per_class, 0.95
    )
    assert (upper - lower) / 2 == pytest.approx(0.1, rel=0.15)


def test_paired_interval_is_tighter_than_two_separate_ones():
    """Two models that agree on most examples: the paired interval is a fraction of the width
    of the difference of two separate macro intervals."""
    only_candidate, only_baseline, hits = simulate(0.8, 0.85, DIGITS_TEST, correlation=0.8)
    paired = intervals.paired_improvement_interval(
        only_candidate[0], only_baseline[0], DIGITS_TEST, 0.95
    )
    separate = intervals.macro_interval(hits[0], DIGITS_TEST, 0.95)
    assert paired.upper - paired.lower < 0.7 * 2 * (separate.upper - separate.lower)


@pytest.mark.parametrize('bad', [0.5, 1, 1.0, 95, True, '0.95', None])
def test_confidence_must_be_between_one_half_and_one(bad):
    with pytest.raises(ConfigError, match='confidence must be a number in'):
        intervals.validate_confidence(bad)


def test_bound_keys_name_the_confidence():
    assert intervals.confidence_suffix(0.95) == '95'
    assert intervals.confidence_suffix(0.9) == '90'
    assert intervals.confidence_suffix(0.995) == '99_5'
