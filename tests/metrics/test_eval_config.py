"""balanced_eval_config: the EvalConfig it builds, and ConfigError for bad arguments."""

import json
import re

import pytest

from tfx_balance import balanced_eval_config
from tfx_balance.core.common.errors import ConfigError


def thresholds(config):
    import tensorflow_model_analysis as tfma

    (spec,) = config.metrics_specs
    return {m.class_name: m.threshold for m in spec.metrics if m.HasField('threshold')}, tfma


def test_gates_are_ordinary_metric_thresholds():
    config = balanced_eval_config(
        'label',
        num_classes=10,
        min_macro_recall=0.8,
        min_class_recall=0.3,
        min_improvement=0.02,
        baseline_model_name='baseline',
    )
    gates, tfma = thresholds(config)
    assert gates['MacroRecall'].value_threshold.lower_bound.value == pytest.approx(0.8)
    change = gates['MacroRecall'].change_threshold
    assert change.absolute.value == pytest.approx(0.02)
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER
    assert gates['MinClassRecall'].value_threshold.lower_bound.value == pytest.approx(0.3)
    assert set(gates) == {'MacroRecall', 'MinClassRecall'}
    assert [(m.name, m.is_baseline, m.label_key) for m in config.model_specs] == [
        ('candidate', False, 'label'),
        ('baseline', True, 'label'),
    ]
    (spec,) = config.metrics_specs
    assert {m.module for m in spec.metrics} == {'tfx_balance.metrics'}
    assert {json.loads(m.config)['num_classes'] for m in spec.metrics} == {10}


def test_threshold_keys_are_the_metric_names():
    """TFMA finds a threshold by the metric's name: the keys the metrics emit."""
    from tensorflow_model_analysis.metrics import metric_specs

    config = balanced_eval_config(
        'label', classes=['a', 'b'], min_macro_recall=0.5, min_class_recall=0.1
    )
    keys = metric_specs.metric_thresholds_from_metrics_specs(config.metrics_specs, config)
    assert sorted(k.name for k in keys) == ['macro_recall', 'min_class_recall']


def test_no_gate_and_no_baseline_is_a_single_unnamed_model():
    config = balanced_eval_config('label', classes=['a', 'b'], metrics=[])
    assert [m.name for m in config.model_specs] == ['']
    assert thresholds(config)[0] == {}
    assert len(config.slicing_specs) == 1


@pytest.mark.parametrize(
    'kwargs, argument',
    [
        ({'label_key': ''}, 'label_key'),
        ({'classes': ['a']}, 'classes'),
        ({'classes': 'ab'}, 'classes'),
        ({'classes': ['a', 'a']}, 'classes'),
        ({'classes': ['a', 'b'], 'num_classes': 2}, 'num_classes'),
        ({'num_classes': 1}, 'num_classes'),
        ({'num_classes': True}, 'num_classes'),
        ({'min_macro_recall': 1.5}, 'min_macro_recall'),
        ({'min_class_recall': -0.1}, 'min_class_recall'),
        ({'min_improvement': 0.05}, 'baseline_model_name'),
        ({'min_improvement': 2.0, 'baseline_model_name': 'b'}, 'min_improvement'),
        ({'baseline_model_name': 'm', 'model_name': 'm'}, 'baseline_model_name'),
        ({'slicing_specs': ['label']}, 'slicing_specs'),
        ({'preprocessing_function_names': 'transform_features'}, 'preprocessing_function_names'),
        ({'metrics': ['accuracy']}, 'metrics'),
    ],
)
def test_bad_arguments_raise_config_error_naming_them(kwargs, argument):
    kwargs = {'label_key': 'label', 'num_classes': 3, **kwargs}
    if 'classes' in kwargs and argument != 'num_classes':
        kwargs['num_classes'] = None  # classes instead of num_classes
    with pytest.raises(ConfigError, match=argument):
        balanced_eval_config(**kwargs)


