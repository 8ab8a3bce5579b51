"""ClassDistributionValidator's constructor: arguments checked once, exec properties from the config."""

import pytest

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


def _statistics():
    from tfx.types import Channel, standard_artifacts

    return Channel(type=standard_artifacts.ExampleStatistics)


def test_compare_splits_and_targets_become_exec_properties():
    from tfx_balance import ClassDistributionValidator

    check = ClassDistributionValidator(
        statistics=_statistics(),
        label_feature='label',
        compare_splits=('eval', 'test'),
        targets={'train': 'uniform'},
    )
    props = check.exec_properties
    assert props[keys.COMPARE_SPLITS_KEY] == '["eval", "test"]'
    assert props[keys.TARGETS_KEY] == '{"train": "uniform"}'
    assert props[keys.FAIL_ON_VIOLATION_KEY] == 1
    default = ClassDistributionValidator(statistics=_statistics(), label_feature='label')
    assert default.exec_properties.get(keys.COMPARE_SPLITS_KEY) is None


@pytest.mark.parametrize(
    'arguments, message',
    [
        ({'compare_splits': 'eval'}, 'compare_splits must be a list of split names'),
        ({'compare_splits': ['eval']}, 'compare_splits .* names one split'),
        ({'label_feature': ''}, 'label_feature must be a non-empty string'),
        ({'max_split_distance': -0.1}, 'max_split_distance must be a number >= 0'),
        ({'targets': {'train': 'balanced'}}, "targets\\['train'\\] is 'balanced'"),
        ({'multi_label': 'multi_hot'}, "multi_label='multi_hot' needs examples="),
        ({'multi_label': 'ids', 'examples': 'train'}, 'examples must be a channel of Examples'),
        ({'max_drift_distance': {'eval': -1}}, "max_drift_distance\\['eval'\\] must be a number"),
    ],
)
def test_bad_arguments_fail_when_the_pipeline_is_built(arguments, message):
    from tfx_balance import ClassDistributionValidator

    with pytest.raises(ConfigError, match=message):
        ClassDistributionValidator(
            statistics=_statistics(), **{'label_feature': 'label', **arguments}
        )


def test_multi_label_arguments_become_exec_properties():
    from tfx.types import Channel, standard_artifacts

    from tfx_balance import ClassDistributionValidator

    check = ClassDistributionValidator(
        statistics=_statistics(),
        examples=Channel(type=standard_artifacts.Examples),
        label_feature='tags',
        multi_label='multi_hot',
        min_prevalence={3: 0.01},
        max_prevalence_difference=0.02,
    )
    props = check.exec_properties
    assert props[keys.MULTI_LABEL_KEY] == 'multi_hot'
    assert props['min_prevalence'] == '{"3": 0.01}'
    assert props['max_prevalence_difference'] == '0.02'
    assert props['max_cardinality_difference'] == 0.1
    assert keys.INPUT_EXAMPLES_KEY in check.inputs


def test_drift_thresholds_per_split_become_one_sorted_json_property():
    from tfx_balance import ClassDistributionValidator

    check = ClassDistributionValidator(
        statistics=_statistics(),
        baseline_statistics=_statistics(),
        label_feature='label',
        max_drift_distance={'train': 0.02, 'eval': 0.09},
        max_drift_divergence={'train': 0.005},
    )
    props = check.exec_properties
    assert props['max_drift_distance'] == '{"eval": 0.09, "train": 0.02}'
    assert props['max_drift_divergence'] == '{"train": 0.005}'
    default = ClassDistributionValidator(statistics=_statistics(), label_feature='label')
    assert default.exec_properties.get('max_drift_distance') is None  # old pipelines' cache key


def test_label_helpers_are_exported_from_the_package():
    import tensorflow_data_validation as tfdv

    import tfx_balance

    options = tfx_balance.label_stats_options('label')
    assert isinstance(options, tfdv.StatsOptions)
    assert tfdv.get_feature(options.schema, 'label').int_domain.is_categorical
    assert tfx_balance.label_schema('y', is_int=False).feature[0].name == 'y'
    assert {'label_schema', 'label_stats_options'} <= set(dir(tfx_balance))
