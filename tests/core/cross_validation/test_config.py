"""CrossValidationConfig: CrossValidationAggregate's arguments checked once, with the fold rule
of the splitter (one fold_names, one limit), and a round trip through the exec properties."""

import pytest

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.cross_validation import MAX_FOLDS, CrossValidationConfig


def test_validate_canonicalises_and_round_trips_through_exec_properties():
    config = CrossValidationConfig(
        folds=['a', 'b'], thresholds={'macro_recall': {'lower_bound': 0.5}}, gate_on='interval'
    ).validate()
    assert config.folds == ('a', 'b')
    assert [t.rule() for t in config.parsed_thresholds] == ['macro_recall >= 0.5']
    assert CrossValidationConfig.from_exec_properties(config.to_exec_properties()) == config


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(folds=MAX_FOLDS + 1), f'folds is {MAX_FOLDS + 1}; it must be 2 to {MAX_FOLDS}'),
        (dict(folds=3, gate_on='lower'), "gate_on must be 'mean'"),
        (dict(folds=3, thresholds={'m': {'min': 1}}), "unknown kind 'min'"),
    ],
)
def test_bad_arguments_are_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        CrossValidationConfig(**kwargs).validate()