def test_multi_label_gates_macro_label_recall_and_min_label_recall():
    config = balanced_eval_config(
        'tags',
        multi_label='multi_hot',
        labels=['cat', 'dog', 'owl'],
        threshold=0.4,
        min_macro_recall=0.7,
        min_label_recall=0.2,
        min_improvement=0.01,
        baseline_model_name='baseline',
    )
    gates, tfma = thresholds(config)
    assert set(gates) == {'MacroLabelRecall', 'MinLabelRecall'}
    assert gates['MacroLabelRecall'].value_threshold.lower_bound.value == pytest.approx(0.7)
    change = gates['MacroLabelRecall'].change_threshold
    assert change.absolute.value == pytest.approx(0.01)
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER
    assert gates['MinLabelRecall'].value_threshold.lower_bound.value == pytest.approx(0.2)
    (spec,) = config.metrics_specs
    assert [m.class_name for m in spec.metrics] == [
        'MacroLabelRecall',
        'MacroLabelF1',
        'PerLabelRecall',
        'PerLabelPrecision',
        'PerLabelF1',
        'MinLabelRecall',
    ]
    assert {m.config for m in spec.metrics} == {
        json.dumps({'labels': ['cat', 'dog', 'owl'], 'threshold': 0.4})
    }


def test_multi_label_threshold_keys_are_the_metric_names():
    from tensorflow_model_analysis.metrics import metric_specs

    config = balanced_eval_config(
        'tags', multi_label='multi_hot', num_labels=4, min_macro_recall=0.5, min_label_recall=0.1
    )
    keys = metric_specs.metric_thresholds_from_metrics_specs(config.metrics_specs, config)
    assert sorted(k.name for k in keys) == ['macro_label_recall', 'min_label_recall']
    (spec,) = config.metrics_specs
    assert json.loads(spec.metrics[0].config) == {'num_labels': 4, 'threshold': 0.5}


def test_multi_label_gates_macro_f1_by_value_and_over_the_baseline():
    from tensorflow_model_analysis.metrics import metric_specs

    config = balanced_eval_config(
        'tags',
        multi_label='multi_hot',
        num_labels=4,
        min_macro_f1=0.6,
        min_f1_improvement=0.01,
        baseline_model_name='baseline',
    )
    gates, tfma = thresholds(config)
    assert set(gates) == {'MacroLabelF1'}
    assert gates['MacroLabelF1'].value_threshold.lower_bound.value == pytest.approx(0.6)
    change = gates['MacroLabelF1'].change_threshold
    assert change.absolute.value == pytest.approx(0.01)
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER
    keys = metric_specs.metric_thresholds_from_metrics_specs(config.metrics_specs, config)
    assert {k.name for k in keys} == {'macro_label_f1'}


@pytest.mark.parametrize(
    'kwargs, argument',
    [
        ({'classes': ['a', 'b']}, 'classes'),
        ({'num_classes': 3}, 'num_classes'),
        ({'min_class_recall': 0.2}, 'min_class_recall'),
        ({'labels': ['a', 'b'], 'num_labels': 2}, 'num_labels'),
        ({'labels': 'ab'}, 'labels'),
        ({'num_labels': 0}, 'num_labels'),
        ({'threshold': 0.0}, 'threshold'),
        ({'threshold': 1.0}, 'threshold'),
        ({'threshold': 2}, 'threshold'),
        ({'min_label_recall': 1.5}, 'min_label_recall'),
        ({'min_macro_f1': 1.5}, 'min_macro_f1'),
        ({'min_macro_f1': '0.5'}, 'min_macro_f1'),
        ({'min_f1_improvement': -2}, 'min_f1_improvement'),
        ({'min_f1_improvement': 0.0}, r'min_f1_improvement=0 \(a gate on macro_label_f1\)'),
        ({'multi_label': 'yes'}, 'multi_label'),
    ],
)
def test_bad_multi_label_arguments_raise_config_error_naming_them(kwargs, argument):
    with pytest.raises(ConfigError, match=argument):
        balanced_eval_config(**{'label_key': 'tags', 'multi_label': 'multi_hot', **kwargs})


@pytest.mark.parametrize(
    'kwargs',
    [
        {'labels': ['a', 'b']},
        {'num_labels': 2},
        {'threshold': 0.5},
        {'min_label_recall': 0.1},
        {'min_macro_f1': 0.5},
        {'min_f1_improvement': 0.0},
    ],
)
def test_multi_label_arguments_without_multi_label_are_config_errors(kwargs):
    from tests.support.errors import documented_errors

    (argument,) = kwargs
    with pytest.raises(ConfigError, match=rf'{argument}=.* is for multi-label models') as info:
        balanced_eval_config('label', num_classes=3, **kwargs)
    assert any(re.search(p, str(info.value)) for p in documented_errors())


def test_multi_label_takes_the_components_spelling_and_a_bool_names_it():
    """multi_label='multi_hot' / None as the components spell it; True / False (never released)
    are a ConfigError naming the spelling to write."""
    with pytest.raises(ConfigError, match="multi_label=True\\): write multi_label='multi_hot'"):
        balanced_eval_config('tags', multi_label=True, num_labels=3, min_label_recall=0.1)
    with pytest.raises(ConfigError, match='multi_label=False\\): write multi_label=None'):
        balanced_eval_config('label', num_classes=3, multi_label=False)


