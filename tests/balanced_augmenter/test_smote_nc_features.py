"""SMOTE-NC's ``categorical_features`` checked against the data (issue 38, case 3), through
BalancedAugmenter's executor (a real Beam run): a float feature named there would be
interpolated into values no example has, and a misspelt name would silently turn SMOTE-NC into
plain SMOTE; both are now a DataError naming the feature and the split, before anything is
written. A right name still gives each synthetic example a category of its class."""

import collections
import os

from tensorflow.core.example import example_pb2
from tfx import types
from tfx.types import standard_artifacts

from tests.support.errors import assert_fails_cleanly
from tests.support.examples import example, make_examples_artifact
from tfx_balance.balanced_augmenter.component import BalancedAugmenter
from tfx_balance.balanced_augmenter.executor import Executor
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError


def _records():
    """Class 'big' 20 examples, 'small' 8: a float x, a float 'ratio' (0.5 or 1.5, a category
    stored as float), an int64 'color'."""
    return [
        example(
            label=label, x=[float(i), float(i % 3)], ratio=0.5 + i % 2, color=i % 3 + (label == 'small')
        )
        for label, n in (('big', 20), ('small', 8))
        for i in range(n)
    ]  # fmt: skip


def _run(tmp_path, names):
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': _records()})
    output = standard_artifacts.Examples()
    output.uri = str(tmp_path / 'out')
    os.makedirs(output.uri)
    component = BalancedAugmenter(
        examples=types.Channel(type=standard_artifacts.Examples),
        label_feature='label',
        augmentation='smote',
        augmentation_options={'k': 3, 'categorical_features': names},
        seed=2,
    )
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]},
        {keys.EXAMPLES_KEY: [output]},
        dict(component.exec_properties),
    )
    return output.uri


def test_a_float_feature_named_categorical_is_refused(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        DataError,
        r"split 'train': augmentation_options 'categorical_features' names float feature\(s\) "
        r"\['ratio'\], which SMOTE-NC would interpolate",
        'leave float features out of it, or store the categories as int64 or bytes upstream',
        lambda: _run(tmp_path, ['color', 'ratio']),
    )


def test_a_misspelt_categorical_feature_is_refused_listing_the_features(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        DataError,
        r"names feature\(s\) \['colr'\] that no example of it has \(features present: color, "
        r'label, ratio, x\)',
        r'fix the name\(s\); \[\] for none',
        lambda: _run(tmp_path, ['colr']),
    )


def test_a_named_int64_category_is_the_neighbours_and_floats_are_interpolated(tmp_path):
    from tests.support.artifacts import read_split

    out = _run(tmp_path, ['color'])
    synthetic = [
        example_pb2.Example.FromString(r).features.feature
        for r in read_split(out, 'train')
        if example_pb2.Example.FromString(r).features.feature['is_synthetic'].int64_list.value[0]
    ]
    assert len(synthetic) == 12  # 'small' brought from 8 to 20
    colors = collections.Counter(f['color'].int64_list.value[0] for f in synthetic)
    assert set(colors) <= {1, 2, 3}  # the colours of class 'small'
    ratios = [f['ratio'].float_list.value[0] for f in synthetic]
    assert all(0.5 <= r <= 1.5 for r in ratios)
    assert any(r not in (0.5, 1.5) for r in ratios)  # not categorical: interpolated
