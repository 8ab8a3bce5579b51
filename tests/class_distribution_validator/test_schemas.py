"""The curated schemas in schemas/ parse and match the sample pipelines' data (no anomalies)."""

import os

import pytest
import tensorflow_data_validation as tfdv
import tfx

from tfx_balance.core import class_distribution_validator as cd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAXI_CSV = os.path.join(
    os.path.dirname(tfx.__file__), 'examples/chicago_taxi_pipeline/data/simple/data.csv'
)
TAXI_CLASSES = ['Cash', 'Credit Card', 'Dispute', 'No Charge', 'Pcard', 'Prcard', 'Unknown']


def _schema(name):
    return tfdv.load_schema_text(os.path.join(ROOT, 'schemas', f'{name}.pbtxt'))


def _no_anomalies(anomalies):
    return {k: v.description for k, v in anomalies.anomaly_info.items()}


@pytest.fixture(scope='module')
def digits_dir(tmp_path_factory):
    from pipelines.digits.dataset import write_imbalanced_digits

    path = str(tmp_path_factory.mktemp('digits'))
    write_imbalanced_digits(path)
    return path


def test_taxi_schema_matches_the_taxi_csv():
    schema = _schema('taxi')
    label = tfdv.get_feature(schema, 'payment_type')
    assert list(tfdv.get_domain(schema, 'payment_type').value) == TAXI_CLASSES
    assert label.drift_comparator.infinity_norm.threshold == 0.02
    stats = tfdv.generate_statistics_from_csv(TAXI_CSV)
    assert {'.'.join(f.path.step) for f in stats.datasets[0].features} == {
        f.name for f in schema.feature
    }
    assert _no_anomalies(tfdv.validate_statistics(stats, schema)) == {}
    classes, jsd = cd.schema_label_info(schema, 'payment_type')
    assert classes == [c.encode() for c in TAXI_CLASSES] and jsd == 0.01


def test_digits_schema_matches_the_digits_data_and_makes_the_label_exact(digits_dir):
    schema = _schema('digits')
    label = tfdv.get_feature(schema, 'label')
    assert label.int_domain.is_categorical and (label.int_domain.min, label.int_domain.max) == (
        0,
        9,
    )
    assert label.drift_comparator.infinity_norm.threshold == 0.02
    path = os.path.join(digits_dir, 'data.tfrecord.gz')
    stats = tfdv.generate_statistics_from_tfrecord(
        path, stats_options=tfdv.StatsOptions(schema=schema)
    )
    assert _no_anomalies(tfdv.validate_statistics(stats, schema)) == {}
    dist = cd.label_distribution(stats.datasets[0], 'label', 'train')
    assert dist.source == 'rank_histogram'
    assert dist.counts == {0: 178, 1: 151, 2: 122, 3: 105, 4: 86, 5: 72, 6: 59, 7: 49, 8: 39, 9: 34}
    assert cd.schema_label_info(schema, 'label') == (list(range(10)), 0.01)


def test_digits_schema_accepts_balanced_augmenter_provenance_features(tmp_path):
    import tensorflow as tf

    from pipelines.digits.dataset import write_imbalanced_digits

    write_imbalanced_digits(str(tmp_path / 'src'), max_per_class=20)
    records = list(
        tf.data.TFRecordDataset(
            str(tmp_path / 'src' / 'data.tfrecord.gz'), 'GZIP'
        ).as_numpy_iterator()
    )
    out = str(tmp_path / 'augmented.tfrecord')
    with tf.io.TFRecordWriter(out) as writer:
        for i, record in enumerate(records):
            example = tf.train.Example.FromString(record)
            synthetic = i % 3 == 0
            example.features.feature['is_synthetic'].int64_list.value.append(int(synthetic))
            if synthetic:
                example.features.feature['source_fingerprint'].bytes_list.value.append(b'abc123')
            writer.write(example.SerializeToString())
    schema = _schema('digits')
    stats = tfdv.generate_statistics_from_tfrecord(
        out, stats_options=tfdv.StatsOptions(schema=schema)
    )
    assert _no_anomalies(tfdv.validate_statistics(stats, schema)) == {}
