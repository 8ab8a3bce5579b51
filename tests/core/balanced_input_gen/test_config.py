"""LayoutConfig (core/balanced_input_gen/config.py): validated once, exec properties both ways."""

import pytest

from tfx_balance.core.balanced_input_gen import LayoutConfig
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


def test_round_trip_through_exec_properties():
    config = LayoutConfig(
        'label', splits=['train', 'eval'], seed=7, examples_per_shard=3
    ).validate()
    props = config.to_exec_properties()
    assert props == {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.SPLITS_KEY: '["train", "eval"]',
        keys.SEED_KEY: 7,
        keys.EXAMPLES_PER_SHARD_KEY: 3,
    }
    assert LayoutConfig.from_exec_properties(props) == config
    assert config.splits == ('train', 'eval')


def test_defaults_and_a_single_split_name():
    config = LayoutConfig('label', splits='train', examples_per_shard=None).validate()
    assert (config.splits, config.seed, config.examples_per_shard) == (('train',), 0, 50_000)


@pytest.mark.parametrize(
    'kwargs, fragment',
    [
        ({'label_feature': ''}, "label_feature must be a non-empty string, got ''"),
        ({'label_feature': None}, 'label_feature must be a non-empty string, got None'),
        ({'splits': []}, r"splits is empty; name at least one split, e\.g\. \['train'\]"),
        ({'splits': ['train', '']}, 'splits must hold split names'),
        ({'splits': {'train': 1}}, r"splits must be a list of split names such as \['train'\]"),
        ({'splits': ['train', 'train']}, 'splits lists a split twice'),
        ({'seed': 'x'}, "seed must be an integer, got 'x'"),
        ({'seed': 1.5}, 'seed must be an integer, got 1.5'),
        ({'examples_per_shard': 0}, 'examples_per_shard must be >= 1, got 0'),
    ],
)
def test_every_problem_is_a_config_error_naming_the_argument(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        LayoutConfig(**{'label_feature': 'label', **kwargs}).validate()


def test_exec_properties_with_splits_that_are_not_json_are_named():
    props = LayoutConfig('label').validate().to_exec_properties()
    props[keys.SPLITS_KEY] = 'train, eval'
    with pytest.raises(ConfigError, match="exec property splits 'train, eval' cannot be decoded"):
        LayoutConfig.from_exec_properties(props)
