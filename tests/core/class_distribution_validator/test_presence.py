"""Tests of tfx_balance.core.class_distribution_validator.presence: the splitter's rule on split sizes."""

from tests.support.taxi import EXPECTED_SPLIT_COUNTS, SPLITS
from tfx_balance.core.class_distribution_validator.presence import (
    rule_allocation,
    unavoidable_absences,
)
from tfx_balance.core.split.allocation import allocate

TAXI_SIZES = {s: sum(n[s] for n in EXPECTED_SPLIT_COUNTS.values()) for s in SPLITS}


def test_the_rule_on_the_taxi_split_sizes_leaves_out_the_same_splits_as_the_splitter():
    assert TAXI_SIZES == {'train': 12001, 'eval': 1501, 'test': 1500}
    for cls, per_split in EXPECTED_SPLIT_COUNTS.items():
        n = sum(per_split.values())
        rule = rule_allocation(TAXI_SIZES, n)
        assert [s for s in SPLITS if rule[s] == 0] == [s for s in SPLITS if not per_split[s]], cls
    assert rule_allocation(TAXI_SIZES, 1) == {'train': 1, 'eval': 0, 'test': 0}
    assert rule_allocation(TAXI_SIZES, 2) == {'train': 1, 'eval': 1, 'test': 0}


def test_rule_allocation_is_the_splitters_allocate_with_sizes_as_weights():
    for n in range(12):
        for sizes in ({'a': 5, 'b': 3, 'c': 2}, {'a': 1, 'b': 1, 'c': 1, 'd': 7}):
            assert list(rule_allocation(sizes, n).values()) == allocate(n, list(sizes.values()))


def test_only_absences_from_splits_the_rule_leaves_empty_are_unavoidable():
    assert unavoidable_absences(TAXI_SIZES, 1, ['eval', 'test']) == ['eval', 'test']
    assert unavoidable_absences(TAXI_SIZES, 1, ['train']) == []  # the rule puts it in train
    assert unavoidable_absences(TAXI_SIZES, 2, ['eval', 'test']) == ['test']
    assert unavoidable_absences(TAXI_SIZES, 3, ['test']) == []  # 3 examples: one per split
    # Equal sizes: ties go to the split listed first, as in the splitter.
    assert unavoidable_absences({'a': 10, 'b': 10}, 1, ['a', 'b']) == ['b']


def test_a_class_without_examples_is_never_unavoidably_absent():
    assert unavoidable_absences(TAXI_SIZES, 0, ['train', 'eval', 'test']) == []
    assert rule_allocation({'a': 0, 'b': 0}, 0) == {'a': 0, 'b': 0}
