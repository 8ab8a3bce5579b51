"""Targets and the per-class plan of BalancedAugmenter (core/balance_plan.py)."""

import pytest

from tfx_balance.core.balance_plan import (
    AUGMENT,
    KEEP,
    UNDERSAMPLE,
    output_count,
    plan_class,
    resolve_targets,
    validate_target,
)
from tfx_balance.core.errors import ConfigError, DataError

COUNTS = {0: 10, 1: 4, 2: 1}


def test_max_mean_int_targets():
    assert resolve_targets(COUNTS, 'max') == {0: 10, 1: 10, 2: 10}
    assert resolve_targets(COUNTS, 'mean') == {0: 5, 1: 5, 2: 5}  # 15 / 3
    assert resolve_targets({0: 3, 1: 2}, 'mean') == {0: 3, 1: 3}  # 2.5 rounds half up
    assert resolve_targets({0: 3, 1: 1, 2: 1}, 'mean') == {0: 2, 1: 2, 2: 2}  # 1.67
    assert resolve_targets(COUNTS, 7) == {0: 7, 1: 7, 2: 7}


def test_dict_target_keeps_unnamed_classes_and_matches_string_names():
    assert resolve_targets(COUNTS, {'2': 6, 0: 3}) == {0: 3, 1: 4, 2: 6}
    assert resolve_targets({b'Cash': 5, b'Card': 2}, {'Card': 5}) == {b'Card': 5, b'Cash': 5}


def test_dict_target_naming_an_absent_class_is_a_data_error():
    with pytest.raises(DataError, match=r"class '7' is not in the data; classes present: 0, 1, 2"):
        resolve_targets(COUNTS, {'7': 3})


@pytest.mark.parametrize(
    'target, message',
    [
        (-1, 'cannot be negative'),
        ({0: -5}, 'cannot be negative'),
        ('median', "'median' is not supported"),
        (True, 'non-negative integer'),
        (2.5, 'non-negative integer'),
        ({}, 'empty dict'),
    ],
)
def test_invalid_targets_are_config_errors(target, message):
    with pytest.raises(ConfigError, match=message):
        validate_target(target)


def test_output_count_only_undersamples_when_asked():
    assert output_count(10, 4, undersample=False) == 10
    assert output_count(10, 4, undersample=True) == 4
    assert output_count(3, 8, undersample=False) == 8


def test_plan_class_spreads_copies_and_finds_the_boundary_bucket():
    # 5 originals in buckets {1: 2, 7: 1, 9: 2}; 12 to generate: 2 each, 2 get a third.
    plan = plan_class('a', 5, 17, False, {1: 2, 7: 1, 9: 2})
    assert (plan.mode, plan.copies_per_source, plan.select) == (AUGMENT, 2, 2)
    assert (plan.generated, plan.dropped) == (12, 0)
    assert plan.selected_bucket(1) and not plan.selected_bucket(7)
    assert plan.boundary_bucket is None  # ranks 0-1 are exactly bucket 1
    plan = plan_class('a', 5, 8, False, {1: 2, 7: 1, 9: 2})  # 3 extra: ranks 0..2
    assert (plan.copies_per_source, plan.select, plan.boundary_bucket) == (0, 3, None)
    plan = plan_class('a', 5, 9, False, {1: 2, 7: 1, 9: 2})  # 4 extra: ranks 0..3
    assert (plan.select_below, plan.boundary_bucket, plan.boundary_start) == (9, 9, 3)


def test_plan_class_undersample_and_keep():
    plan = plan_class('a', 5, 2, True, {1: 2, 7: 1, 9: 2})
    assert (plan.mode, plan.select, plan.dropped, plan.output) == (UNDERSAMPLE, 2, 3, 2)
    assert plan_class('a', 5, 2, False, {1: 5}).mode == KEEP
    assert plan_class('a', 5, 5, True, {1: 5}).mode == KEEP
    zero = plan_class('a', 5, 0, True, {1: 5})
    assert (zero.mode, zero.output, zero.select_below) == (UNDERSAMPLE, 0, 1)
