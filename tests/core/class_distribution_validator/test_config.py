"""Tests of tfx_balance.core.class_distribution_validator.config: ValidatorConfig and its arguments."""

import json

import pytest

from tfx_balance.core.class_distribution_validator import ValidatorConfig, validate_targets
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


@pytest.mark.parametrize(
    'targets, message',
    [
        ({'train': 'balanced'}, "use 'uniform'"),
        ({'train': {'a': 0.5, 'b': 0.4}}, 'add up to 0.9'),
        ({'train': {'a': -0.5, 'b': 1.5}}, 'numbers >= 0'),
        ({'train': {}}, 'non-empty'),
        (['train'], 'must be a dict'),
        ({'train': {1: 0.5, '1': 0.5}}, r"names class '1' twice \(1 and '1'\)"),
        ({'train': {b'a': 0.5, 'a': 0.5}}, "names class 'a' twice"),
    ],
)
def test_invalid_targets_are_config_errors(targets, message):
    with pytest.raises(ConfigError, match=message):
        validate_targets(targets)


@pytest.mark.parametrize(
    'compare_splits, message',
    [
        ('eval', 'must be a list of split names'),
        (['eval'], 'names one split'),
        (['eval', 'eval'], 'compare_splits lists a split twice'),
        (['eval', ''], 'must hold split names'),
        ({'eval': 1}, 'must be a list'),
    ],
)
def test_invalid_compare_splits_are_config_errors(compare_splits, message):
    with pytest.raises(ConfigError, match=message):
        ValidatorConfig('label', compare_splits=compare_splits).validate()


@pytest.mark.parametrize(
    'argument, value',
    [('label_feature', ''), ('max_split_distance', True), ('target_tolerance', float('nan'))],
)
def test_invalid_numbers_and_names_are_config_errors_naming_the_argument(argument, value):
    with pytest.raises(ConfigError, match=argument):
        ValidatorConfig(**{'label_feature': 'label', argument: value}).validate()


def test_exec_properties_round_trip_in_canonical_form():
    config = ValidatorConfig(
        'label',
        max_split_distance=0,
        targets={'train': {1: 0.25, b'x': 0.75}},
        target_tolerance=0.05,
        fail_on_violation=False,
        compare_splits=['eval', 'test'],
    ).validate()
    props = config.to_exec_properties()
    assert props == {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.0,
        keys.TARGETS_KEY: json.dumps({'train': {'1': 0.25, 'x': 0.75}}),
        keys.TARGET_TOLERANCE_KEY: 0.05,
        keys.FAIL_ON_VIOLATION_KEY: 0,
        keys.COMPARE_SPLITS_KEY: '["eval", "test"]',
    }
    assert ValidatorConfig.from_exec_properties(props) == config
    default = ValidatorConfig('label').validate()
    assert keys.COMPARE_SPLITS_KEY not in default.to_exec_properties()  # None is not written
    assert keys.TARGETS_KEY not in default.to_exec_properties()
    none = ValidatorConfig('label', compare_splits=[]).validate()
    assert ValidatorConfig.from_exec_properties(none.to_exec_properties()).compare_splits == ()


def test_exec_properties_of_older_pipelines_without_compare_splits_compare_all():
    props = (
        ValidatorConfig('label', compare_splits=['eval', 'test']).validate().to_exec_properties()
    )
    del props[keys.COMPARE_SPLITS_KEY]
    assert ValidatorConfig.from_exec_properties(props).compare_splits is None


def test_per_split_drift_thresholds_travel_as_sorted_json_and_old_float_properties_decode():
    config = ValidatorConfig(
        'label', max_drift_distance={'train': 0.02, 'eval': 0.07}, max_drift_divergence=0.005
    ).validate()
    props = config.to_exec_properties()
    assert props['max_drift_distance'] == '{"eval": 0.07, "train": 0.02}'
    assert props['max_drift_divergence'] == '0.005'
    assert ValidatorConfig.from_exec_properties(props) == config
    assert config.drift_thresholds('test') == (0.02, 0.005)  # not named: the default
    assert 'max_drift_distance' not in ValidatorConfig('label').validate().to_exec_properties()
    # A pipeline built before the thresholds per split wrote them as FLOAT properties.
    older = {'label_feature': 'label', 'max_drift_distance': 0.05, 'max_drift_divergence': 0.01}
    decoded = ValidatorConfig.from_exec_properties(older)
    assert (decoded.max_drift_distance, decoded.max_drift_divergence) == (0.05, 0.01)
