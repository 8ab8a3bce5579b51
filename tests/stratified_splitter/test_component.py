"""StratifiedSplitter component: arguments validated once (StratifiedSplitConfig), exec properties as before."""

import pytest
from tfx.types import channel_utils, standard_artifacts

from tfx_balance import StratifiedSplitter
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError

EXAMPLES = channel_utils.as_channel([standard_artifacts.Examples()])


def test_exec_properties_are_those_the_executor_has_always_read():
    splitter = StratifiedSplitter(
        examples=EXAMPLES, label_feature='y', splits={'a': 3, 'b': 1}, seed=4,
        input_splits=['train'], group_feature='user',
    )  # fmt: skip
    assert splitter.exec_properties == {
        keys.LABEL_FEATURE_KEY: 'y',
        keys.SPLITS_KEY: '[["a", 3], ["b", 1]]',
        keys.SEED_KEY: 4,
        keys.INPUT_SPLITS_KEY: '["train"]',
        keys.GROUP_FEATURE_KEY: 'user',
    }
    default = StratifiedSplitter(examples=EXAMPLES, label_feature='y').exec_properties
    assert default[keys.SPLITS_KEY] == '[["train", 8], ["eval", 1], ["test", 1]]'


def test_a_list_of_split_names_is_a_config_error_showing_the_accepted_forms():
    with pytest.raises(ConfigError) as info:
        StratifiedSplitter(examples=EXAMPLES, label_feature='y', splits=['train', 'eval'])
    message = str(info.value)
    assert message.startswith('splits must be a non-empty mapping of split name to positive weight')
    assert "splits=[('train', 8), ('eval', 2)]; got ['train', 'eval']." in message


def test_a_bad_label_feature_is_a_config_error():
    with pytest.raises(ConfigError, match='^label_feature must be a non-empty feature name'):
        StratifiedSplitter(examples=EXAMPLES, label_feature='')


def test_multi_label_is_an_exec_property_only_when_set():
    splitter = StratifiedSplitter(examples=EXAMPLES, label_feature='tags', multi_label='ids')
    assert splitter.exec_properties[keys.MULTI_LABEL_KEY] == 'ids'
    with pytest.raises(ConfigError, match='^multi_label must be None'):
        StratifiedSplitter(examples=EXAMPLES, label_feature='tags', multi_label='list')
