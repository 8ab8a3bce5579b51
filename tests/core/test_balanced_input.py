"""Per-class layout (Beam) and balanced_dataset (tf.data): exact batches, plans, errors."""

import collections
import json
import math
import os
from fractions import Fraction

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.support.examples import example, reordered, write_records
from tfx_balance.core import balanced_input as bi
from tfx_balance.core.balanced_input import streams
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.hashing import example_keys

COUNTS = {0: 40, 1: 16, 2: 4, 3: 2}  # K = 4, n = 62
SCHEMA = text_format.Parse(
    """
    feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
    feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
    """,
    schema_pb2.Schema(),
)


def make_records(counts=COUNTS):
    """Examples with a unique id ``x`` (class * 1000 + i) and an int label."""
    return [example(x=float(c * 1000 + i), label=c) for c, n in counts.items() for i in range(n)]


# Serialized once: protobuf may order map entries differently each time it serializes.
RECORDS = make_records()


def lay_out(root, records, split='train', label_feature='label', seed=0, per_shard=16):
    """Runs BalancedLayout and writes balance_plan.json the way the executor does."""
    split_dir = os.path.join(root, f'Split-{split}')
    plan_path = os.path.join(root, bi.PLAN_FILE)

    def write_plan(plans):
        with open(plan_path, 'w') as f:
            json.dump(bi.plans_to_json(plans), f)
        return [p.split for p in plans]

    with beam.Pipeline() as p:
        plan = (
            p
            | beam.Create(records, reshuffle=False)
            | bi.BalancedLayout(split_dir, split, label_feature, seed, per_shard)
        )
        written = plan | beam.combiners.ToList() | beam.Map(write_plan)
        assert_that(written, equal_to([[split]]))
    return split_dir


@pytest.fixture(scope='module')
def laid_out(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('laid_out'))
    lay_out(root, RECORDS)
    return os.path.join(root, 'Split-train', '*')


def batches(ds, n):
    return [(f['x'].numpy().ravel(), lab.numpy().ravel()) for f, lab in ds.take(n)]


def read_file(path):
    return [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type='GZIP')]


# ------------------------------------------------------------------ layout and plan


def test_layout_writes_one_shard_set_per_class_with_the_planned_names(laid_out):
    split_dir = os.path.dirname(laid_out)
    assert sorted(os.listdir(split_dir)) == [
        'class-00000-0-00000-of-00003.gz',
        'class-00000-0-00001-of-00003.gz',
        'class-00000-0-00002-of-00003.gz',
        'class-00001-1-00000-of-00001.gz',
        'class-00002-2-00000-of-00001.gz',
        'class-00003-3-00000-of-00001.gz',
    ]
    ((_, plan),) = bi.load_plans(laid_out)
    records = collections.Counter()
    for index, files in enumerate(plan.files):
        got = [r for f in files for r in read_file(os.path.join(split_dir, f))]
        assert collections.Counter(
            tf.train.Example.FromString(r).features.feature['label'].int64_list.value[0]
            for r in got
        ) == {index: COUNTS[index]}
        records.update(got)
    assert records == collections.Counter(RECORDS)


def test_plan_has_counts_class_weights_and_output_bias(laid_out):
    ((_, plan),) = bi.load_plans([laid_out])
    n, k = 62, 4
    assert plan.classes == ('0', '1', '2', '3')
    assert plan.counts == (40, 16, 4, 2)
    assert plan.class_weights == tuple(n / (k * c) for c in (40, 16, 4, 2))
    assert plan.class_weights == (0.3875, 0.96875, 3.875, 7.75)
    assert plan.output_bias == tuple(math.log(c / n) for c in (40, 16, 4, 2))
    assert plan.class_weight_dict() == {0: 0.3875, 1: 0.96875, 2: 3.875, 3: 7.75}
    assert (plan.split, plan.label_feature, plan.label_type, plan.seed) == (
        'train',
        'label',
        'int64',
        0,
    )
    with open(os.path.join(os.path.dirname(os.path.dirname(laid_out)), bi.PLAN_FILE)) as f:
        doc = json.load(f)
    assert doc['written_by'] == 'BalancedInputGen'
    assert doc['splits']['train']['classes'][3] == {
        'index': 3,
        'class': '3',
        'count': 2,
        'class_weight': 7.75,
        'output_bias': math.log(2 / 62),
        'files': ['class-00003-3-00000-of-00001.gz'],
    }
    assert bi.LayoutPlan.from_json('train', plan.to_json()) == plan


def test_layout_files_are_identical_for_any_input_order(tmp_path, laid_out):
    split_dir = lay_out(str(tmp_path), list(reversed(RECORDS)))
    for name in os.listdir(split_dir):
        with open(os.path.join(split_dir, name), 'rb') as a:
            with open(os.path.join(os.path.dirname(laid_out), name), 'rb') as b:
                assert a.read() == b.read(), name


def test_layout_follows_the_content_not_the_feature_order_the_input_was_written_in(
    tmp_path, laid_out
):
    rng = np.random.default_rng(0)
    rewritten = [reordered(r, rng) for r in RECORDS]
    assert sum(a != b for a, b in zip(RECORDS, rewritten)) > len(RECORDS) // 3
    split_dir = lay_out(str(tmp_path), rewritten)
    names = sorted(os.listdir(split_dir))
    assert names == sorted(os.listdir(os.path.dirname(laid_out)))
    for name in names:  # the same examples, in the same order, in every file
        got = example_keys(read_file(os.path.join(split_dir, name)))
        want = example_keys(read_file(os.path.join(os.path.dirname(laid_out), name)))
        assert got == want, name


