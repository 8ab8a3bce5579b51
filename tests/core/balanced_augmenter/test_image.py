"""Image augmentation (core/balanced_augmenter/image.py) and BalancedAugment(augmentation='image')."""

import collections

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from sklearn.datasets import load_digits
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import RECORDS, BalancedAugment
from tfx_balance.core.balanced_augmenter import image as image_augment
from tfx_balance.core.common.hashing import example_rng

_KEEP = [i for i in range(40) if i < 10 or load_digits().target[i] < 5]  # 5..9: one image each
DIGITS = np.clip(load_digits().images[_KEEP] * 16, 0, 255).astype(np.uint8)[..., None]
LABELS = load_digits().target[_KEEP]


def _rgb(i):
    rng = np.random.default_rng(i)
    return rng.integers(0, 256, size=(12, 10, 3), dtype=np.uint8)


def _params(n, seed=0):
    options = image_augment.ImageOptions()
    return [image_augment.draw_params(example_rng(seed, 'fp', i), options) for i in range(n)]


@pytest.mark.parametrize(
    'images, fmt',
    [(list(DIGITS[:6]), 'png'), ([_rgb(i) for i in range(5)], 'png'), ([_rgb(9)] * 3, 'jpeg')],
    ids=['gray-png', 'rgb-png', 'rgb-jpeg'],
)
def test_augment_keeps_shape_dtype_format_and_changes_pixels(images, fmt):
    encoded = [image_augment.encode(im, fmt) for im in images]
    out = image_augment.augment_images(encoded, _params(len(images)))
    assert out == image_augment.augment_images(encoded, _params(len(images)))  # deterministic
    for src, new in zip(encoded, out):
        assert image_augment.image_format(new) == fmt
        before, after = image_augment.decode(src), image_augment.decode(new)
        assert after.dtype == np.uint8 and after.shape == before.shape
        assert not np.array_equal(after, before)


def test_mixed_sizes_in_one_batch_each_keep_their_size():
    encoded = [
        image_augment.encode(DIGITS[0], 'png'),
        image_augment.encode(_rgb(1), 'jpeg'),
        image_augment.encode(DIGITS[1], 'png'),
    ]
    out = image_augment.augment_images(encoded, _params(3))
    shapes = [image_augment.decode(b).shape for b in out]
    assert shapes == [(8, 8, 1), (12, 10, 3), (8, 8, 1)]
    assert [image_augment.image_format(b) for b in out] == ['png', 'jpeg', 'png']


def test_flip_only_transform_mirrors_the_image():
    params = [dict(_params(1)[0], flip=True, angle=0.0, shift_x=0.0, shift_y=0.0)]
    params[0].update(brightness=0.0, contrast=1.0)
    out = image_augment.transform_batch(DIGITS[:1], params)
    np.testing.assert_array_equal(out[0], DIGITS[0][:, ::-1, :])


def _records(images=DIGITS, labels=LABELS):
    out = []
    for image, label in zip(images, labels):
        ex = example_pb2.Example()
        ex.features.feature['image'].bytes_list.value[:] = [image_augment.encode(image, 'png')]
        ex.features.feature['label'].int64_list.value[:] = [int(label)]
        out.append(ex.SerializeToString())
    return out


def test_image_augmentation_in_beam_balances_and_changes_images():
    records = _records()
    counts = collections.Counter(int(v) for v in LABELS)
    top = max(counts.values())

    def check(out):
        got = collections.Counter()
        changed = 0
        sources = {}
        from tfx_balance.core.common.hashing import example_keys, fingerprint

        for r, key in zip(records, example_keys(records)):
            sources[fingerprint(key)] = example_pb2.Example.FromString(r)
        for r in out:
            f = example_pb2.Example.FromString(r).features.feature
            label, synthetic = f['label'].int64_list.value[0], f['is_synthetic'].int64_list.value[0]
            got[label, synthetic] += 1
            if synthetic:
                src = sources[f['source_fingerprint'].bytes_list.value[0].decode()]
                before = tf.io.decode_png(src.features.feature['image'].bytes_list.value[0])
                after = tf.io.decode_png(f['image'].bytes_list.value[0])
                assert after.shape == before.shape == (8, 8, 1)
                changed += not np.array_equal(after.numpy(), before.numpy())
        return dict(got), changed

    expected = {(k, 0): n for k, n in counts.items()}
    expected.update({(k, 1): top - n for k, n in counts.items() if top > n})
    with beam.Pipeline() as p:
        out = p | BalancedAugment(
            lambda: beam.Create(records), label_feature='label', augmentation='image', seed=2
        )
        result = out[RECORDS] | beam.combiners.ToList() | beam.Map(check)
        generated = sum(top - n for n in counts.values())
        assert generated >= 10  # digits 5..9 have one image each
        assert_that(result, equal_to([(expected, generated)]))


def test_missing_image_feature_names_the_feature_and_example():
    with pytest.raises(Exception, match=r"image_feature 'pixels' is missing on source example "):
        with beam.Pipeline() as p:
            _ = p | BalancedAugment(
                lambda: beam.Create(_records()),
                label_feature='label',
                augmentation='image',
                image_feature='pixels',
            )


def test_undecodable_image_names_the_feature_and_example():
    records = _records()
    ex = example_pb2.Example.FromString(records[5])  # label 5: a minority class, gets copies
    ex.features.feature['image'].bytes_list.value[:] = [b'\x89PNG\r\n\x1a\n' + b'garbage']
    records[5] = ex.SerializeToString()
    with pytest.raises(
        Exception, match=r"image_feature 'image' on source example [0-9a-f]{16} .*could not be"
    ):
        with beam.Pipeline() as p:
            _ = p | BalancedAugment(
                lambda: beam.Create(records),
                label_feature='label',
                augmentation='image',
            )


@pytest.mark.parametrize(
    'kind, found',
    [
        ('float', 'a float feature with 1 value'),
        ('int64', 'an int64 feature with 2 values'),
        ('bytes', 'a bytes feature with 0 values'),
    ],
)
def test_image_feature_of_another_kind_says_what_it_holds(kind, found):
    records = _records()
    ex = example_pb2.Example.FromString(records[5])  # label 5: a minority class
    feature = ex.features.feature['image']
    if kind == 'float':
        feature.float_list.value[:] = [0.5]
    elif kind == 'int64':
        feature.int64_list.value[:] = [1, 2]
    else:
        feature.bytes_list.value[:] = []
    records[5] = ex.SerializeToString()
    message = (
        rf"image_feature 'image' is {found} on source example [0-9a-f]{{16}} of class '\d+' in "
        r'the input; it must be a bytes feature with one PNG or JPEG image\. Features present: '
        'image, label'
    )
    with pytest.raises(Exception, match=message):
        with beam.Pipeline() as p:
            _ = p | BalancedAugment(
                lambda: beam.Create(records), label_feature='label', augmentation='image'
            )
