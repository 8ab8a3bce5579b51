"""Group draws of the multi-label policies (plain numpy, exact values)."""

import math

import numpy as np
import pytest

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.common.errors import ConfigError


def test_repeat_factor_is_the_lvis_rule_on_the_rarest_label_rounded_per_group():
    # Groups of labels 0 (900 examples, label on 90%) and 1 (100 on 1%... of n=1000: f=0.1 and
    # 0.01), and the no-label group.
    draws = policies.group_draws(
        'repeat_factor',
        [890, 10, 100],
        [0, 1, -1],
        [[890, 0], [5, 10], [0, 0]],
        [895, 10],
        1000,
        threshold=0.1,
    )
    assert draws == [890, round(10 * math.sqrt(0.1 / 0.01)), 100]  # r = 1, sqrt(10), 1


def test_label_balanced_gives_every_label_with_a_group_the_same_frequency():
    # Label 1 (rare) always with label 0: group 1 alone gives label 0 part of its frequency.
    counts = [[60, 0], [20, 20]]
    draws = policies.group_draws('label_balanced', [60, 20], [0, 1], counts, [80, 20], 80)
    freq = policies.expected_frequencies(draws, [60, 20], counts)
    # w_1 = c, w_0 = c - c * 1 = 0: label 0 reaches c from group 1 alone.
    assert draws == [0, 80] and freq == [1.0, 1.0]
    counts = [[60, 0, 0], [0, 20, 5], [0, 0, 10]]
    draws = policies.group_draws(
        'label_balanced', [60, 20, 10], [0, 1, 2], counts, [60, 20, 15], 90
    )
    freq = policies.expected_frequencies(draws, [60, 20, 10], counts)
    # Rarity order 2, 1, 0: w_2 = c, w_1 = c, w_0 = c; label 2 gets c + c/4 from group 1.
    assert draws == [30, 30, 30]
    assert freq == pytest.approx([1 / 3, 1 / 3, 1 / 3 + 1 / 12])


def test_the_no_label_group_keeps_its_share_of_the_data():
    draws = policies.group_draws(
        'label_balanced', [50, 10, 40], [0, 1, -1], [[50, 0], [0, 10], [0, 0]], [50, 10], 100
    )
    assert draws == [30, 30, 40]


def test_rarest_label_ties_go_to_the_first_label_in_canonical_order():
    rank = policies.rarest_labels([5, 3, 3])
    assert policies.group_of((0, 1, 2), rank) == 1 and policies.group_of((), rank) == -1


@pytest.mark.parametrize(
    'policy, t, fragment',
    [
        (
            'uniform',
            0.1,
            "policy must be 'floored_label_balanced', 'label_balanced' or 'repeat_factor'",
        ),
        ('repeat_factor', 0, r'repeat_threshold must be a number in \(0, 1\]'),
        ('repeat_factor', 1.5, r'repeat_threshold must be a number in \(0, 1\]'),
        ('repeat_factor', float('nan'), r'repeat_threshold must be a number in \(0, 1\]'),
        ('repeat_factor', True, r'repeat_threshold must be a number in \(0, 1\]'),
    ],
)
def test_policy_arguments_out_of_range_are_named(policy, t, fragment):
    with pytest.raises(ConfigError, match=fragment):
        policies.check_policy(policy, t)


def test_a_weight_for_an_unknown_label_is_named():
    with pytest.raises(
        ConfigError,
        match=r"weights name label 'cat', which is not in the data; labels present: 0, 1",
    ):
        policies.label_targets({'cat': 1}, ['0', '1'])
    with pytest.raises(ConfigError, match=r"weight of label '1' must be a finite number >= 0"):
        policies.label_targets({1: -1}, ['0', '1'])
    assert policies.label_targets({1: 2, b'0': 1}, ['0', '1']) == [1.0, 2.0]


def test_floored_label_balanced_draws_every_group_and_keeps_the_common_label():
    # label_balanced gives group 0 nothing (label 0 gets its frequency from group 1 alone).
    counts = [[60, 0], [20, 20]]
    assert policies.group_draws('label_balanced', [60, 20], [0, 1], counts, [80, 20], 80) == [0, 80]
    draws = policies.group_draws('floored_label_balanced', [60, 20], [0, 1], counts, [80, 20], 80)
    # Floors ceil(60 / 3) = 20 and ceil(20 / 3) = 7; the rest (53) all lifts the rare label 1.
    assert draws == [20, 60]
    assert policies.expected_frequencies(draws, [60, 20], counts) == [1.0, 0.75]


def test_floored_label_balanced_keeps_every_label_at_half_its_data_frequency():
    # No co-occurrence: label 0 on 89% of the examples is held at 0.55x (165 / 336 = 0.491),
    # the floors (100, 10, 2) read every example within 3 epochs, the rest lifts labels 1 and 2
    # to a common frequency (86 and 85 draws, whole draws by largest remainder).
    sizes, counts = [300, 30, 6], [[300, 0, 0], [0, 30, 0], [0, 0, 6]]
    draws = policies.group_draws('floored_label_balanced', sizes, [0, 1, 2], counts, sizes, 336)
    assert draws == [165, 86, 85] and sum(draws) == 336
    assert all(3 * d >= n for d, n in zip(draws, sizes))
    freq = policies.expected_frequencies(draws, sizes, counts)
    assert freq[0] / (300 / 336) == pytest.approx(0.55, abs=0.001)


def test_floored_label_balanced_keeps_the_no_label_group_at_its_share():
    draws = policies.group_draws(
        'floored_label_balanced',
        [50, 10, 40],
        [0, 1, -1],
        [[50, 0], [0, 10], [0, 0]],
        [50, 10],
        100,
    )
    assert draws == [30, 30, 40]


def test_floored_label_balanced_on_a_long_tail_reads_every_group_and_lifts_the_rare_labels():
    from tfx_balance.core.balanced_input_gen.plan import make_multilabel_plan

    rng = np.random.default_rng(41)  # 40 independent labels on 50% / (j + 1) of 5,000 examples
    hot = rng.random((5_000, 40)) < 0.5 / np.arange(1, 41)
    sets = [tuple(np.flatnonzero(row).tolist()) for row in hot]

    def plan(policy):
        return make_multilabel_plan('train', 't', 0, 'ids', list(range(40)), sets, policy)

    old, new = plan('label_balanced'), plan('floored_label_balanced')
    assert (len(new.draws), sum(d == 0 for d in old.draws)) == (41, 8)  # old: 8 groups unread
    assert min(new.draws) > 0 and new.epochs_to_read_all() == 3
    natural = np.asarray(new.label_counts) / new.total
    lift = np.asarray(new.expected_frequencies()) / natural
    rare = natural <= 0.02
    assert lift.min() >= 0.5  # no label below half its data frequency
    # 13 of the 15 labels on <= 2% at >= 2x; the other two (1.97x, 1.99x) sit near 2%.
    assert (int(rare.sum()), int((lift[rare] >= 2).sum())) == (15, 13)
    assert lift[rare].min() >= 1.95
