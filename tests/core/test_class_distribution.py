"""Tests of tfx_balance.core.class_distribution on real TFDV statistics."""

import os

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
import tfx
from tensorflow_data_validation.utils import anomalies_util
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from tfx_balance.core import class_distribution as cd
from tfx_balance.core.errors import ConfigError, DataError

TAXI_CSV = os.path.join(
    os.path.dirname(tfx.__file__), 'examples/chicago_taxi_pipeline/data/simple/data.csv'
)


def _stats(df, **options):
    return tfdv.generate_statistics_from_dataframe(df, stats_options=tfdv.StatsOptions(**options))


def _dist(df, split, label='label', **options):
    return cd.label_distribution(_stats(df, **options).datasets[0], label, split)


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
        df, stats_options=cd.label_stats_options('label')
    )
    dist = cd.label_distribution(stats.datasets[0], 'label', 'eval')
    assert dist.counts == {0: 5, 3: 2, 9: 4, 12: 1}
    assert dist.source == 'rank_histogram'


@pytest.mark.parametrize(
    'counts',
    [{0: 7, 1: 3}, {1: 4, 2: 9}, {0: 1, 1: 5, 2: 2}, {0: 6, 1: 1, 2: 2, 3: 5}, {4: 3, 5: 3, 6: 1}],
)
def test_numeric_int_label_counts_are_solved_exactly_from_moments(counts):
    labels = np.repeat(list(counts), list(counts.values()))
    dist = _dist(pd.DataFrame({'label': labels}), 'train')
    assert dist.counts == counts
    assert dist.source == 'numeric_moments'


def test_numeric_int_label_with_many_classes_says_how_to_mark_it_categorical():
    df = pd.DataFrame({'label': np.arange(100) % 10})
    with pytest.raises(DataError, match=r"split 'test'.*0\.\.9.*label_stats_options\('label'\)"):
        _dist(df, 'test')


def test_tfdv_linf_pitfall_on_int_label_is_caught_by_our_check():
    # TFDV's own comparator reports 0 for a non-categorical int feature; ours measures it.
    a = pd.DataFrame({'label': np.array([0] * 50 + [1] * 50)})
    b = pd.DataFrame({'label': np.array([0] * 80 + [1] * 20)})
    sa, sb = tfdv.generate_statistics_from_dataframe(a), tfdv.generate_statistics_from_dataframe(b)
    schema = tfdv.infer_schema(sa)
    tfdv.get_feature(schema, 'label').drift_comparator.infinity_norm.threshold = 0.02
    tfdv_result = tfdv.validate_statistics(sb, schema, previous_statistics=sa)
    assert tfdv_result.drift_skew_info[0].drift_measurements[0].value == 0.0
    assert not tfdv_result.anomaly_info

    dists = {
        'train': cd.label_distribution(sa.datasets[0], 'label', 'train'),
        'eval': cd.label_distribution(sb.datasets[0], 'label', 'eval'),
    }
    report = cd.check_distributions(dists, 'label', max_split_distance=0.02)
    assert report.split_distances[('train', 'eval')]['linf'] == pytest.approx(0.3)
    assert [f.kind for f in report.findings] == [cd.SPLIT_DISTANCE]


def test_statistics_list_as_statistics_gen_writes_it_is_accepted(taxi):
    stats_list = _stats(taxi.iloc[:100])
    dist = cd.label_distribution(stats_list, 'payment_type', 'train')
    assert dist.total == 100
    stats_list.datasets.add(name='slice')
    with pytest.raises(DataError, match="split 'train' hold 2 datasets"):
        cd.label_distribution(stats_list, 'payment_type', 'train')


def test_missing_label_names_split_and_features():
    df = pd.DataFrame({'fare': [1.0, 2.0], 'company': ['a', 'b']})
    with pytest.raises(DataError, match=r"'payment' not found.*split 'eval'.*company, fare"):
        _dist(df, 'eval', 'payment')


def test_float_label_is_rejected():
    with pytest.raises(DataError, match='float feature'):
        _dist(pd.DataFrame({'label': [0.5, 1.5]}), 'train')


def _d(split, counts, source='test'):
    return cd.LabelDistribution(split, dict(counts), source)


def test_split_distance_is_tfdvs_and_names_largest_differences():
    dists = {
        'train': _d('train', {b'a': 60, b'b': 30, b'c': 10}),
        'eval': _d('eval', {b'a': 50, b'b': 30, b'c': 20}),
    }
    report = cd.check_distributions(dists, 'y', max_split_distance=0.05, jsd_threshold=0.5)
    values = report.split_distances[('train', 'eval')]
    assert values['linf'] == pytest.approx(0.1)
    assert values['top_classes'] == ['a', 'c']
    assert values['jensen_shannon_divergence'] > 0
    (finding,) = report.findings
    assert finding.kind == cd.SPLIT_DISTANCE and finding.splits == ('train', 'eval')
    assert finding.classes == ('a', 'c') and finding.threshold == 0.05
    assert "'train' and 'eval' is 0.1000, above max_split_distance 0.05" in finding.description
    assert 'StratifiedSplitter' in finding.fix and 'max_split_distance' in finding.fix
    passing = cd.check_distributions(dists, 'y', max_split_distance=0.1)
    assert passing.passed


