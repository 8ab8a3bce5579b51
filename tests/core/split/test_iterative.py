"""core.split.iterative: exact per-label targets where the data allow, presence of every label
with at least #splits units, exact split sizes, determinism, and quality against iterstrat."""

import collections
import random

import numpy as np
import pytest

from tests.support.multilabel import label_matrix, label_sets
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.iterative import label_split_counts, label_totals, plan_counts
from tfx_balance.core.split.quality import split_quality

WEIGHTS = {'train': 8, 'eval': 1, 'test': 1}


def _quality(per_label_counts: dict, sizes: list) -> tuple:
    names = list(WEIGHTS)
    counts = {
        s: {label: c[i] for label, c in per_label_counts.items()} for i, s in enumerate(names)
    }
    return split_quality(counts, dict(zip(names, sizes)), WEIGHTS)


@pytest.fixture(scope='module')
def data():
    matrix = label_matrix(20_000, labels=40, seed=3)
    strata = collections.Counter(label_sets(matrix))
    return matrix, strata, plan_counts(strata, list(WEIGHTS.values()))


def test_every_unit_is_planned_once_and_no_label_follows_the_single_label_rule(data):
    _, strata, plan = data
    assert set(plan) == set(strata)
    assert all(sum(plan[s]) == m for s, m in strata.items())
    assert all(min(counts) >= 0 for counts in plan.values())
    assert plan[()] == tuple(allocate(strata[()], list(WEIGHTS.values())))


def test_labelled_split_sizes_are_exact_and_every_label_is_in_every_split(data):
    _, strata, plan = data
    labelled = sum(m for s, m in strata.items() if s)
    sizes = [sum(c[i] for s, c in plan.items() if s) for i in range(3)]
    assert sizes == allocate(labelled, list(WEIGHTS.values()))
    per_label = label_split_counts(plan)
    assert all(min(counts) >= 1 for counts in per_label.values())
    assert {label: sum(c) for label, c in per_label.items()} == label_totals(strata)


def test_quality_is_within_2x_of_iterstrat_and_far_better_than_random(data):
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    matrix, strata, plan = data
    ours = _quality(label_split_counts(plan), [sum(c[i] for c in plan.values()) for i in range(3)])

    n = len(matrix)
    y = matrix.astype(np.int8)
    first = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=0)
    train, rest = next(first.split(np.zeros(n), y))
    second = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=0)
    eval_, test = next(second.split(np.zeros(len(rest)), y[rest]))
    parts = [train, rest[eval_], rest[test]]
    theirs = _quality(
        {label: [int(y[p, label].sum()) for p in parts] for label in range(y.shape[1])},
        [len(p) for p in parts],
    )
    order = np.random.default_rng(0).permutation(n)
    random_parts = [order[: n * 8 // 10], order[n * 8 // 10 : n * 9 // 10], order[n * 9 // 10 :]]
    chance = _quality(
        {label: [int(y[p, label].sum()) for p in random_parts] for label in range(y.shape[1])},
        [len(p) for p in random_parts],
    )
    assert ours.missing_pairs == 0
    assert ours.ld <= 2 * theirs.ld, (ours, theirs)
    assert ours.max_relative_deviation <= 2 * theirs.max_relative_deviation, (ours, theirs)
    assert (
        ours.ld * 10 < chance.ld and ours.max_relative_deviation * 5 < chance.max_relative_deviation
    )


def test_the_plan_does_not_depend_on_the_order_of_the_table(data):
    _, strata, plan = data
    items = list(strata.items())
    random.Random(4).shuffle(items)
    assert plan_counts(dict(items), list(WEIGHTS.values())) == plan


def test_a_label_with_as_many_units_as_splits_gets_one_in_each_even_beside_a_frequent_one():
    # Label 9 has 3 units, each also carrying frequent label 0: presence wins over label 0's
    # share, and label 0 is still exact.
    strata = {(0,): 97, (0, 9): 3, (1,): 50}
    plan = plan_counts(strata, [8, 1, 1])
    per_label = label_split_counts(plan)
    assert per_label[9] == [1, 1, 1]
    assert per_label[0] == allocate(100, [8, 1, 1])
    assert per_label[1] == allocate(50, [8, 1, 1])


def test_a_label_rarer_than_the_splits_goes_to_the_heaviest_splits():
    plan = plan_counts({(0,): 40, (0, 5): 1, (5, 6): 1}, [1, 3, 2])
    per_label = label_split_counts(plan)
    assert per_label[5] == [0, 1, 1] and per_label[6] in ([0, 1, 0], [0, 0, 1])
