"""The per-class allocation rule of StratifiedSplitter, pinned down on exact numbers; the table
shape both label forms share, the form chosen in one place."""

import itertools

import pytest

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.split_names import validate_split_weights
from tfx_balance.core.split.allocation import allocate, allocate_classes
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import ExactStrategy, ToUnits
from tfx_balance.core.split.multilabel_plan import plan_counts
from tfx_balance.core.split.strata import IterativeStrategy, LabelSetUnits
from tfx_balance.core.split.stratified import STRATEGIES

TAXI = {
    'Cash': 9909,
    'Credit Card': 4975,
    'No Charge': 81,
    'Unknown': 29,
    'Dispute': 4,
    'Pcard': 3,
    'Prcard': 1,
}


def test_taxi_payment_type_counts_follow_the_rule_for_8_1_1():
    got = {name: allocate(n, [8, 1, 1]) for name, n in TAXI.items()}
    assert got == {
        'Cash': [7927, 991, 991],
        'Credit Card': [3980, 498, 497],
        'No Charge': [65, 8, 8],
        'Unknown': [23, 3, 3],
        'Dispute': [2, 1, 1],
        'Pcard': [1, 1, 1],
        'Prcard': [1, 0, 0],
    }


def test_leftovers_go_to_largest_fractional_parts_ties_to_earlier_split():
    # 10 * [1/3, 1/3, 1/3] = 3.33 each: one leftover, tie -> first split.
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    # 11 -> two leftovers, ties -> first two splits.
    assert allocate(11, [1, 1, 1]) == [4, 4, 3]
    # 7 * [0.5, 0.3, 0.2] = 3.5, 2.1, 1.4 -> leftovers 2 to 3.5 and 1.4.
    assert allocate(7, [5, 3, 2]) == [4, 2, 1]


def test_presence_when_class_is_smaller_than_number_of_splits():
    # n=1: only the heaviest split gets it.
    assert allocate(1, [8, 1, 1]) == [1, 0, 0]
    assert allocate(1, [1, 8, 1]) == [0, 1, 0]
    # n=2 with 8:1:1: floor [1, 0, 0], leftover to the 0.2 fractions (tie -> eval); presence ok.
    assert allocate(2, [8, 1, 1]) == [1, 1, 0]
    # n=4 with 8:1:1: [3, 1, 0] before presence; test takes one from train.
    assert allocate(4, [8, 1, 1]) == [2, 1, 1]
    # Equal weights, n=2 of 3 splits: the first two splits get one each.
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    # Heaviest splits by weight, not by position.
    assert allocate(2, [1, 3, 2]) == [0, 1, 1]


def test_presence_donor_is_the_fullest_split_ties_to_earlier():
    # 3 with 98:1:1 -> floor [2, 0, 0] + leftover to the 0.94 fraction of train -> [3, 0, 0];
    # eval takes one from train, then test takes one from train.
    assert allocate(3, [98, 1, 1]) == [1, 1, 1]


def test_zero_examples_allocates_nothing():
    assert allocate(0, [8, 1, 1]) == [0, 0, 0]


def test_a_negative_class_size_is_refused_by_the_table_and_by_one_class():
    with pytest.raises(ValueError, match='class sizes must be >= 0, got -1'):
        allocate(-1, [8, 1, 1])
    with pytest.raises(ValueError, match='class sizes must be >= 0, got -2'):
        allocate_classes([3, -2, -1], [1, 1])


@pytest.mark.parametrize('weights', [[8, 1, 1], [1, 1], [0.7, 0.2, 0.1], [3, 1, 1, 1, 2], [1]])
def test_counts_always_sum_to_n_and_presence_holds(weights):
    for n in itertools.chain(range(0, 40), [97, 1000, 12345]):
        counts = allocate(n, weights)
        assert sum(counts) == n
        assert all(c >= 0 for c in counts)
        m = min(n, len(weights))
        heaviest = sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:m]
        assert all(counts[i] >= 1 for i in heaviest)


def test_float_weights_are_normalised_exactly():
    assert allocate(100, [0.8, 0.1, 0.1]) == allocate(100, [8, 1, 1]) == [80, 10, 10]


@pytest.mark.parametrize(
    'splits, fragment',
    [
        ({}, 'non-empty mapping'),
        ({'train': 0, 'eval': 1}, "weight of split 'train' is 0"),
        ({'train': -1}, "weight of split 'train' is -1"),
        ({'train': float('nan')}, 'positive and finite'),
        ({'train': 'big'}, 'positive number'),
        ({'Split/bad': 1}, "invalid split name 'Split/bad'"),
        ({'': 1}, "invalid split name ''"),
        ([('train', 1), ('train', 2)], 'duplicated: train'),
    ],
)
def test_invalid_split_weights_and_names_are_rejected_with_a_fix(splits, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        validate_split_weights(splits)
    assert fragment in str(info.value)


def test_both_count_rules_take_the_same_table_shape():
    table = {(0,): 50, (0, 1): 30, (1,): 20, (): 10}
    iterative = plan_counts(table, [8, 1, 1])
    assert set(iterative) == set(table)
    assert all(sum(iterative[s]) == n for s, n in table.items())
    assert all(sum(allocate(n, [8, 1, 1])) == n for n in table.values())


def test_the_label_form_chooses_the_strategy_in_one_table():
    assert STRATEGIES == {
        None: ExactStrategy,
        'ids': IterativeStrategy,
        'multi_hot': IterativeStrategy,
    }
    for form, kind in STRATEGIES.items():
        config = StratifiedSplitConfig(label_feature='tags', multi_label=form)
        assert (
            type(kind.units(config, grouped=False))
            is {
                ExactStrategy: ToUnits,
                IterativeStrategy: LabelSetUnits,
            }[kind]
        )


def test_the_0_2_0_names_that_moved_out_warn_and_still_work():
    from tfx_balance.core.common import split_names
    from tfx_balance.core.common.deprecation import TfxBalanceDeprecationWarning
    from tfx_balance.core.split import allocation, placement

    moved = 'core.split.allocation.boundaries is deprecated since 0.3.0 and removed in 0.4.0'
    with pytest.warns(TfxBalanceDeprecationWarning, match=moved):
        assert allocation.boundaries is placement.boundaries
    with pytest.warns(
        TfxBalanceDeprecationWarning, match='use tfx_balance.core.common.split_names'
    ):
        assert allocation.validate_split_weights is split_names.validate_split_weights
    with pytest.raises(AttributeError):
        allocation.place_groups  # noqa: B018  (no release had it here)
