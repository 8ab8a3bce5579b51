"""The target argument of BalancedAugmenter (core/balanced_augmenter/targets.py)."""

import pytest

from tfx_balance.core.balanced_augmenter.targets import (
    decode_target,
    encode_target,
    output_count,
    resolve_targets,
    validate_target,
)
from tfx_balance.core.common.errors import ConfigError, DataError

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


def test_bytes_class_names_match_their_labels_exactly():
    counts = {b'\xff\xfe': 3, b'Cash': 5, b'\xfe': 2}
    assert resolve_targets(counts, {b'\xff\xfe': 9, 'Cash': 1}) == {
        b'Cash': 1,
        b'\xfe': 2,
        b'\xff\xfe': 9,
    }
    assert resolve_targets(counts, {'\\xfe': 4})[b'\xfe'] == 4  # its string form
    with pytest.raises(DataError, match=r"class b'\\xff' is not in the data"):
        resolve_targets(counts, {b'\xff': 1})


def test_exec_property_form_of_a_target_is_lossless():
    for target in ('max', 'mean', 0, 12, {b'\xff\xfe': 3, 'Cash': 2, 7: 0, b'\\x80': 1}):
        text = encode_target(target)
        assert decode_target(text) == target
        assert isinstance(text, str)
    assert encode_target({b'\xff': 1}) == '[[{"base64": "/w=="}, 1]]'
    assert decode_target('[["2", 30], [0, 10]]') == {'2': 30, 0: 10}  # the older JSON form


@pytest.mark.parametrize(
    'text, message',
    [
        ('{"a": 1', 'is not the JSON'),
        ('[[1, 2, 3]]', 'not a list of \\[class, count\\] pairs'),
        ('[[[1], 2]]', 'which is not a class name'),
    ],
)
def test_undecodable_exec_property_targets_are_config_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        decode_target(text)


@pytest.mark.parametrize(
    'target, message',
    [
        ([[1, 2, 3]], r'target \[\[1, 2, 3\]\] is not a list of \(class, count\) pairs'),
        ({(1, 2): 3}, r'target names class \(1, 2\) \(tuple\)'),
        ({1.5: 3}, r'target names class 1.5 \(float\)'),
        (None, 'target must be a non-negative integer count, got None'),
    ],
)
def test_malformed_targets_are_config_errors_naming_target(target, message):
    with pytest.raises(ConfigError, match=message):
        validate_target(target)


def test_list_of_pairs_is_a_dict_target():
    assert validate_target([('a', 2), (b'\xff', 3.0)]) == {'a': 2, b'\xff': 3}
