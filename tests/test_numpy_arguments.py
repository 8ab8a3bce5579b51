"""Arguments computed with numpy (``np.int64`` counts, ``np.float32`` scales, ``np.bool_`` flags)
are the Python numbers they are, in every component: the same exec properties as the Python
values, never a raw JSON ``TypeError`` (issue 53, case 7)."""

import numpy as np
import pytest
from tfx.types import channel_utils, standard_artifacts

from tfx_balance import (
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    CrossValidationAggregate,
    LeakageCheck,
    StratifiedSplitter,
)


def channel(artifact_type):
    return channel_utils.as_channel([artifact_type()])


EXAMPLES = channel(standard_artifacts.Examples)
STATISTICS = channel(standard_artifacts.ExampleStatistics)
EVALUATIONS = [channel(standard_artifacts.ModelEvaluation) for _ in range(3)]

# component, its channels, and arguments as numpy gives them -> the same as Python numbers.
CASES = {
    'BalancedAugmenter numeric': (
        BalancedAugmenter,
        {'examples': EXAMPLES, 'label_feature': 'label', 'augmentation': 'numeric'},
        {'augmentation_options': {'noise_scale': np.float32(0.25)}, 'seed': np.int64(7)},
        {'augmentation_options': {'noise_scale': 0.25}, 'seed': 7},
    ),
    'BalancedAugmenter smote': (
        BalancedAugmenter,
        {'examples': EXAMPLES, 'label_feature': 'label', 'augmentation': 'smote'},
        {'augmentation_options': {'k': np.int64(3)}, 'target': {np.int64(1): np.int64(40)}},
        {'augmentation_options': {'k': 3}, 'target': {1: 40}},
    ),
    'BalancedAugmenter image': (
        BalancedAugmenter,
        {'examples': EXAMPLES, 'label_feature': 'label', 'augmentation': 'image'},
        {'augmentation_options': {'flip': np.bool_(False), 'jpeg_quality': np.int64(90)}},
        {'augmentation_options': {'flip': False, 'jpeg_quality': 90}},
    ),
    'StratifiedSplitter': (
        StratifiedSplitter,
        {'examples': EXAMPLES, 'label_feature': 'label'},
        {'splits': {'train': np.int64(8), 'eval': np.float32(1.5)}, 'seed': np.int64(3)},
        {'splits': {'train': 8, 'eval': 1.5}, 'seed': 3},
    ),
    'StratifiedSplitter folds': (
        StratifiedSplitter,
        {'examples': EXAMPLES, 'label_feature': 'label'},
        {'folds': np.int64(4), 'holdout': {'test': np.float64(0.2)}},
        {'folds': 4, 'holdout': {'test': 0.2}},
    ),
    'BalancedInputGen': (
        BalancedInputGen,
        {'examples': EXAMPLES, 'label_feature': 'label', 'multi_label': 'ids'},
        {'seed': np.int64(2), 'repeat_threshold': np.float32(0.5)},
        {'seed': 2, 'repeat_threshold': 0.5},
    ),
    'ClassDistributionValidator': (
        ClassDistributionValidator,
        {'statistics': STATISTICS, 'label_feature': 'label'},
        {
            'max_split_distance': np.float32(0.5),
            'targets': {'train': {'a': np.float64(0.5), 'b': np.float32(0.5)}},
        },
        {'max_split_distance': 0.5, 'targets': {'train': {'a': 0.5, 'b': 0.5}}},
    ),
    'LeakageCheck': (
        LeakageCheck,
        {'examples': EXAMPLES},
        {'max_examples': np.int64(5), 'allow_duplicates': np.bool_(True)},
        {'max_examples': 5, 'allow_duplicates': True},
    ),
    'CrossValidationAggregate': (
        CrossValidationAggregate,
        {'evaluations': EVALUATIONS},
        {'thresholds': {'macro_recall': {'lower_bound': np.float32(0.75)}}},
        {'thresholds': {'macro_recall': {'lower_bound': 0.75}}},
    ),
}


@pytest.mark.parametrize('case', list(CASES))
def test_numpy_scalar_arguments_are_the_python_numbers_they_are(case):
    component, channels, numpy_args, python_args = CASES[case]
    with_numpy = component(**channels, **numpy_args).exec_properties
    assert with_numpy == component(**channels, **python_args).exec_properties
    assert all(type(v) in (str, int, float) for v in with_numpy.values() if v is not None)


def test_numpy_augmentation_options_are_written_as_python_numbers():
    augmenter = BalancedAugmenter(
        examples=EXAMPLES,
        label_feature='label',
        augmentation='smote',
        augmentation_options={'k': np.int64(3), 'exact_limit': np.int64(500)},
    )
    assert augmenter.exec_properties['augmentation_options'] == '{"k": 3, "exact_limit": 500}'