def test_label_ids_are_a_config_error_naming_the_multi_hot_way():
    from tests.support.errors import documented_errors

    with pytest.raises(ConfigError, match='Convert the label ids to a multi-hot vector') as info:
        balanced_eval_config('tags', multi_label='ids', num_labels=3)
    assert any(re.search(p, str(info.value)) for p in documented_errors())


def test_confidence_moves_the_recall_gates_onto_lower_bounds():
    from tensorflow_model_analysis.metrics import metric_specs

    config = balanced_eval_config(
        'label',
        num_classes=10,
        min_macro_recall=0.8,
        min_class_recall=0.3,
        min_improvement=0.02,
        baseline_model_name='baseline',
        confidence=0.95,
    )
    found = metric_specs.metric_thresholds_from_metrics_specs(config.metrics_specs, config)
    gates = {key.name: threshold.lower_bound.value for key, ((_, threshold),) in found.items()}
    assert gates == pytest.approx(
        {
            'macro_recall_lower_95': 0.8,
            'min_class_recall_lower_95': 0.3,
            'macro_recall_improvement_lower_95': 0.02,
        }
    )
    (spec,) = config.metrics_specs
    paired = {m.class_name: json.loads(m.config) for m in spec.metrics}
    assert paired['MacroRecallImprovementInterval'] == {
        'num_classes': 10,
        'confidence': 0.95,
        'min_improvement': 0.02,
    }
    assert {'MacroRecall', 'PerClassRecallInterval', 'MultiClassBalancedAccuracyInterval'} <= set(
        paired
    )


def test_without_confidence_the_config_is_what_it_was():
    arguments = dict(
        num_classes=4, min_macro_recall=0.5, min_improvement=0.02, baseline_model_name='b'
    )
    plain = balanced_eval_config('label', **arguments)
    assert plain.SerializeToString() == (
        balanced_eval_config('label', **arguments, confidence=None).SerializeToString()
    )
    (spec,) = plain.metrics_specs
    assert not any('Interval' in m.class_name for m in spec.metrics)


def test_multi_label_confidence_gates_label_recall_and_f1_bounds():
    config = balanced_eval_config(
        'tags',
        multi_label='multi_hot',
        num_labels=3,
        min_label_recall=0.2,
        min_macro_f1=0.5,
        confidence=0.9,
    )
    gates, _ = thresholds(config)
    assert set(gates) == {'MinLabelRecallInterval', 'MacroLabelF1Interval'}
    assert gates['MacroLabelF1Interval'].value_threshold.lower_bound.value == 0.5
    (spec,) = config.metrics_specs
    (bound,) = [m for m in spec.metrics if m.class_name == 'MinLabelRecallInterval']
    assert json.loads(bound.config)['confidence'] == 0.9


@pytest.mark.parametrize('bad', [1.5, 0.3, '0.95', True])
def test_confidence_out_of_range_is_a_config_error(bad):
    with pytest.raises(ConfigError, match=re.escape('confidence must be a number in (0.5, 1)')):
        balanced_eval_config('label', num_classes=3, confidence=bad)


def test_confidence_moves_the_f1_gates_onto_the_f1_bounds():
    from tensorflow_model_analysis.metrics import metric_specs

    config = balanced_eval_config(
        'tags',
        multi_label='multi_hot',
        num_labels=10,
        min_macro_f1=0.62,
        min_f1_improvement=0.01,
        baseline_model_name='baseline',
        confidence=0.95,
    )
    found = metric_specs.metric_thresholds_from_metrics_specs(config.metrics_specs, config)
    gates = {
        (key.name, key.is_diff): threshold.lower_bound.value
        for key, ((_, threshold),) in found.items()
    }
    assert gates == pytest.approx(
        {
            ('macro_label_f1_lower_95', False): 0.62,
            ('macro_label_f1_improvement_lower_95', False): 0.01,
        }
    )
    (spec,) = config.metrics_specs
    paired = {m.class_name: json.loads(m.config) for m in spec.metrics}
    assert paired['MacroLabelF1ImprovementInterval'] == {
        'num_labels': 10,
        'threshold': 0.5,
        'confidence': 0.95,
        'min_improvement': 0.01,
    }
    assert paired['MacroLabelRecallImprovementInterval']['min_improvement'] == 0.0  # not gated
