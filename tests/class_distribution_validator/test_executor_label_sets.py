"""ClassDistributionValidator's executor with multi_label on real artifacts, without a pipeline:
the errors of the examples path (each documented in docs/troubleshooting.md) leave no output."""

import os

from tensorflow_metadata.proto.v0 import statistics_pb2

from tests.core.class_distribution_validator.label_set_data import label_sets, records, statistics
from tests.support.errors import assert_fails_cleanly
from tests.support.examples import example, make_examples_artifact
from tfx_balance.class_distribution_validator.executor import Executor
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError

SETS = label_sets(20, {0: 16, 2: 6}, unlabeled=4)
GOOD = records(SETS, feature='hot', mode='multi_hot', width=3)


def _stats_artifact(tmp_path, splits):
    from tfx.types import artifact_utils, standard_artifacts

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / 'stats')
    stats.split_names = artifact_utils.encode_split_names(list(splits))
    for split, serialized in splits.items():
        result = statistics_pb2.DatasetFeatureStatisticsList()
        result.datasets.add().CopyFrom(statistics(tmp_path, split, serialized))
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:  # as StatisticsGen writes it
            f.write(result.SerializeToString())
    return stats


def _run(tmp_path, stats_splits, example_splits=None, mode='multi_hot', schema=None):
    from tfx.types import standard_artifacts

    inputs = {keys.STATISTICS_KEY: [_stats_artifact(tmp_path, stats_splits)]}
    if schema is not None:
        import tensorflow_data_validation as tfdv

        artifact = standard_artifacts.Schema()
        artifact.uri = str(tmp_path / 'schema')
        os.makedirs(artifact.uri)
        tfdv.write_schema_text(schema, os.path.join(artifact.uri, 'schema.pbtxt'))
        inputs[keys.SCHEMA_KEY] = [artifact]
    if example_splits is not None:
        examples = make_examples_artifact(str(tmp_path / 'examples'), example_splits)
        inputs[keys.INPUT_EXAMPLES_KEY] = [examples]
    out = standard_artifacts.ExampleAnomalies()
    out.uri = str(tmp_path / 'out')
    os.makedirs(out.uri)
    props = {
        keys.LABEL_FEATURE_KEY: 'hot',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.02,
        keys.TARGET_TOLERANCE_KEY: 0.01,
        keys.FAIL_ON_VIOLATION_KEY: 1,
        keys.MULTI_LABEL_KEY: mode,
    }
    Executor().Do(inputs, {keys.ANOMALIES_KEY: [out]}, props)
    return out


def test_multi_hot_counts_from_examples_pass_and_are_written(tmp_path):
    out = _run(tmp_path, {'train': GOOD, 'eval': GOOD}, {'train': GOOD, 'eval': GOOD})
    assert sorted(os.listdir(out.uri)) == [
        'Split-eval',
        'Split-train',
        'class_distribution.json',
        'class_distribution.md',
    ]
    assert out.get_json_value_custom_property('blessed') == {'train': 1, 'eval': 1}


def test_a_multi_hot_schema_domain_is_its_values_not_labels(tmp_path):
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    feature = schema.feature.add(name='hot', type=schema_pb2.INT)
    feature.int_domain.min, feature.int_domain.max = 0, 1
    feature.int_domain.is_categorical = True
    # Label 1 (position 1) is in no example: the domain 0..1 must not make it an expected label.
    out = _run(
        tmp_path, {'train': GOOD, 'eval': GOOD}, {'train': GOOD, 'eval': GOOD}, schema=schema
    )
    assert out.get_json_value_custom_property('blessed') == {'train': 1, 'eval': 1}


def test_multi_hot_without_examples_is_a_config_error(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        "multi_label='multi_hot' needs examples=",
        "examples=splitter.outputs\\['examples'\\]",
        lambda: _run(tmp_path, {'train': GOOD}),
    )


def test_examples_without_a_split_of_the_statistics_are_refused(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        DataError,
        "the examples given to ClassDistributionValidator lack split\\(s\\) 'eval'",
        'Pass the Examples the statistics were computed from',
        lambda: _run(tmp_path, {'train': GOOD, 'eval': GOOD}, {'train': GOOD}),
    )


def test_examples_of_other_data_than_the_statistics_are_refused(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        DataError,
        "split 'train' has 19 examples in the examples given .* but 20 in its statistics",
        'Pass the Examples the statistics were computed from',
        lambda: _run(tmp_path, {'train': GOOD}, {'train': GOOD[:-1]}),
    )


def test_a_bad_vector_fails_the_beam_job_with_our_error_alone(tmp_path):
    bad = GOOD[:-1] + [example(hot=[0, 1])]
    assert_fails_cleanly(
        tmp_path,
        DataError,
        r"label_feature 'hot' \(multi_label='multi_hot'\) in split 'train' has vectors of "
        'different lengths: example .* has 2 values and example .* has 3',
        'pad or fix the vectors upstream',
        lambda: _run(tmp_path, {'train': GOOD}, {'train': bad}),
    )