def test_missing_classes_are_findings_of_their_own_by_name():
    dists = {
        'train': _d('train', {b'Cash': 60, b'Dispute': 3, b'Prcard': 1}),
        'eval': _d('eval', {b'Cash': 30, b'Dispute': 1}),
        'test': _d('test', {b'Cash': 30}),
    }
    report = cd.check_distributions(dists, 'payment_type', max_split_distance=1.0)
    missing = [f for f in report.findings if f.kind == cd.MISSING_CLASS]
    assert [f.classes for f in missing] == [('Dispute',), ('Prcard',)]
    assert "'Dispute' of label 'payment_type' is in split(s) 'train' (3), 'eval' (1)" in (
        missing[0].description
    )
    assert "missing from split(s) 'test'" in missing[0].description
    assert 'StratifiedSplitter' in missing[0].fix
    assert 'only 1 example(s) in total, fewer than the 3 splits' in missing[1].fix


def test_schema_domain_classes_missing_everywhere_are_reported():
    dists = {'train': _d('train', {0: 5, 1: 5})}
    report = cd.check_distributions(dists, 'label', expected_classes=[0, 1, 2])
    (finding,) = report.findings
    assert finding.classes == ('2',) and 'in the schema domain but missing' in finding.description


def test_uniform_and_custom_targets():
    balanced = _d('train', {0: 100, 1: 101, 2: 99})
    skewed = _d('eval', {0: 200, 1: 60, 2: 40})
    dists = {'train': balanced, 'eval': skewed}
    report = cd.check_distributions(
        dists,
        'label',
        max_split_distance=1.0,
        targets={'train': 'uniform', 'eval': 'uniform'},
        target_tolerance=0.01,
    )
    assert [(f.kind, f.splits) for f in report.findings] == [(cd.TARGET_DISTANCE, ('eval',))]
    assert report.target_distances['eval']['linf'] == pytest.approx(200 / 300 - 1 / 3)
    assert 'BalancedAugmenter' in report.findings[0].fix
    custom = cd.check_distributions(
        dists, 'label', max_split_distance=1.0, targets={'eval': {'0': 0.66, 1: 0.2, 2: 0.14}}
    )
    assert custom.passed
    with pytest.raises(DataError, match=r"class '7' is not in the data"):
        cd.check_distributions(dists, 'label', targets={'eval': {7: 1.0}})
    with pytest.raises(DataError, match=r"split\(s\) 'test'.*splits present: train, eval"):
        cd.check_distributions(dists, 'label', targets={'test': 'uniform'})


@pytest.mark.parametrize(
    'targets, message',
    [
        ({'train': 'balanced'}, "use 'uniform'"),
        ({'train': {'a': 0.5, 'b': 0.4}}, 'add up to 0.9'),
        ({'train': {'a': -0.5, 'b': 1.5}}, 'numbers >= 0'),
        ({'train': {}}, 'non-empty'),
        (['train'], 'must be a dict'),
    ],
)
def test_invalid_targets_are_config_errors(targets, message):
    with pytest.raises(ConfigError, match=message):
        cd.validate_targets(targets)


def test_anomalies_protos_per_split_round_trip(tmp_path):
    dists = {
        'train': _d('train', {b'a': 60, b'b': 40, b'x': 1}),
        'eval': _d('eval', {b'a': 40, b'b': 60}),
    }
    report = cd.check_distributions(
        dists, 'y', max_split_distance=0.02, targets={'train': 'uniform'}
    )
    train = report.anomalies('train')
    path = tmp_path / 'SchemaDiff.pb'
    path.write_bytes(train.SerializeToString())
    loaded = anomalies_util.load_anomalies_binary(str(path))
    info = loaded.anomaly_info['y']
    assert [r.type for r in info.reason] == [
        anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
        anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
        anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
    ]
    assert "class 'x'" in info.reason[0].description
    assert "splits 'train' and 'eval'" in info.reason[1].description
    assert (
        "split 'train' is" in info.reason[2].description and 'uniform' in info.reason[2].description
    )
    assert info.short_description == 'Multiple errors'
    eval_anomalies = report.anomalies('eval')
    assert len(eval_anomalies.anomaly_info['y'].reason) == 2  # no target on eval
    assert eval_anomalies.drift_skew_info[0].drift_measurements[0].threshold == 0.02
    assert loaded.baseline.feature[0].drift_comparator.infinity_norm.threshold == 0.02
    assert 'Per-class counts' in report.error_message()
    assert report.to_json()['counts']['x'] == {'train': 1, 'eval': 0}
    assert '| x | 1 (0.99%) | 0 (0.00%) |' in report.to_markdown()


def test_schema_label_info_reads_domain_and_jsd():
    schema = schema_pb2.Schema()
    f = schema.feature.add(name='label', type=schema_pb2.INT)
    f.int_domain.is_categorical = True
    f.int_domain.min, f.int_domain.max = 0, 3
    f.drift_comparator.jensen_shannon_divergence.threshold = 0.1
    assert cd.schema_label_info(schema, 'label') == ([0, 1, 2, 3], pytest.approx(0.1))
    assert cd.schema_label_info(schema, 'other') == ((), None)
