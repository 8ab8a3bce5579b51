"""The intervals of core/intervals.py against a known truth: many simulated evaluations, on the
digits sample's test split sizes, of models whose true per-class recall is set.

Each evaluation draws, per class, the four paired cells (both right, only the candidate, only the
baseline, both wrong) from a multinomial: pure numpy on counts, as the metrics see them.
Tolerances: the Monte-Carlo standard error of a 95% rate over N runs is sqrt(0.05 * 0.95 / N),
0.005 at N = 2000; the adjusted Wald intervals (macro recall, the improvement) hold their
coverage within 0.025 of 95% here, Clopper-Pearson's at least 95% less that error. Macro F1
(multi-label): per label eight cells (positive or not, each model predicting the label or not),
on the multi-label sample's test split sizes and on labels of 1 to 100 positives; its delta-method
intervals hold their coverage between 92.5% and 98% here.
"""

import numpy as np
import pytest

from tfx_balance.core import intervals
from tfx_balance.core.common.errors import ConfigError

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


# -- macro F1 of multi-label models ----------------------------------------------------------------

# The multi-label sample's test split: positive tiles per digit label, of 600 tiles
# (pipelines/multilabel/README.md); and a split with labels of 1 to 6 positives.
TILES_TEST = np.array([20, 30, 43, 65, 97, 152, 228, 306, 390, 469]), 600
RARE_LABELS = np.array([1, 3, 6, 10, 30, 100]), 300


def _joint(candidate, baseline, correlation):
    """Probabilities of the cells (candidate, baseline) = (0, 0), (1, 0), (0, 1), (1, 1) of two
    predictions made with probabilities ``candidate`` and ``baseline``."""
    both = candidate * baseline + correlation * np.sqrt(
        candidate * (1 - candidate) * baseline * (1 - baseline)
    )
    return [1 - candidate - baseline + both, candidate - both, baseline - both, both]


def simulate_labels(recall, false_rate, split, correlation=0.0, runs=RUNS, seed=0):
    """``(cells, true F1s)`` of a candidate and a baseline, each with a true recall and
    false-positive rate per label (``(candidate, baseline)`` pairs): ``cells[run, label,
    positive, candidate, baseline]`` as ``paired_f1_improvement_interval`` reads them (each
    label's positives fixed, as in a stratified split), and the population F1 of each model."""
    positives, examples = split
    rng = np.random.default_rng(seed)
    cells = np.zeros((runs, positives.size, 2, 2, 2))
    for label, count in enumerate(positives):
        for positive, (rates, size) in enumerate([(false_rate, examples - count), (recall, count)]):
            draws = rng.multinomial(size, _joint(*rates, correlation), size=runs)
            for cell, (candidate, baseline) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
                cells[:, label, positive, candidate, baseline] = draws[:, cell]
    negatives = examples - positives
    truth = [
        np.mean(2 * positives * r / (positives + positives * r + negatives * f))
        for r, f in zip(recall, false_rate)
    ]
    return cells, truth


def candidate_counts(cells):
    """The candidate's hits, positives and predictions per label, from the paired cells."""
    hits = cells[..., 1, 1, :].sum(-1)
    return hits, cells[..., 1, :, :].sum((-2, -1)), cells[..., :, 1, :].sum((-2, -1))


F1_SETTINGS = [  # (recall, false-positive rate) of candidate and baseline, correlation
    ((0.8, 0.8), (0.02, 0.02), 0.0),
    ((0.8, 0.8), (0.02, 0.02), 0.5),
    ((0.9, 0.75), (0.02, 0.03), 0.0),
    ((0.5, 0.5), (0.05, 0.05), 0.0),
    ((0.7, 0.5), (0.08, 0.02), 0.3),
    ((0.95, 0.9), (0.005, 0.01), 0.0),
]


@pytest.mark.parametrize('split', [TILES_TEST, RARE_LABELS], ids=['tiles', 'rare'])
@pytest.mark.parametrize('recall, false_rate, correlation', F1_SETTINGS)
def test_f1_intervals_cover_the_true_macro_f1_and_its_gain(recall, false_rate, correlation, split):
    """Coverage at least 92.5% and at most 98% (measured, seed 0: 0.944-0.957 on the tiles;
    0.932-0.978 with labels of 1 to 6 positives, 0.978 for the paired gain of correlated models)."""
    cells, (candidate, baseline) = simulate_labels(recall, false_rate, split, correlation)
    lower, upper = intervals.f1_interval(*candidate_counts(cells), 0.95)
    assert 0.925 <= ((lower <= candidate) & (candidate <= upper)).mean() <= 0.98
    lower, upper = intervals.paired_f1_improvement_interval(cells, 0.95)
    gain = candidate - baseline
    assert 0.925 <= ((lower <= gain) & (gain <= upper)).mean() <= 0.98


@pytest.mark.parametrize('split', [TILES_TEST, RARE_LABELS], ids=['tiles', 'rare'])
@pytest.mark.parametrize('correlation', [0.0, 0.5])
def test_equal_models_are_blessed_on_f1_at_most_5_percent_of_the_time(split, correlation):
    cells, _ = simulate_labels((0.8, 0.8), (0.02, 0.02), split, correlation)
    lower, _ = intervals.paired_f1_improvement_interval(cells, 0.95)
    hits, positives, predicted = candidate_counts(cells)
    baseline_hits = cells[..., 1, :, 1].sum(-1)
    baseline_predicted = cells[..., :, :, 1].sum((-2, -1))
    point = (2 * hits / (positives + predicted)).mean(-1) - (
        2 * baseline_hits / (positives + baseline_predicted)
    ).mean(-1)
    # Measured (seed 0), at min_f1_improvement=0.01: 0.15-1.4% by the interval; 21-42% by the
    # point estimate.
    assert (lower >= 0.01).mean() <= 0.05
    assert (point >= 0.01).mean() >= 0.2


def test_an_f1_gain_of_6_points_on_the_tiles_is_blessed_at_least_80_percent_of_the_time():
    cells, (candidate, baseline) = simulate_labels((0.9, 0.8), (0.02, 0.02), TILES_TEST, 0.3)
    assert 0.05 < candidate - baseline < 0.06  # the sample's seed-0 gain was +0.067
    lower, _ = intervals.paired_f1_improvement_interval(cells, 0.95)
    assert (lower >= 0.01).mean() >= 0.80  # measured: 96%; with labels of 1 to 100: 8%


def test_f1_examples_needed_is_where_the_half_width_is_the_resolution():
    cells, _ = simulate_labels((0.8, 0.7), (0.02, 0.03), RARE_LABELS, runs=1)
    needed = intervals.f1_examples_needed(cells[0], 0.95, 0.05)
    # Every label scaled to ``needed`` positives (its negatives in proportion).
    scale = needed / cells[0, :, 1].sum(axis=(-2, -1))
    lower, upper = intervals.paired_f1_improvement_interval(
        cells[0] * scale[:, None, None, None], 0.95
    )
    assert (upper - lower) / 2 == pytest.approx(0.05, rel=0.1)
