"""balanced_dataset and steps_per_epoch (core/balanced_input_gen/dataset.py): exact batches, parsing."""

import collections
import os
import re
import shutil

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.core.balanced_input_gen.support import (
    COUNTS,
    RECORDS,
    SCHEMA,
    batches,
    lay_out,
    read_file,
)
from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.errors import ConfigError, DataError


def test_uniform_batches_hold_exactly_b_over_k_of_each_class(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=0)
    for _, labels in batches(ds, 300):
        assert sorted(collections.Counter(labels.tolist()).items()) == [
            (0, 2),
            (1, 2),
            (2, 2),
            (3, 2),
        ]


def test_uniform_batches_when_k_does_not_divide_b_alternate_floor_and_ceil(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=10, schema=SCHEMA)
    got = [np.bincount(labels, minlength=4) for _, labels in batches(ds, 200)]
    for j, counts in enumerate(got):
        assert counts.sum() == 10 and set(counts) <= {2, 3}
        if j % 2:
            assert (got[j - 1] + counts).tolist() == [5, 5, 5, 5]


def test_weighted_batches_follow_the_weights_within_one(laid_out):
    # Shares 1/4, 1/4, 1/2 of 7 = 1.75, 1.75, 3.5 per batch; class 3 is left out (weight 0).
    ds = bi.balanced_dataset(
        laid_out, 'label', batch_size=7, schema=SCHEMA, weights={0: 1, '1': 1, b'2': 2}
    )
    got = np.array([np.bincount(labels, minlength=4) for _, labels in batches(ds, 200)])
    assert (got.sum(axis=1) == 7).all()
    assert set(got[:, 0]) == {1, 2} and set(got[:, 1]) == {1, 2} and set(got[:, 2]) == {3, 4}
    assert (got[:, 3] == 0).all()
    for period in got.reshape(50, 4, 4):  # the schedule repeats every 4 batches
        assert period.sum(axis=0).tolist() == [7, 7, 14, 0]


def test_weights_may_sample_fewer_classes_than_the_batch_size(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=2, schema=SCHEMA, weights={0: 1, 3: 1})
    for _, labels in batches(ds, 10):
        assert sorted(labels.tolist()) == [0, 3]


def test_steps_per_epoch_sees_the_largest_class_once(laid_out):
    assert bi.steps_per_epoch(laid_out, 8) == 20  # 40 examples of class 0, 2 per batch
    assert bi.steps_per_epoch(laid_out, 10) == 16  # 2.5 per batch: 3, 2, 3, 2, ...
    ((_, plan),) = bi.load_plans(laid_out)
    assert bi.steps_per_epoch(plan, 8) == 20
    weights = {0: 1, 1: 1, 2: 2}
    steps = bi.steps_per_epoch(laid_out, 7, weights=weights)
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=7, schema=SCHEMA, weights=weights)
    seen = np.cumsum([np.bincount(lab, minlength=4) for _, lab in batches(ds, 40)], axis=0)
    done = [j + 1 for j in range(40) if (seen[j, :3] >= [40, 16, 4]).all()]
    assert steps == done[0] == 23


@pytest.mark.parametrize(
    'kwargs, error, fragment',
    [
        (
            {'weights': {0: 1, 9: 1}},
            ConfigError,
            r'weights name class 9.*classes present: 0, 1, 2, 3',
        ),
        ({'weights': {0: 0}}, ConfigError, 'at least one class a positive weight'),
        ({'weights': {0: -1}}, ConfigError, "weight of class '0' must be a finite number >= 0"),
        ({'batch_size': 3}, ConfigError, r'batch_size 3 is smaller than the number of classes \(4'),
        ({'label_feature': 'other'}, ConfigError, "label_feature 'other' differs.*'label'"),
        ({'schema': None}, ConfigError, 'needs a schema'),
    ],
)
def test_bad_arguments_say_what_to_fix(laid_out, kwargs, error, fragment):
    args = {'label_feature': 'label', 'batch_size': 8, 'schema': SCHEMA, **kwargs}
    with pytest.raises(error, match=fragment):
        bi.balanced_dataset(laid_out, **args)


