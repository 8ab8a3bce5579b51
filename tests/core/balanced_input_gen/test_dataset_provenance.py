"""balanced_dataset keeps BalancedAugmenter's provenance features that SchemaGen deprecates.

Real data path: BalancedAugment ('copy') rebalances a 30/10/5 train split; TFDV computes the
statistics of train and of an un-augmented eval split and infers the schema from train and
updates it with eval, which is what SchemaGen does. Eval lacks the provenance features, so the
schema marks both ``DEPRECATED``.
"""

import collections
import os

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.core.balanced_input_gen.support import lay_out, read_file
from tests.support.examples import example, write_records
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_augmenter import BalancedAugment

TRAIN = {0: 30, 1: 10, 2: 5}  # rebalanced to 30 each: 0, 20 and 25 generated


@pytest.fixture(scope='module')
def augmented(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('provenance'))
    originals = [example(x=float(c * 100 + i), label=c) for c, n in TRAIN.items() for i in range(n)]
    evals = [example(x=float(i), label=c) for c, n in {0: 6, 1: 2, 2: 1}.items() for i in range(n)]
    train = os.path.join(root, 'stats', 'train.gz')
    with beam.Pipeline() as p:
        out = p | BalancedAugment(
            lambda: beam.Create(originals), label_feature='label', augmentation='copy', seed=1
        )
        _ = out['records'] | beam.io.WriteToTFRecord(
            train,
            shard_name_template='',
            compression_type=beam.io.filesystem.CompressionTypes.GZIP,
        )
    records = read_file(train)
    write_records(os.path.join(root, 'stats', 'eval.gz'), evals)
    schema = None
    for split in ('train', 'eval'):  # SchemaGen: infer from the first split, update with others
        stats = tfdv.generate_statistics_from_tfrecord(os.path.join(root, 'stats', f'{split}.gz'))
        schema = tfdv.infer_schema(stats) if schema is None else tfdv.update_schema(schema, stats)
    split_dir = lay_out(os.path.join(root, 'laid_out'), records)
    return os.path.join(split_dir, '*'), schema, records


def _feature(schema, name):
    return next(f for f in schema.feature if f.name == name)


def test_schemagen_deprecates_both_provenance_features(augmented):
    _, schema, records = augmented
    assert len(records) == 90
    for name in ('is_synthetic', 'source_fingerprint'):
        assert _feature(schema, name).lifecycle_stage == schema_pb2.DEPRECATED, name
    assert _feature(schema, 'x').lifecycle_stage != schema_pb2.DEPRECATED


def test_provenance_reaches_the_batches_with_the_inferred_schema(augmented):
    files, schema, _ = augmented
    ds = bi.balanced_dataset(files, 'label', batch_size=9, schema=schema, seed=2)
    synthetic, sources = collections.Counter(), collections.Counter()
    for features, labels in ds.take(10):  # 30 of each class: one pass over every class
        assert sorted(features) == ['is_synthetic', 'source_fingerprint', 'x']
        assert features['is_synthetic'].dtype == tf.int64 and features['is_synthetic'].shape == (
            9,
            1,
        )
        assert features['source_fingerprint'].shape == (9, 1)  # dense: b'' for originals
        flags = features['is_synthetic'].numpy().ravel()
        fps = features['source_fingerprint'].numpy().ravel()
        assert ((fps != b'') == (flags == 1)).all()
        assert all(len(fp) == 16 for fp in fps[flags == 1])
        for label, flag in zip(labels.numpy().ravel(), flags):
            synthetic[int(label)] += int(flag)
            sources[int(label)] += 1
    assert sources == {0: 30, 1: 30, 2: 30}
    assert synthetic == {0: 0, 1: 20, 2: 25}


def test_filtering_on_is_synthetic_keeps_only_originals(augmented):
    files, schema, _ = augmented
    ds = bi.balanced_dataset(files, 'label', batch_size=9, schema=schema, seed=2).unbatch()
    originals = ds.filter(lambda f, _: tf.equal(f['is_synthetic'][0], 0))
    labels = [int(label.numpy()[0]) for _, label in originals.take(45)]
    # Uniform draws, originals only: 30 of class 0, 10 of class 1, 5 of class 2 in 90 draws.
    assert collections.Counter(labels) == {0: 30, 1: 10, 2: 5}


def test_an_empty_provenance_list_parses_only_what_the_schema_keeps(augmented):
    files, schema, _ = augmented
    ds = bi.balanced_dataset(files, 'label', 9, schema=schema, provenance_features=())
    features, _ = next(iter(ds))
    assert sorted(features) == ['x']
    assert np.asarray(features['x']).shape == (9, 1)
