"""LeakageConfig: argument checks (each error documented), exec-property round trip, defaults."""

import re

import pytest

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.leakage_check import LeakageConfig, bucket_count


def assert_documented_config_error(config, message):
    from tests.support.errors import documented_errors

    with pytest.raises(ConfigError, match=message) as info:
        config.validate()
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'allow_duplicates': 'yes'}, "allow_duplicates must be True or False, got 'yes'"),
        ({'allow_synthetic_outside': 1}, 'allow_synthetic_outside must be True or False, got 1'),
        ({'provenance_feature': ''}, 'provenance_feature must be a non-empty feature name'),
        ({'source_feature': 3}, 'source_feature must be a non-empty feature name'),
        ({'source_feature': 'is_synthetic'}, 'must be two different names'),
        ({'max_examples': -1}, 'max_examples must be an integer >= 0'),
        ({'max_examples': 2.5}, 'max_examples must be an integer >= 0'),
        ({'training_splits': 'train,eval'.split(',') * 2}, 'training_splits lists a split twice'),
        ({'splits': []}, 'splits is empty'),
        ({'training_splits': {'train': 1}}, 'training_splits must be a list of split names'),
    ],
)
def test_bad_arguments_are_documented_config_errors(kwargs, message):
    assert_documented_config_error(LeakageConfig(**kwargs), message)


def test_exec_properties_round_trip():
    for config in (
        LeakageConfig(),
        LeakageConfig(splits=['eval', 'train'], training_splits=[], max_examples=0),
        LeakageConfig(training_splits='train', allow_duplicates=True, provenance_feature='syn'),
    ):
        config = config.validate()
        assert LeakageConfig.from_exec_properties(config.to_exec_properties()) == config


def test_training_splits_default_to_train_and_folds_and_must_be_checked_splits():
    default = LeakageConfig().validate()
    splits = ['train', 'fold-0', 'fold-12', 'folded', 'test', 'eval']
    assert default.resolve_training_splits(splits) == ('train', 'fold-0', 'fold-12')
    assert default.resolve_training_splits(['eval', 'test']) == ()
    none = LeakageConfig(training_splits=[]).validate()
    assert none.resolve_training_splits(splits) == ()
    explicit = LeakageConfig(training_splits=['eval', 'train']).validate()
    assert explicit.resolve_training_splits(splits) == ('train', 'eval')  # in split order
    with pytest.raises(
        ConfigError, match="training_splits names split\\(s\\) 'valid' that are not"
    ) as info:
        LeakageConfig(training_splits=['valid']).validate().resolve_training_splits(splits)
    from tests.support.errors import documented_errors

    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


def test_bucket_count_grows_with_the_input_up_to_its_cap():
    assert [bucket_count(b) for b in (0, 1, 32 << 20, (32 << 20) + 1)] == [1, 1, 1, 2]
    assert bucket_count(1 << 40) == 1024
