"""core.split.config: StratifiedSplitConfig validates once, names the argument, and round-trips via exec
properties with the same encoding as before."""

import json
import re

import numpy as np
import pytest

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.split.config import DEFAULT_SPLITS, StratifiedSplitConfig


def test_exec_properties_keep_their_encoding_and_round_trip():
    config = StratifiedSplitConfig(
        'payment', splits=[('train', 8), ('eval', 1.5)], seed=np.int64(7),
        input_splits=['train', 'eval'], group_feature='user',
    ).validate()  # fmt: skip
    props = config.to_exec_properties()
    assert props == {
        keys.LABEL_FEATURE_KEY: 'payment',
        keys.SPLITS_KEY: '[["train", 8], ["eval", 1.5]]',
        keys.SEED_KEY: 7,
        keys.INPUT_SPLITS_KEY: '["train", "eval"]',
        keys.GROUP_FEATURE_KEY: 'user',
    }
    assert type(props[keys.SEED_KEY]) is int
    assert StratifiedSplitConfig.from_exec_properties(props) == config
    assert list(config.splits) == ['train', 'eval'] and config.input_splits == ('train', 'eval')


def test_defaults_and_optional_properties():
    config = StratifiedSplitConfig('label').validate()
    assert config.splits == DEFAULT_SPLITS and config.seed == 0
    props = config.to_exec_properties()
    assert keys.INPUT_SPLITS_KEY not in props and keys.GROUP_FEATURE_KEY not in props
    assert json.loads(props[keys.SPLITS_KEY]) == [['train', 8], ['eval', 1], ['test', 1]]
    # TFX may hand an unset optional property back as '' or leave it out.
    assert StratifiedSplitConfig.from_exec_properties(
        {keys.LABEL_FEATURE_KEY: 'label', keys.SPLITS_KEY: props[keys.SPLITS_KEY],
         keys.INPUT_SPLITS_KEY: '', keys.GROUP_FEATURE_KEY: ''}
    ) == config  # fmt: skip


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (
            dict(splits=['train', 'eval']),
            'splits must be a non-empty mapping of split name to '
            "positive weight, e.g. splits={'train': 8, 'eval': 1, 'test': 1}, or a list of (name, "
            "weight) pairs, e.g. splits=[('train', 8), ('eval', 2)]; got ['train', 'eval']. A list "
            "of names gives no weights: give each split one, e.g. {'train': 1, 'eval': 1} for "
            'equal shares.',
        ),
        (dict(splits='train'), 'splits must be a non-empty mapping'),
        (dict(splits=[('train', 1, 2)]), "got [('train', 1, 2)]."),
        (dict(splits={'train': 0}), "weight of split 'train' is 0"),
        (dict(label_feature=''), 'label_feature must be a non-empty feature name'),
        (dict(label_feature=3), 'label_feature must be a non-empty feature name (a string), got 3'),
        (dict(group_feature=''), 'group_feature must be a non-empty feature name'),
        (dict(seed='1'), "seed must be an integer, got '1'."),
        (dict(seed=True), 'seed must be an integer, got True.'),
        (dict(seed=2**63), 'seed must fit in a signed 64-bit integer'),
        (dict(input_splits=[]), 'input_splits is empty; name at least one split'),
        (dict(input_splits=['train', 'train']), "input_splits lists a split twice: ['train', "),
        (dict(input_splits=['train', '']), 'input_splits must hold split names'),
    ],
)
def test_every_problem_is_a_config_error_naming_the_argument(kwargs, message):
    from tests.support.errors import documented_errors

    args = {'label_feature': 'label', **kwargs}
    with pytest.raises(ConfigError) as info:
        StratifiedSplitConfig(**args).validate()
    assert message in str(info.value)
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


def test_a_single_input_split_name_is_one_split():
    assert StratifiedSplitConfig('label', input_splits='train').validate().input_splits == (
        'train',
    )


def test_multi_label_round_trips_and_is_left_out_when_unset():
    config = StratifiedSplitConfig('tags', multi_label='multi_hot').validate()
    props = config.to_exec_properties()
    assert props[keys.MULTI_LABEL_KEY] == 'multi_hot'
    assert StratifiedSplitConfig.from_exec_properties(props) == config
    assert (
        keys.MULTI_LABEL_KEY not in StratifiedSplitConfig('label').validate().to_exec_properties()
    )


@pytest.mark.parametrize('value', ['multi-hot', 'ids ', True, 1])
def test_an_unknown_multi_label_form_is_a_config_error_listing_the_forms(value):
    with pytest.raises(ConfigError, match=r"multi_label must be None .*'ids'.*'multi_hot'"):
        StratifiedSplitConfig('tags', multi_label=value).validate()
