"""End to end under LocalDagRunner: ImportExampleGen -> StratifiedSplitter -> BalancedAugmenter.

One pipeline run on the imbalanced PNG digits dataset covers the 'image' augmentation (train
rebalanced to the largest class, eval/test passed through) and a user augment_fn from a module
file (undersampling to the mean).
"""

import collections
import glob
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from pipelines.digits import write_imbalanced_digits
from tfx_balance.core.common import keys
from tfx_balance.core.common.hashing import example_keys, fingerprint

TESTDATA = os.path.join(os.path.dirname(__file__), 'testdata')


def _records(uri, split):
    files = sorted(glob.glob(os.path.join(uri, f'Split-{split}', '*')))
    assert files, f'no files for split {split} under {uri}'
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(files, compression_type='GZIP')]


def _feature(record, name):
    f = example_pb2.Example.FromString(record).features.feature[name]
    kind = f.WhichOneof('kind')
    return getattr(f, kind).value[0] if kind else None


def _latest_uri(root, component_id):
    dirs = glob.glob(os.path.join(root, 'pipeline_root', component_id, 'examples', '*'))
    assert len(dirs) == 1, dirs
    return dirs[0]


def _strip_provenance(record):
    example = example_pb2.Example.FromString(record)
    synthetic = example.features.feature['is_synthetic'].int64_list.value[0]
    del example.features.feature['is_synthetic']
    source = None
    if 'source_fingerprint' in example.features.feature:
        source = example.features.feature['source_fingerprint'].bytes_list.value[0].decode()
        del example.features.feature['source_fingerprint']
    return synthetic, source, example


@pytest.mark.e2e
def test_digits_pipeline_balances_train_and_keeps_eval_test(tmp_path):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, StratifiedSplitter

    data_dir = str(tmp_path / 'data')
    write_imbalanced_digits(data_dir, max_per_class=40)
    root = str(tmp_path)
    example_gen = tfx.components.ImportExampleGen(input_base=data_dir)
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='label',
        splits={'train': 8, 'eval': 1, 'test': 1},
    )
    images = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature='label',
        target='max',
        augmentation='image',
        image_feature='image',
        augmentation_options={'flip': False},
        splits=['train'],
        seed=3,
    ).with_id('ImageAugmenter')
    user = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature='label',
        target='mean',
        undersample=True,
        module_file=os.path.join(TESTDATA, 'user_augment.py'),
        splits=['train'],
    ).with_id('UserAugmenter')
    run_local('balanced_augmenter_e2e', root, [example_gen, splitter, images, user])

    split_uri = _latest_uri(root, 'StratifiedSplitter')
    train_in = _records(split_uri, 'train')
    in_counts = collections.Counter(_feature(r, 'label') for r in train_in)
    by_fp = {fingerprint(key): r for r, key in zip(train_in, example_keys(train_in))}

    # Image augmenter: train exactly balanced to the largest class.
    image_uri = _latest_uri(root, 'ImageAugmenter')
    train_out = _records(image_uri, 'train')
    top = max(in_counts.values())
    out_counts = collections.Counter(_feature(r, 'label') for r in train_out)
    assert out_counts == {label: top for label in in_counts}
    synthetic = collections.Counter()
    originals = []
    for record in train_out:
        flag, source, example = _strip_provenance(record)
        label = example.features.feature['label'].int64_list.value[0]
        if flag:
            synthetic[label] += 1
            source_image = tf.io.decode_png(_feature(by_fp[source], 'image')).numpy()
            new_image = tf.io.decode_png(example.features.feature['image'].bytes_list.value[0])
            assert new_image.shape == source_image.shape == (8, 8, 1)
        else:
            assert source is None
            originals.append(example)
    assert synthetic == {label: top - n for label, n in in_counts.items() if top > n}
    # Originals unaltered apart from the provenance feature.
    assert sorted(e.SerializeToString(deterministic=True) for e in originals) == sorted(
        example_pb2.Example.FromString(r).SerializeToString(deterministic=True) for r in train_in
    )
    # eval/test passed through byte-for-byte.
    for split in ('eval', 'test'):
        for src in sorted(glob.glob(os.path.join(split_uri, f'Split-{split}', '*'))):
            dst = os.path.join(image_uri, f'Split-{split}', os.path.basename(src))
            with open(src, 'rb') as a, open(dst, 'rb') as b:
                assert a.read() == b.read()
        assert sorted(_records(image_uri, split)) == sorted(_records(split_uri, split))
    plan = tf.io.gfile.GFile(os.path.join(image_uri, keys.REBALANCE_PLAN_FILE)).read()
    assert '"generated"' in plan

    # User augment_fn: undersampled/augmented to the mean, synthetic = mirrored source.
    user_uri = _latest_uri(root, 'UserAugmenter')
    user_out = _records(user_uri, 'train')
    k = len(in_counts)
    mean = (2 * sum(in_counts.values()) + k) // (2 * k)
    assert collections.Counter(_feature(r, 'label') for r in user_out) == {
        label: mean for label in in_counts
    }
    n_synthetic = 0
    for record in user_out:
        flag, source, example = _strip_provenance(record)
        if flag:
            n_synthetic += 1
            source_image = tf.io.decode_png(_feature(by_fp[source], 'image')).numpy()
            new_image = tf.io.decode_png(example.features.feature['image'].bytes_list.value[0])
            np.testing.assert_array_equal(new_image.numpy(), source_image[:, ::-1, :])
    assert n_synthetic == sum(max(0, mean - n) for n in in_counts.values())
    assert sorted(_records(user_uri, 'eval')) == sorted(_records(split_uri, 'eval'))
