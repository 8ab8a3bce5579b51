"""'smote' variant='borderline-1' (core/balanced_augmenter/borderline.py): the sources are exactly the
examples imbalanced-learn's BorderlineSMOTE finds in danger; counts exact, partners SMOTE's."""

import collections
import re

import numpy as np
import pytest
from imblearn.over_sampling import BorderlineSMOTE
from tensorflow.core.example import example_pb2

from tests.core.balanced_augmenter.test_smote import (
    _check_partners_and_segments,
    _originals,
    _runs,
    _sklearn_neighbours,
    _synthetic,
)
from tfx_balance.core.balanced_augmenter import AugmentConfig
from tfx_balance.core.balanced_augmenter.borderline import in_danger
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.hashing import example_keys, fingerprint


def _blobs():
    """Two overlapping 2-d blobs: class 0 (60 examples) around 0, class 1 (15) around 1.5."""
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(0.0, 1.0, (60, 2)), rng.normal(1.5, 1.0, (15, 2))])
    X = X.astype(np.float32).astype(np.float64)  # the values the examples hold
    y = np.array([0] * 60 + [1] * 15)
    records = []
    for x, label in zip(X, y):
        ex = example_pb2.Example()
        ex.features.feature['x'].float_list.value[:] = x.tolist()
        ex.features.feature['label'].int64_list.value[:] = [int(label)]
        records.append(ex.SerializeToString())
    return X, y, records


def test_borderline_sources_are_imbalanced_learns_examples_in_danger(tmp_path):
    X, y, records = _blobs()
    fps = [fingerprint(key) for key in example_keys(records)]
    sampler = BorderlineSMOTE(k_neighbors=3, m_neighbors=6, kind='borderline-1', random_state=0)
    sampler.fit_resample(X, y)
    danger = {fps[i] for i in sampler.in_danger_indices[1]}
    assert 2 <= len(danger) < 15  # the case tests a real restriction
    options = {'k': 3, 'variant': 'borderline-1', 'm': 6}
    out = _runs(tmp_path, {'b1': (records, dict(augmentation='smote', options=options, seed=2))})
    synthetic = _synthetic(out['b1'])
    assert len(synthetic) == 45 and len(out['b1']) == 120
    copies = collections.Counter(source for _, source, _ in synthetic)
    assert set(copies) == danger
    assert set(copies.values()) <= {45 // len(danger), -(-45 // len(danger))}
    originals = _originals(records)
    members = {
        fp: ex
        for fp, ex in originals.items()
        if ex.features.feature['label'].int64_list.value[0] == 1
    }
    _check_partners_and_segments(out['b1'], originals, _sklearn_neighbours(members, 3))


def test_danger_rule_and_variant_options():
    assert [in_danger(other, 6) for other in range(7)] == [False] * 3 + [True] * 3 + [False]
    for options, message in (
        ({'variant': 'adasyn'}, "'variant' must be None .* or 'borderline-1', got 'adasyn'"),
        ({'variant': 'borderline-1', 'm': 0}, "augmentation_options 'm' must be an int >= 1"),
    ):
        with pytest.raises(ConfigError, match=message):
            AugmentConfig('label', augmentation='smote', options=options).validate()


def test_a_grown_class_above_exact_limit_is_a_documented_data_error_for_borderline():
    from tests.support.errors import documented_errors
    from tfx_balance.core.balanced_augmenter.borderline import danger_sources
    from tfx_balance.core.balanced_augmenter.plan import AUGMENT, ClassRebalance
    from tfx_balance.core.balanced_augmenter.smote import SmoteOptions
    from tfx_balance.core.errors import DataError

    classes = {b'rare': ClassRebalance(b'rare', 20, 30, 30, AUGMENT)}
    options = SmoteOptions.from_dict({'variant': 'borderline-1', 'exact_limit': 10, 'k': 3})
    with pytest.raises(DataError) as info:
        danger_sources({b'rare': []}, classes, options, "split 'train'")
    message = str(info.value)
    assert "split 'train', class 'rare' has 20 examples" in message
    assert "Raise augmentation_options 'exact_limit' above 19" in message
    assert any(re.search(p, message) for p in documented_errors()), message