def test_sparse_features_are_parsed_batch_by_batch(laid_out):
    schema = text_format.Parse(
        """
        feature { name: "x" type: FLOAT }
        feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
        """,
        schema_pb2.Schema(),
    )
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=schema, seed=0)
    dense = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=0)
    for (features, labels), (want, want_labels) in zip(ds.take(20), dense.take(20)):
        assert isinstance(features['x'], tf.SparseTensor)
        assert (tf.sparse.to_dense(features['x']).numpy() == want['x'].numpy()).all()
        assert (labels.numpy() == want_labels.numpy()).all()


def test_raw_examples_through_a_tf_transform_output(tft_case):
    raw_files, _, tft_output = tft_case
    ds = bi.balanced_dataset(raw_files, 'label', batch_size=4, tf_transform_output=tft_output)
    features, labels = next(iter(ds))
    assert sorted(features) == ['x_scaled']
    assert sorted(labels.numpy().ravel().tolist()) == [0, 0, 1, 1]
    # x = 10 * label + i: the z-score of the 12 raw x values (mean 9.5 + 10/6, population std).
    raw_x = np.array([10.0 * c + i for c, n in {0: 8, 1: 4}.items() for i in range(n)])
    allowed = {round(float(v), 4) for v in (raw_x - raw_x.mean()) / raw_x.std()}
    assert {round(float(v), 4) for v in features['x_scaled'].numpy().ravel()} <= allowed


def test_transformed_examples_with_a_tf_transform_output(tft_case):
    _, transformed_files, tft_output = tft_case
    ds = bi.balanced_dataset(
        transformed_files, 'label', batch_size=4, tf_transform_output=tft_output, seed=1
    )
    for features, labels in ds.take(5):
        assert sorted(features) == ['x_scaled']
        assert features['x_scaled'].dtype == tf.float32
        assert sorted(labels.numpy().ravel().tolist()) == [0, 0, 1, 1]


