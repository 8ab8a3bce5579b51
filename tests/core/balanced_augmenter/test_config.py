"""AugmentConfig (core/balanced_augmenter/config.py): checked once, and its exec-property form, losslessly."""

import json
import re

import numpy as np
import pytest

from tfx_balance.core.balanced_augmenter import AugmentConfig, BalancedAugment
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


def _mirror(features, rng):
    return features


def test_exec_properties_round_trip_every_argument():
    config = AugmentConfig(
        label_feature='y',
        target={b'\xff\xfe': 30, 'Cash': 2, 7: 0},
        undersample=True,
        augmentation='numeric',
        image_feature='img',
        seed=np.int64(9),
        provenance_feature='synthetic',
        source_feature='source',
        options={'noise_scale': 0.5},
        splits='train',
    ).validate()
    props = config.to_exec_properties()
    assert all(isinstance(v, (str, int)) for v in props.values() if v is not None)
    assert props[keys.TARGET_KEY] == '[[{"base64": "//4="}, 30], ["Cash", 2], [7, 0]]'
    assert (props[keys.SEED_KEY], props[keys.SPLITS_KEY]) == (9, '["train"]')
    assert type(props[keys.SEED_KEY]) is int
    assert AugmentConfig.from_exec_properties(props) == config
    assert config.splits == ('train',) and config.undersample is True


def test_from_exec_properties_loads_augment_fn_with_the_given_loader():
    config = AugmentConfig('label', module_file='/m/user.py').validate()
    props = config.to_exec_properties()
    assert props[keys.MODULE_FILE_KEY] == '/m/user.py'
    calls = []

    def load(module_file, module_path):
        calls.append((module_file, module_path))
        return _mirror

    loaded = AugmentConfig.from_exec_properties(props, load)
    assert calls == [('/m/user.py', None)]
    assert loaded.augment_fn is _mirror and loaded.augmentation_name == 'augment_fn'
    # Without a loader the module stays unloaded, and the transform says so.
    unloaded = AugmentConfig.from_exec_properties(props)
    with pytest.raises(ConfigError, match=r"module_file '/m/user.py' is not loaded"):
        BalancedAugment(lambda: None, config=unloaded)


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'target': -3}, 'cannot be negative'),
        ({'target': [[1, 2, 3]]}, r'target \[\[1, 2, 3\]\] is not a list of \(class, count\)'),
        ({'augmentation': 'mixup'}, "augmentation 'mixup' is not supported"),
        ({'augmentation': 'image', 'options': {'zoom': 2}}, 'unknown image augmentation option'),
        ({'augmentation': 'numeric', 'options': {'zoom': 2}}, "unknown 'numeric' option"),
        ({'options': [1]}, 'augmentation_options must be a dict'),
        ({'splits': []}, 'splits is empty; name at least one split'),
        ({'splits': ['train', '']}, 'splits must hold split names'),
        ({'seed': 'x'}, "seed must be an int, got 'x'"),
        ({'provenance_feature': 'label'}, 'partner_feature must be different names'),
        ({'partner_feature': 'is_synthetic'}, 'partner_feature must be different names'),
        ({'label_feature': ''}, 'label_feature must be a non-empty string'),
        ({'reservoir_size': 0}, 'reservoir_size must be >= 1'),
        ({'bucket_bits': 17}, 'bucket_bits must be 0 to 16, got 17'),
    ],
)
def test_every_bad_argument_is_a_config_error_naming_it(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        AugmentConfig(**{'label_feature': 'label', **kwargs}).validate()


@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf'), -0.5, '0.1', True])
@pytest.mark.parametrize(
    'augmentation, option',
    [
        ('numeric', 'noise_scale'),
        ('image', 'max_rotation_degrees'),
        ('image', 'max_shift_fraction'),
        ('image', 'brightness'),
        ('image', 'contrast'),
    ],
)
def test_non_finite_or_negative_option_is_a_config_error_naming_it(augmentation, option, value):
    config = AugmentConfig('label', augmentation=augmentation, options={option: value})
    with pytest.raises(ConfigError, match=rf"augmentation_options '{option}' must be a finite"):
        config.validate()
    assert_documented(config.validate)
    # NaN survives the JSON of the exec properties; the executor's decoding checks it too.
    props = AugmentConfig('label', augmentation=augmentation).validate().to_exec_properties()
    props[keys.AUGMENTATION_OPTIONS_KEY] = json.dumps({option: value})
    with pytest.raises(ConfigError, match=rf"augmentation_options '{option}' must be a finite"):
        AugmentConfig.from_exec_properties(props)


def test_finite_options_and_other_image_options_are_checked():
    options = {'noise_scale': np.float32(0.0)}
    assert AugmentConfig('label', augmentation='numeric', options=options).validate()
    image = {'brightness': 0, 'contrast': 0.5, 'flip': False, 'jpeg_quality': 80}
    assert AugmentConfig('label', augmentation='image', options=image).validate()
    for option, value, message in (
        ('flip', 'no', "'flip' must be True or False, got 'no'"),
        ('jpeg_quality', 101, "'jpeg_quality' must be an int 1 to 100, got 101"),
        ('jpeg_quality', 90.5, "'jpeg_quality' must be an int 1 to 100, got 90.5"),
    ):
        config = AugmentConfig('label', augmentation='image', options={option: value})
        with pytest.raises(ConfigError, match=message):
            config.validate()
        assert_documented(config.validate)


def assert_documented(call):
    """The error of ``call()`` has a row in docs/troubleshooting.md."""
    from tests.support.errors import documented_errors

    with pytest.raises(ConfigError) as info:
        call()
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


def test_bad_exec_properties_are_config_errors():
    props = AugmentConfig('label').validate().to_exec_properties()
    for key, value, message in (
        (keys.TARGET_KEY, '[[{"base64": "/w=="}, -1]]', r"target for class b'\\xff' is -1"),
        (keys.SPLITS_KEY, 'train', "exec property splits 'train' cannot be decoded"),
    ):
        with pytest.raises(ConfigError, match=message):
            AugmentConfig.from_exec_properties({**props, key: value})
    assert json.loads(props[keys.TARGET_KEY]) == 'max'


def test_transform_needs_exactly_one_source():
    with pytest.raises(ConfigError, match='exactly one of records_source and batches_source'):
        BalancedAugment(label_feature='label')


@pytest.mark.parametrize('augmentation', ['copy', 'interpolate'])
def test_options_of_an_augmentation_that_reads_none_are_a_config_error(augmentation):
    config = AugmentConfig('label', augmentation=augmentation, options={'noise_scale': 0.5})
    with pytest.raises(ConfigError, match=rf"augmentation='{augmentation}' takes no augmentation_"):
        config.validate()
    assert_documented(config.validate)
    assert AugmentConfig('label', augmentation=augmentation).validate()
