"""ClassDistributionValidator under LocalDagRunner on real StatisticsGen output, in one run.

The pipeline holds every case (string and int labels):

- taxi ``payment_type`` (string) split by CsvExampleGen's hash (2:1): rare classes go missing
  from a split and ``targets={'train': 'uniform'}`` fails (recorded, fail_on_violation=False);
- imbalanced digits (int ``label``, statistics made with schemas/digits.pbtxt) through
  StratifiedSplitter: passes with fail_on_violation=True; its unbalanced train split fails
  'uniform'; rebalanced by BalancedAugmenter it passes ``targets={'train': 'uniform'}`` with
  ``compare_splits=[]``;
- a fail_on_violation=True check of the taxi hash split runs last: it raises, and the component
  placed downstream of it never runs.
"""

import glob
import json
import os
import shutil
import tempfile

import pytest
import tensorflow_data_validation as tfdv
from tensorflow_data_validation.utils import anomalies_util
from tensorflow_metadata.proto.v0 import anomalies_pb2

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAXI_CLASSES = ['Cash', 'Credit Card', 'Dispute', 'No Charge', 'Pcard', 'Prcard', 'Unknown']
DIGITS_COUNTS = {0: 60, 1: 50, 2: 41, 3: 34, 4: 28, 5: 24, 6: 20, 7: 16, 8: 14, 9: 11}


@pytest.fixture(scope='module')
def run():
    from tfx import v1 as tfx

    from pipelines.digits.dataset import write_imbalanced_digits
    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, ClassDistributionValidator, StratifiedSplitter

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='cdv_e2e_')
    digits_dir = os.path.join(root, 'digits_data')
    assert write_imbalanced_digits(digits_dir, max_per_class=60) == DIGITS_COUNTS

    taxi_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)
    taxi_stats = tfx.components.StatisticsGen(examples=taxi_gen.outputs['examples'])

    digits_gen = tfx.components.ImportExampleGen(input_base=digits_dir)
    digits_schema = tfx.components.ImportSchemaGen(
        schema_file=os.path.join(ROOT, 'schemas', 'digits.pbtxt')
    )
    digits_split = StratifiedSplitter(
        examples=digits_gen.outputs['examples'],
        label_feature='label',
        splits={'train': 2, 'eval': 1},
    ).with_id('digits_split')
    digits_balanced = BalancedAugmenter(
        examples=digits_split.outputs['examples'], label_feature='label', splits=['train']
    )
    digits_stats = tfx.components.StatisticsGen(
        examples=digits_split.outputs['examples'], schema=digits_schema.outputs['schema']
    ).with_id('digits_stats')
    balanced_stats = tfx.components.StatisticsGen(
        examples=digits_balanced.outputs['examples'], schema=digits_schema.outputs['schema']
    ).with_id('balanced_stats')

    def check(component_id, stats, label, **kwargs):
        return ClassDistributionValidator(
            statistics=stats.outputs['statistics'], label_feature=label, **kwargs
        ).with_id(component_id)

    checks = [
        check(
            'taxi_hash_check',
            taxi_stats,
            'payment_type',
            targets={'train': 'uniform'},
            fail_on_violation=False,
        ),
        check(
            'digits_stratified_check', digits_stats, 'label', schema=digits_schema.outputs['schema']
        ),
        check(
            'digits_unbalanced_check',
            digits_stats,
            'label',
            targets={'train': 'uniform'},
            fail_on_violation=False,
        ),
        # Train is balanced now and eval is not: train is checked against its target only.
        check(
            'digits_balanced_check',
            balanced_stats,
            'label',
            targets={'train': 'uniform'},
            compare_splits=[],
        ),
    ]
    failing = check('taxi_failing_check', taxi_stats, 'payment_type')
    for c in checks:
        failing.add_upstream_node(c)  # runs last, after every other check
    downstream = tfx.components.ImportSchemaGen(
        schema_file=os.path.join(ROOT, 'schemas', 'taxi.pbtxt')
    ).with_id('after_failing_check')
    downstream.add_upstream_node(failing)

    components = [
        taxi_gen,
        taxi_stats,
        digits_gen,
        digits_schema,
        digits_split,
        digits_balanced,
        digits_stats,
        balanced_stats,
        *checks,
        failing,
        downstream,
    ]
    # The failing check must stop the run: its error is kept for the tests.
    done = run_local('cdv-e2e', root, components, raises=Exception)
    yield done.pipeline_root, done.error
    shutil.rmtree(root, ignore_errors=True)


def _out(root, component_id):
    from tests.support.artifacts import latest_artifact_dir

    return latest_artifact_dir(root, component_id, 'anomalies')


def _summary(root, component_id):
    with open(os.path.join(_out(root, component_id), 'class_distribution.json')) as f:
        return json.load(f)


def _anomalies(root, component_id, split):
    path = os.path.join(_out(root, component_id), f'Split-{split}', 'SchemaDiff.pb')
    return anomalies_util.load_anomalies_binary(path)


def _kinds(summary):
    return [(f['kind'], f['classes']) for f in summary['findings']]


