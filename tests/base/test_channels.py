"""tfx_balance.base.channels: every component names its own argument when given the wrong channel."""

import re

import pytest
from tfx.types import channel_utils, standard_artifacts

from tests.support.errors import documented_errors
from tfx_balance import (
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    StratifiedSplitter,
)
from tfx_balance.core.common.errors import ConfigError


def channel(artifact_type):
    return channel_utils.as_channel([artifact_type()])


SCHEMA = channel(standard_artifacts.Schema)
EXAMPLES = channel(standard_artifacts.Examples)
STATISTICS = channel(standard_artifacts.ExampleStatistics)


@pytest.mark.parametrize(
    'make',
    [
        lambda value: StratifiedSplitter(examples=value, label_feature='label'),
        lambda value: BalancedAugmenter(examples=value, label_feature='label'),
        lambda value: BalancedInputGen(examples=value, label_feature='label'),
    ],
    ids=['StratifiedSplitter', 'BalancedAugmenter', 'BalancedInputGen'],
)
def test_a_wrong_artifact_type_names_examples_not_the_spec_key(make):
    with pytest.raises(ConfigError) as info:
        make(SCHEMA)
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)
    assert str(info.value) == (
        'examples must be a channel of Examples artifacts, e.g. '
        "examples=example_gen.outputs['examples']; got a channel of Schema artifacts."
    )
    with pytest.raises(ConfigError, match=r"^examples must be .* got list \['x'\]\.$"):
        make(['x'])
    make(EXAMPLES)  # the right type passes


def test_validator_names_statistics_and_schema():
    with pytest.raises(
        ConfigError,
        match=r'^statistics must be a channel of ExampleStatistics .*'
        'got a channel of Examples artifacts',
    ):
        ClassDistributionValidator(statistics=EXAMPLES, label_feature='label')
    with pytest.raises(
        ConfigError, match=r"^schema must be .*schema=schema_gen.outputs\['schema'\]"
    ):
        ClassDistributionValidator(statistics=STATISTICS, label_feature='label', schema=STATISTICS)
    ClassDistributionValidator(statistics=STATISTICS, label_feature='label', schema=SCHEMA)
    ClassDistributionValidator(statistics=STATISTICS, label_feature='label')
