"""Each component's arguments are declared once, in its config (core/common/arguments.py): the
constructor's signature, its spec's parameters and its Args doc follow the config's fields."""

import dataclasses
import inspect

import pytest

from tfx_balance import (
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    CrossValidationAggregate,
    LeakageCheck,
    StratifiedSplitter,
)
from tfx_balance.base import html_report
from tfx_balance.core.balanced_augmenter import AugmentConfig
from tfx_balance.core.balanced_input_gen import LayoutConfig
from tfx_balance.core.class_distribution_validator import ValidatorConfig
from tfx_balance.core.common.arguments import argument_name
from tfx_balance.core.cross_validation import CrossValidationConfig
from tfx_balance.core.leakage_check import LeakageConfig
from tfx_balance.core.split.config import StratifiedSplitConfig

# (component, its config, the constructor's channel arguments)
COMPONENTS = [
    (StratifiedSplitter, StratifiedSplitConfig, ['examples', 'previous_assignments', 'history']),
    (LeakageCheck, LeakageConfig, ['examples', 'previous_key_index', 'history']),
    (BalancedAugmenter, AugmentConfig, ['examples']),
    (BalancedInputGen, LayoutConfig, ['examples', 'augmented_examples', 'history']),
    (CrossValidationAggregate, CrossValidationConfig, ['evaluations', 'model']),
    (
        ClassDistributionValidator,
        ValidatorConfig,
        ['statistics', 'schema', 'examples', 'baseline_statistics', 'history'],
    ),
]


@pytest.mark.parametrize('component, config, channels', COMPONENTS)
def test_signature_is_the_channels_and_the_configs_arguments(component, config, channels):
    params = list(inspect.signature(component.__init__).parameters.values())[1:]
    assert [p.name for p in params if p.name in channels] == channels
    # the switch of the picture output, last, on by default (tfx_balance.base.html_report)
    assert (params[-1].name, params[-1].default) == (html_report.ARGUMENT, True)
    params = params[:-1]
    arguments = [p for p in params if p.name not in channels]
    fields = config.constructor_arguments()
    assert [p.name for p in arguments] == [argument_name(f) for f in fields]
    for param, field in zip(arguments, fields):
        if field.default is not dataclasses.MISSING:
            assert param.default == field.default, param.name
        elif field.default_factory is not dataclasses.MISSING:  # e.g. {}: None in a signature
            assert param.default in (None, field.default_factory()), param.name
        else:
            assert param.default is inspect.Parameter.empty, param.name


@pytest.mark.parametrize('component, config, channels', COMPONENTS)
def test_spec_parameters_and_args_doc_come_from_the_config(component, config, channels):
    wired = [argument_name(f) for f in config.declared() if f.metadata['wire'] is not None]
    assert list(component.SPEC_CLASS.PARAMETERS) == wired
    doc = component.__init__.__doc__
    assert '{arguments}' not in doc and '{html_report}' not in doc
    assert f'\n        {html_report.ARGUMENT_DOC}' in doc
    for field in config.constructor_arguments():
        assert f'\n        {argument_name(field)}: ' in doc, field.name


def test_arguments_round_trip_and_a_property_not_set_is_not_written():
    config = LeakageConfig(training_splits=[], max_examples=3, group_feature='user').validate()
    props = config.to_exec_properties()
    assert props['training_splits'] == '[]' and props['group_feature'] == 'user'
    assert 'splits' not in props
    assert LeakageConfig.from_exec_properties(props) == config
    assert LeakageConfig.from_exec_properties({**props, 'group_feature': ''}).group_feature is None