@pytest.fixture(scope='module')
def tft_case(tmp_path_factory):
    """A real TFT graph (z-score of x), raw examples and transformed examples, both laid out."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io, schema_utils

    root = str(tmp_path_factory.mktemp('tft'))
    raw_spec = {
        'x': tf.io.FixedLenFeature([], tf.float32),
        'label': tf.io.FixedLenFeature([], tf.int64),
    }
    rows = [{'x': 10.0 * c + i, 'label': c} for c, n in {0: 8, 1: 4}.items() for i in range(n)]

    def preprocessing_fn(inputs):
        return {'x_scaled': tft.scale_to_z_score(inputs['x']), 'label': inputs['label']}

    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(raw_spec))
    with beam.Pipeline() as p, tft_beam.Context(temp_dir=os.path.join(root, 'tmp')):
        data = p | beam.Create(rows, reshuffle=False)
        (transformed, _), transform_fn = (
            data,
            metadata,
        ) | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn, output_record_batches=False)
        _ = transform_fn | tft_beam.WriteTransformFn(os.path.join(root, 'transform'))
        _ = (
            transformed
            | beam.Map(lambda r: example(x_scaled=float(r['x_scaled']), label=int(r['label'])))
            | beam.io.WriteToTFRecord(
                os.path.join(root, 'xf', 'part'),
                file_name_suffix='.gz',
                compression_type=beam.io.filesystem.CompressionTypes.GZIP,
            )
        )
    transformed_records = [
        r for f in tf.io.gfile.glob(os.path.join(root, 'xf', '*')) for r in read_file(f)
    ]
    raw_dir = lay_out(
        os.path.join(root, 'raw'), [example(x=r['x'], label=r['label']) for r in rows]
    )
    xf_dir = lay_out(os.path.join(root, 'transformed'), transformed_records)
    metadata_io.write_metadata(
        metadata, os.path.join(root, 'transform', tft.TFTransformOutput.RAW_METADATA_DIR)
    )
    output = tft.TFTransformOutput(os.path.join(root, 'transform'))
    return os.path.join(raw_dir, '*'), os.path.join(xf_dir, '*'), output


def _labels(ds, n):
    return np.stack([labels.numpy().ravel() for _, labels in ds.take(n)])


def test_a_weight_below_5e_7_is_drawn_at_its_rate(laid_out):
    # 4e-7 is 1/2,500,000 and 4e-4 is 1/2,500: class 0 has 1/1001 of the draws, 128 per
    # 1001 batches of 128. It used to become 0 and was never drawn (0 of 12,800).
    ds = bi.balanced_dataset(
        laid_out, 'label', batch_size=128, schema=SCHEMA, weights={0: 4e-7, 1: 4e-4}
    )
    got = _labels(ds, 1001)
    assert set(np.unique(got)) == {0, 1}
    assert (got == 0).sum(axis=1).max() == 1  # floor or ceil of 128 / 1001
    assert (got[:100] == 0).sum() == 13  # 12,800 draws: 12.79 expected
    assert (got == 0).sum() == 128  # the whole period: exactly 128 * 1001 / 1001


def test_weights_without_a_short_period_follow_the_rows_batch_by_batch(laid_out):
    # Class 3 gets 1/10001 of the draws: its first example comes in batch 2501 and its second in
    # batch 7501 (the schedule never repeats within 10,000 batches, and is not cut off there).
    weights = {0: 1, 3: 1e-4}
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=2, schema=SCHEMA, weights=weights)
    got = _labels(ds, 2600)
    assert set(np.unique(got)) == {0, 3}
    assert [j + 1 for j in np.nonzero((got == 3).any(axis=1))[0]] == [2501]
    assert bi.steps_per_epoch(laid_out, 2, weights=weights) == 7501


def test_inverse_frequency_weights_of_tiny_size_are_accepted(laid_out):
    weights = {c: 1 / (n * 1_000_000) for c, n in COUNTS.items()}  # all below 5e-7
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=9, schema=SCHEMA, weights=weights)
    # Shares 1/40 : 1/16 : 1/4 : 1/2 = 2 : 5 : 20 : 40 of 67, so 67 batches of 9 hold
    # 18, 45, 180 and 360 examples.
    got = _labels(ds, 67)
    assert [(got == c).sum() for c in range(4)] == [18, 45, 180, 360]


def test_a_deleted_class_file_is_named_when_the_dataset_is_built(tmp_path):
    from tests.support.errors import documented_errors

    split_dir = lay_out(str(tmp_path), RECORDS)
    ((_, plan),) = bi.load_plans(split_dir)
    gone = os.path.join(split_dir, plan.files[2][0])
    os.remove(gone)
    with pytest.raises(DataError) as info:
        bi.balanced_dataset(os.path.join(split_dir, '*'), 'label', batch_size=8, schema=SCHEMA)
    message = str(info.value)
    assert message.startswith(f"class '2' is missing file {gone}: 1 of its 1 files listed in ")
    assert f'{tmp_path}/{bi.PLAN_FILE}' in message and 'Re-run BalancedInputGen' in message
    assert any(re.search(p, message) for p in documented_errors()), message


def test_a_deleted_split_folder_is_named_when_the_dataset_is_built(tmp_path):
    split_dir = lay_out(str(tmp_path), RECORDS)
    shutil.rmtree(split_dir)  # balance_plan.json, beside it, is still there
    with pytest.raises(DataError, match=f"class '0' is missing file {split_dir}/class-"):
        bi.balanced_dataset(os.path.join(split_dir, '*'), 'label', batch_size=8, schema=SCHEMA)
