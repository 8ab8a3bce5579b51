"""Tests of tfx_balance.core.class_distribution_validator.counts on real TFDV statistics."""

import os

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
import tensorflow_data_validation as tfdv
import tfx
from google.protobuf.message import DecodeError
from tensorflow_metadata.proto.v0 import schema_pb2

from tfx_balance.core import class_distribution_validator as lc
from tfx_balance.core.common.errors import DataError

TAXI_CSV = os.path.join(
    os.path.dirname(tfx.__file__), 'examples/chicago_taxi_pipeline/data/simple/data.csv'
)


def _stats(df, **options):
    return tfdv.generate_statistics_from_dataframe(df, stats_options=tfdv.StatsOptions(**options))


def _dist(df, split, label='label', **options):
    return lc.label_distribution(_stats(df, **options).datasets[0], label, split)


def _tfrecord_stats(tmp_path, labels, name='data', **options):
    """Statistics TFDV computes from a TFRecord file of examples with these labels."""
    path = str(tmp_path / f'{name}.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for label in labels:
            example = tf.train.Example()
            feature = example.features.feature['label']
            if isinstance(label, bytes):
                feature.bytes_list.value.append(label)
            elif label is not None:
                feature.int64_list.value.append(label)
            example.features.feature['x'].float_list.value.append(1.0)
            writer.write(example.SerializeToString())
    return tfdv.generate_statistics_from_tfrecord(
        path, stats_options=tfdv.StatsOptions(**options)
    ).datasets[0]


@pytest.fixture(scope='module')
def taxi():
    return pd.read_csv(TAXI_CSV)[['payment_type', 'fare']]


def test_string_label_counts_are_exact(taxi):
    dist = _dist(taxi, 'train', 'payment_type')
    expected = taxi['payment_type'].value_counts().to_dict()
    assert dist.counts == {k.encode(): v for k, v in sorted(expected.items())}
    assert dist.counts[b'Prcard'] == 1 and dist.total == 15002
    assert dist.source == 'rank_histogram'


def test_truncated_string_statistics_are_an_error_not_a_guess(taxi):
    with pytest.raises(DataError, match=r"split 'train'.*14965 of its 15002 values.*cannot be"):
        _dist(taxi, 'train', 'payment_type', num_rank_histogram_buckets=3, num_top_values=3)


def test_int_label_marked_categorical_by_label_stats_options_is_exact():
    labels = np.array([0] * 5 + [3] * 2 + [9] * 4 + [12])
    df = pd.DataFrame({'label': labels, 'x': np.arange(12.0)})
    stats = tfdv.generate_statistics_from_dataframe(
        df, stats_options=lc.label_stats_options('label')
    )
    dist = lc.label_distribution(stats.datasets[0], 'label', 'eval')
    assert dist.counts == {0: 5, 3: 2, 9: 4, 12: 1}
    assert dist.source == 'rank_histogram'


def test_label_schema_written_as_text_marks_the_label_categorical(tmp_path):
    path = str(tmp_path / 'schema.pbtxt')
    tfdv.write_schema_text(lc.label_schema('label'), path)  # as ImportSchemaGen would read it
    schema = tfdv.load_schema_text(path)
    assert tfdv.get_feature(schema, 'label').int_domain.is_categorical
    stats = _tfrecord_stats(tmp_path, [7] * 3 + [40] * 5 + [41] * 2 + [99], schema=schema)
    assert lc.label_distribution(stats, 'label', 'train').counts == {7: 3, 40: 5, 41: 2, 99: 1}


@pytest.mark.parametrize(
    'counts',
    [{0: 7, 1: 3}, {1: 4, 2: 9}, {0: 1, 1: 5, 2: 2}, {0: 6, 1: 1, 2: 2, 3: 5}, {4: 3, 5: 3, 6: 1}],
)
def test_numeric_int_label_counts_are_solved_exactly_from_moments(counts):
    labels = np.repeat(list(counts), list(counts.values()))
    dist = _dist(pd.DataFrame({'label': labels}), 'train')
    assert dist.counts == counts
    assert dist.source == 'numeric_moments'


def test_numeric_int_label_with_many_classes_names_the_helpers_a_user_has():
    df = pd.DataFrame({'label': np.arange(100) % 10})
    with pytest.raises(DataError) as info:
        _dist(df, 'test')
    message = str(info.value)
    assert "split 'test'" in message and '0..9' in message
    assert "tfx_balance.label_stats_options('label')" in message
    assert "tfx_balance.label_schema('label')" in message
    assert 'schemas/' not in message  # not installed with the package


@pytest.mark.parametrize('base', [10**9, -(10**9)])
def test_large_int_labels_are_not_solved_from_float64_moments(base):
    # Counts {b: 2, b+1: 6, b+2: 2} and {b: 4, b+1: 2, b+2: 4} differ only in the variance,
    # which float64 cannot resolve next to mean**2 ~ 1e18: refuse rather than guess.
    labels = [base] * 2 + [base + 1] * 6 + [base + 2] * 2
    with pytest.raises(DataError, match='summarized as numeric.*label_stats_options'):
        _dist(pd.DataFrame({'label': np.array(labels, dtype=np.int64)}), 'train')
    exact = _dist(
        pd.DataFrame({'label': np.array(labels)}), 'train', schema=lc.label_schema('label')
    )
    assert exact.counts == {base: 2, base + 1: 6, base + 2: 2}


@pytest.mark.parametrize('sketch', [False, True])
def test_non_utf8_labels_are_refused_not_merged_into_one_class(tmp_path, sketch):
    labels = [b'\xff\x01'] * 50 + [b'\xfe\x02'] * 30 + [b'ok'] * 20
    stats = _tfrecord_stats(tmp_path, labels, use_sketch_based_topk_uniques=sketch)
    with pytest.raises(DataError) as info:
        lc.label_distribution(stats, 'label', 'train')
    message = str(info.value)
    assert "label_feature 'label' of split 'train' has 80 value(s) that are not valid UTF-8" in (
        message
    )
    assert '__BYTES_VALUE__' in message and 'cannot be told apart' in message
    assert 'hex-encode' in message


def test_long_labels_merged_by_sketch_based_top_k_are_refused(tmp_path):
    labels = [b'A' * 2000] * 3 + [b'A' * 1999 + b'B'] * 5 + [b'ok'] * 2
    exact = _tfrecord_stats(tmp_path, labels)
    assert lc.label_distribution(exact, 'label', 'eval').counts[b'A' * 2000] == 3
    sketch = _tfrecord_stats(tmp_path, labels, name='s', use_sketch_based_topk_uniques=True)
    with pytest.raises(DataError, match=r"split 'eval' has values longer than 1,024 bytes.*"):
        lc.label_distribution(sketch, 'label', 'eval')


@pytest.mark.parametrize('labels, missing', [([b'a'] * 4 + [None] * 3, 3), ([1, 2, None], 1)])
def test_examples_without_a_label_are_refused(tmp_path, labels, missing):
    options = {'schema': lc.label_schema('label')} if isinstance(labels[0], int) else {}
    stats = _tfrecord_stats(tmp_path, labels, **options)
    with pytest.raises(DataError, match=f"missing or empty in {missing} example.*split 'test'"):
        lc.label_distribution(stats, 'label', 'test')


def test_example_weights_do_not_change_the_counts(tmp_path):
    labels = [b'a'] * 6 + [b'b'] * 2
    stats = _tfrecord_stats(tmp_path, labels, weight_feature='x')
    assert stats.features  # weighted statistics were made
    assert lc.label_distribution(stats, 'label', 'train').counts == {b'a': 6, b'b': 2}


def test_statistics_list_as_statistics_gen_writes_it_is_accepted(taxi):
    stats_list = _stats(taxi.iloc[:100])
    dist = lc.label_distribution(stats_list, 'payment_type', 'train')
    assert dist.total == 100
    stats_list.datasets.add(name='slice')
    with pytest.raises(DataError, match="split 'train' hold 2 datasets"):
        lc.label_distribution(stats_list, 'payment_type', 'train')


def test_label_statistics_parses_only_the_label_and_keeps_every_count(taxi):
    stats_list = _stats(taxi)
    full = stats_list.datasets[0]
    full.features.add(name='named').string_stats.CopyFrom(full.features[0].string_stats)
    full.features.add().path.step.extend(['nested', 'label'])
    full.features.add().path.step.append('dotted.label')
    serialized = stats_list.SerializeToString()
    kept = lc.label_statistics(serialized, 'payment_type')
    only = kept.datasets[0]
    assert (only.name, only.num_examples) == (full.name, full.num_examples) == ('', 15002)
    assert list(only.features) == [full.features[0]]  # fare's numeric statistics not parsed
    assert full.features[0].path.step == ['payment_type']
    assert lc.label_distribution(kept, 'payment_type', 'train') == lc.label_distribution(
        stats_list, 'payment_type', 'train'
    )
    # a feature named by its name field, or by a path of several steps or of one dotted step
    assert list(lc.label_statistics(serialized, 'named').datasets[0].features) == [full.features[2]]
    for dotted, position in (('nested.label', 3), ('dotted.label', 4)):
        features = lc.label_statistics(serialized, dotted).datasets[0].features
        assert list(features) == [full.features[position]]
    # no such label: the bytes are parsed whole, so the error lists every feature
    with pytest.raises(DataError, match=r"'payment' not found.*features present: dotted.label, "):
        lc.label_distribution(lc.label_statistics(serialized, 'payment'), 'payment', 'train')


def test_label_statistics_of_bytes_that_are_no_statistics_raise_protobufs_error(taxi):
    serialized = _stats(taxi.iloc[:100]).SerializeToString()
    with pytest.raises(DecodeError):
        lc.label_statistics(serialized[:-3], 'payment_type')


def test_missing_label_names_split_and_features():
    df = pd.DataFrame({'fare': [1.0, 2.0], 'company': ['a', 'b']})
    with pytest.raises(DataError, match=r"'payment' not found.*split 'eval'.*company, fare"):
        _dist(df, 'eval', 'payment')


def test_float_label_is_rejected():
    with pytest.raises(DataError, match='float feature'):
        _dist(pd.DataFrame({'label': [0.5, 1.5]}), 'train')


def test_int_label_in_one_split_and_bytes_in_another_are_refused():
    dists = {
        'train': lc.LabelDistribution('train', {1: 3, 2: 1}, 'test'),
        'eval': lc.LabelDistribution('eval', {b'1': 2}, 'test'),
    }
    with pytest.raises(DataError, match=r"int64 in split\(s\) 'train' and bytes.*'eval'"):
        lc.check_label_types(dists, 'label')


def test_schema_label_info_reads_domain_and_jsd():
    schema = schema_pb2.Schema()
    f = schema.feature.add(name='label', type=schema_pb2.INT)
    f.int_domain.is_categorical = True
    f.int_domain.min, f.int_domain.max = 0, 3
    f.drift_comparator.jensen_shannon_divergence.threshold = 0.1
    assert lc.schema_label_info(schema, 'label') == ([0, 1, 2, 3], pytest.approx(0.1))
    assert lc.schema_label_info(schema, 'other') == ((), None)
    f.int_domain.max = 10**12
    with pytest.raises(DataError, match=r'spans 1000000000001 values \(0\.\.1000000000000\)'):
        lc.schema_label_info(schema, 'label')