def test_hash_split_fails_with_the_missing_rare_classes_named(run):
    root, _ = run
    summary = _summary(root, 'taxi_hash_check')
    assert not summary['passed']
    counts = summary['counts']
    assert sorted(counts) == TAXI_CLASSES
    assert {c: v['train'] + v['eval'] for c, v in counts.items()}['Prcard'] == 1
    missing = sorted(c for c, v in counts.items() if 0 in v.values())
    assert missing == ['Pcard', 'Prcard']  # CsvExampleGen's hash split is deterministic
    found = [f for f in summary['findings'] if f['kind'] == 'missing_class']
    assert [f['classes'] for f in found] == [[c] for c in missing]
    for f in found:
        assert f"class '{f['classes'][0]}' of label 'payment_type'" in f['description']
    # The hash split put the one Prcard in eval; StratifiedSplitter's rule puts a 1-example class
    # in the largest split, train, so train lacking it is a violation, not a note.
    assert counts['Prcard'] == {'train': 0, 'eval': 1}
    prcard_fix = found[1]['fix']
    assert "StratifiedSplitter's rule puts it in the largest split(s) ('train' (1)" in prcard_fix
    assert summary['notes'] == []
    train_target = [f for f in summary['findings'] if f['kind'] == 'target_distance']
    assert [f['splits'] for f in train_target] == [['train']]
    assert train_target[0]['classes'][0] == 'Cash' and train_target[0]['threshold'] == 0.01

    for split in ('train', 'eval'):
        anomalies = _anomalies(root, 'taxi_hash_check', split)
        reasons = anomalies.anomaly_info['payment_type'].reason
        text = ' '.join(r.description for r in reasons)
        for c in missing:
            assert f"class '{c}'" in text
        assert anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION in [r.type for r in reasons]
    assert 'uniform' in ' '.join(
        r.description
        for r in _anomalies(root, 'taxi_hash_check', 'train').anomaly_info['payment_type'].reason
    )
    md = open(os.path.join(_out(root, 'taxi_hash_check'), 'class_distribution.md')).read()
    assert md.startswith('# Class distribution of `payment_type`: FAILED')


def test_anomalies_artifact_follows_example_validator_layout_and_blessing(run):
    from tfx.orchestration import metadata
    from tfx.types import artifact_utils

    root, _ = run
    out = _out(root, 'digits_stratified_check')
    assert sorted(os.listdir(out)) == [
        'Split-eval',
        'Split-train',
        'class_distribution.json',
        'class_distribution.md',
    ]
    assert os.listdir(os.path.join(out, 'Split-train')) == ['SchemaDiff.pb']
    config = metadata.sqlite_metadata_connection_config(
        os.path.join(os.path.dirname(root), 'metadata.db')
    )
    with metadata.Metadata(config) as m:
        by_uri = {a.uri: a for a in m.store.get_artifacts()}
    passed, failed = by_uri[out], by_uri[_out(root, 'taxi_hash_check')]
    assert artifact_utils.decode_split_names(passed.properties['split_names'].string_value) == [
        'train',
        'eval',
    ]
    blessed = passed.custom_properties['blessed'].struct_value
    assert dict(blessed) == {'train': 1.0, 'eval': 1.0}
    assert dict(failed.custom_properties['blessed'].struct_value) == {'train': 0.0, 'eval': 0.0}


def test_stratified_int_label_passes_with_fail_on_violation(run):
    root, _ = run
    summary = _summary(root, 'digits_stratified_check')
    assert summary['passed'] and summary['findings'] == []
    assert summary['sources'] == {'train': 'rank_histogram', 'eval': 'rank_histogram'}
    totals = {c: v['train'] + v['eval'] for c, v in summary['counts'].items()}
    assert totals == {str(k): v for k, v in DIGITS_COUNTS.items()}
    assert summary['split_distances'][0]['linf'] <= 0.02
    assert summary['split_distances'][0]['jensen_shannon_divergence'] is not None  # from schema
    anomalies = _anomalies(root, 'digits_stratified_check', 'eval')
    assert not anomalies.anomaly_info
    assert anomalies.drift_skew_info[0].drift_measurements[0].threshold == 0.02


def test_unbalanced_train_fails_uniform_and_balanced_augmenter_output_passes(run):
    root, _ = run
    unbalanced = _summary(root, 'digits_unbalanced_check')
    assert _kinds(unbalanced) == [('target_distance', ['0', '1', '9'])]
    assert 'BalancedAugmenter' in unbalanced['findings'][0]['fix']
    balanced = _summary(root, 'digits_balanced_check')
    assert balanced['passed']
    assert balanced['target_distances']['train']['linf'] == 0.0
    assert balanced['split_distances'] == []  # compare_splits=[]
    assert {c: v['train'] for c, v in balanced['counts'].items()} == {str(k): 40 for k in range(10)}


def test_fail_on_violation_stops_the_pipeline_with_a_message_saying_what_to_change(run):
    root, error = run
    assert error is not None
    message = str(error)
    assert 'ClassDistributionError' in repr(error) or 'ClassDistributionError' in message
    assert "class 'Prcard' of label 'payment_type'" in message
    assert 'use StratifiedSplitter' in message
    assert not glob.glob(os.path.join(root, 'after_failing_check', '*', '*', '*'))
    assert not glob.glob(os.path.join(root, 'taxi_failing_check', 'anomalies', '*', '*'))


def test_taxi_schema_matches_statistics_gen_output(run):
    from tfx.components.statistics_gen import stats_artifact_utils
    from tfx.types import artifact_utils, standard_artifacts

    from tests.support.artifacts import latest_artifact_dir

    root, _ = run
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = latest_artifact_dir(root, 'StatisticsGen', 'statistics')
    artifact.split_names = artifact_utils.encode_split_names(['train', 'eval'])
    schema = tfdv.load_schema_text(os.path.join(ROOT, 'schemas', 'taxi.pbtxt'))
    for split in ('train', 'eval'):
        stats = stats_artifact_utils.load_statistics(artifact, split).proto()
        anomalies = tfdv.validate_statistics(stats, schema)
        assert {k: v.description for k, v in anomalies.anomaly_info.items()} == {}