def test_string_classes_get_file_safe_names(tmp_path):
    records = [example(label=name, x=1.0) for name in ['Credit Card', 'a/b', 'Cash', 'Cash']]
    split_dir = lay_out(str(tmp_path), records, per_shard=100)
    assert sorted(os.listdir(split_dir)) == [
        'class-00000-Cash-00000-of-00001.gz',
        'class-00001-Credit_Card-00000-of-00001.gz',
        'class-00002-a_b-00000-of-00001.gz',
    ]
    ((_, plan),) = bi.load_plans(os.path.join(split_dir, '*'))
    assert (plan.classes, plan.counts, plan.label_type) == (
        ('Cash', 'Credit Card', 'a/b'),
        (2, 1, 1),
        'bytes',
    )


# ------------------------------------------------------------------ the schedule


@pytest.mark.parametrize(
    'weights, batch_size',
    [([1, 1, 1, 1], 8), ([1, 1, 1, 1], 10), ([1, 2, 3, 4, 5, 6, 7], 64), ([0.1, 0.3, 0.6], 7)],
)
def test_schedule_gives_floor_or_ceil_per_batch_and_exact_shares_per_period(weights, batch_size):
    exact = [Fraction(w).limit_denominator(1_000_000) for w in weights]
    shares = [w / sum(exact) for w in exact]
    schedule = bi.batch_schedule(shares, batch_size)
    quotas = [batch_size * s for s in shares]
    assert (schedule.sum(axis=1) == batch_size).all()
    for k, q in enumerate(quotas):
        assert set(schedule[:, k]) <= {math.floor(q), math.ceil(q)}
        assert schedule[:, k].sum() == q * len(schedule)
    assert np.bincount(bi.choice_sequence(schedule), minlength=len(shares)).tolist() == (
        schedule.sum(axis=0).tolist()
    )


# ------------------------------------------------------------------ balanced_dataset


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


def test_same_seed_gives_the_same_batches_and_another_seed_others(laid_out):
    def run(seed):
        ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=seed)
        return np.concatenate([x for x, _ in batches(ds, 40)])

    first = run(3)
    assert (first == run(3)).all()
    assert not (first == run(4)).all()
    assert sorted(first[:8] // 1000) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_every_example_of_a_class_is_seen_once_per_pass_before_any_repeat(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=0)
    stream = collections.defaultdict(list)
    for ids, labels in batches(ds, 60):  # 120 per class: 3 passes of class 0, 60 of class 3
        for i, c in zip(ids, labels):
            stream[c].append(int(i))
    for c, n in COUNTS.items():
        everything = sorted(c * 1000 + i for i in range(n))
        passes = [stream[c][p : p + n] for p in range(0, len(stream[c]) - n + 1, n)]
        assert len(passes) == 120 // n
        for one_pass in passes:
            assert sorted(one_pass) == everything, c
    # The shuffle is real: the passes over the minority class are not all in the same order.
    assert len({tuple(stream[2][p : p + 4]) for p in range(0, 120, 4)}) > 1


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


# ------------------------------------------------------------------ errors


def test_files_without_a_plan_name_balanced_input_gen(tmp_path):
    write_records(str(tmp_path / 'Split-train' / 'data.gz'), RECORDS)
    with pytest.raises(DataError, match='no balance plan found.*Add BalancedInputGen'):
        bi.balanced_dataset(str(tmp_path / 'Split-train' / '*'), 'label', 8, schema=SCHEMA)
    with pytest.raises(DataError, match='no balance plan found'):
        bi.steps_per_epoch([str(tmp_path / 'Split-train' / '*')], 8)


def test_a_split_that_was_passed_through_is_named(laid_out):
    eval_dir = os.path.join(os.path.dirname(os.path.dirname(laid_out)), 'Split-eval', '*')
    with pytest.raises(DataError, match="split 'eval'.*was not laid out.*laid-out splits: train"):
        bi.balanced_dataset(eval_dir, 'label', 8, schema=SCHEMA)


@pytest.mark.parametrize(
    'kwargs, error, fragment',
    [
        (
            {'weights': {0: 1, 9: 1}},
            ConfigError,
            r'weights name class 9.*classes present: 0, 1, 2, 3',
        ),
        ({'weights': {0: 0}}, ConfigError, 'at least one class a positive weight'),
        ({'weights': {0: -1}}, ConfigError, "weight of class '0' must be finite and >= 0"),
        ({'batch_size': 3}, ConfigError, r'batch_size 3 is smaller than the number of classes \(4'),
        ({'label_feature': 'other'}, ConfigError, "label_feature 'other' differs.*'label'"),
        ({'schema': None}, ConfigError, 'needs a schema'),
    ],
)
def test_bad_arguments_say_what_to_fix(laid_out, kwargs, error, fragment):
    args = {'label_feature': 'label', 'batch_size': 8, 'schema': SCHEMA, **kwargs}
    with pytest.raises(error, match=fragment):
        bi.balanced_dataset(laid_out, **args)


def test_weights_may_sample_fewer_classes_than_the_batch_size(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=2, schema=SCHEMA, weights={0: 1, 3: 1})
    for _, labels in batches(ds, 10):
        assert sorted(labels.tolist()) == [0, 3]


@pytest.mark.parametrize('weights, batch_size', [(None, 8), ({0: 1, 1: 1, 2: 2}, 7)])
def test_example_by_example_path_gives_the_same_batches(laid_out, monkeypatch, weights, batch_size):
    def run():
        ds = bi.balanced_dataset(
            laid_out, 'label', batch_size, schema=SCHEMA, weights=weights, seed=5
        )
        return np.concatenate([x for x, _ in batches(ds, 30)])

    vectorised = run()
    monkeypatch.setattr(streams, 'MAX_VECTOR_PERIOD', 0)  # long periods go example by example
    assert (run() == vectorised).all()


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
