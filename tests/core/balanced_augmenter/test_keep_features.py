"""keep_features: every synthetic example copies them from its source, whatever the augmentation."""

import re

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.errors import documented_errors
from tfx_balance.core.balanced_augmenter import RECORDS, AugmentConfig, BalancedAugment
from tfx_balance.core.common.errors import ConfigError


def _records():
    """Class 0: 30 examples, class 1: 6; floats 'x' (2 values), 'tips' and 'fare' distinct each."""
    rng = np.random.default_rng(0)
    records = []
    for label, count in ((0, 30), (1, 6)):
        for i in range(count):
            ex = example_pb2.Example()
            f = ex.features.feature
            f['x'].float_list.value[:] = rng.normal(size=2).tolist()
            f['tips'].float_list.value[:] = [float(100 * label + i)]
            f['fare'].float_list.value[:] = [float(1000 + 100 * label + i)]
            f['label'].int64_list.value[:] = [label]
            records.append(ex.SerializeToString())
    return records


def _jitter_all(features, rng):
    return {
        k: v + rng.normal(size=v.shape).astype(np.float32) if v.dtype == np.float32 else v
        for k, v in features.items()
    }


CASES = {
    'numeric': dict(augmentation='numeric'),
    'interpolate': dict(augmentation='interpolate'),
    'smote': dict(augmentation='smote', options={'k': 3}),
    'augment_fn': dict(augment_fn=_jitter_all),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_kept_features_are_the_sources_and_the_others_change(case, tmp_path):
    records = _records()
    with beam.Pipeline() as p:
        out = p | BalancedAugment(
            lambda: beam.Create(records),
            label_feature='label',
            target='max',
            keep_features=['tips', 'fare'],
            seed=0,
            **CASES[case],
        )
        _ = out[RECORDS] | beam.io.WriteToTFRecord(str(tmp_path / 'out'), shard_name_template='')
    examples = [
        example_pb2.Example.FromString(r.numpy())
        for r in tf.data.TFRecordDataset(str(tmp_path / 'out'))
    ]
    synthetic = [e for e in examples if e.features.feature['is_synthetic'].int64_list.value[0]]
    assert len(synthetic) == 24  # class 1 lifted from 6 to 30

    def values(name, among):
        return {tuple(e.features.feature[name].float_list.value) for e in among}

    originals = [
        example_pb2.Example.FromString(r)
        for r in records
        if example_pb2.Example.FromString(r).features.feature['label'].int64_list.value[0] == 1
    ]
    # Each synthetic example's (tips, fare) is one source's pair: copied together, unchanged.
    source_pairs = {
        (
            e.features.feature['tips'].float_list.value[0],
            e.features.feature['fare'].float_list.value[0],
        )
        for e in originals
    }
    for e in synthetic:
        f = e.features.feature
        assert (f['tips'].float_list.value[0], f['fare'].float_list.value[0]) in source_pairs
    assert not values('x', synthetic) <= values('x', originals)  # 'x' was augmented


def test_keep_features_that_cannot_be_kept_are_config_errors():
    with pytest.raises(ConfigError, match='keep_features must be a list of feature names'):
        AugmentConfig('label', augmentation='numeric', keep_features='tips').validate()
    with pytest.raises(ConfigError, match=r"keep_features names \['label'\]"):
        AugmentConfig('label', augmentation='numeric', keep_features=['label']).validate()
    with pytest.raises(ConfigError, match="keep_features names image_feature 'image'"):
        AugmentConfig('label', augmentation='image', keep_features=['image']).validate()
    with pytest.raises(ConfigError, match="'categorical_features' both name \\['zone'\\]"):
        AugmentConfig(
            'label',
            augmentation='smote',
            options={'categorical_features': ['zone']},
            keep_features=['zone'],
        ).validate()
    for keep in ('tips', ['label']):  # each message is a row of docs/troubleshooting.md
        with pytest.raises(ConfigError) as raised:
            AugmentConfig('label', augmentation='numeric', keep_features=keep).validate()
        assert any(re.search(p, str(raised.value)) for p in documented_errors())
    config = AugmentConfig('label', augmentation='numeric', keep_features=['tips', 'tips'])
    assert config.validate().keep_features == ('tips',)
