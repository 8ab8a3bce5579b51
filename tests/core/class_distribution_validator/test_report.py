"""Tests of tfx_balance.core.class_distribution_validator.report: Anomalies protos, JSON and markdown."""

from tensorflow_data_validation.utils import anomalies_util
from tensorflow_metadata.proto.v0 import anomalies_pb2

from tfx_balance.core import class_distribution_validator as cd


def _d(split, counts, source='test'):
    return cd.LabelDistribution(split, dict(counts), source)


def test_anomalies_protos_per_split_round_trip(tmp_path):
    dists = {
        'train': _d('train', {b'a': 60, b'b': 40, b'x': 2}),
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
    assert report.to_json()['counts']['x'] == {'train': 2, 'eval': 0}
    assert '| x | 2 (1.96%) | 0 (0.00%) |' in report.to_markdown()


def test_markdown_of_a_passing_report_lists_counts_distances_and_no_findings():
    dists = {'train': _d('train', {0: 3, 1: 1}), 'eval': _d('eval', {0: 3, 1: 1})}
    markdown = cd.check_distributions(dists, 'label').to_markdown()
    assert markdown.startswith('# Class distribution of `label`: PASSED\n')
    assert (
        '| 0 | 3 (75.00%) | 3 (75.00%) |\n| 1 | 1 (25.00%) | 1 (25.00%) |\n| total | 4 | 4 |'
        in (markdown)
    )
    assert '| train vs eval | 0.0000 |  | 0 |' not in markdown  # no differing classes named
    assert '| train vs eval | 0.0000 |  |  |' in markdown
    assert markdown.endswith('## Findings\n\nNone: every check passed.\n')


def test_notes_are_in_the_json_and_markdown_but_not_in_the_anomalies():
    # 'x' has one example: the rule puts it in train (the larger split) only.
    dists = {
        'train': _d('train', {b'a': 60, b'b': 40, b'x': 1}),
        'eval': _d('eval', {b'a': 30, b'b': 20}),
    }
    report = cd.check_distributions(dists, 'y', max_split_distance=0.02)
    assert report.passed and [n.classes for n in report.notes] == [('x',)]
    summary = report.to_json()
    assert summary['passed'] is True and summary['findings'] == []
    assert [(n['kind'], n['classes'], n['splits']) for n in summary['notes']] == [
        ('unavoidable_missing_class', ['x'], ['eval'])
    ]
    markdown = report.to_markdown()
    assert markdown.startswith('# Class distribution of `y`: PASSED, 1 note(s)\n')
    assert '## Findings\n\nNone: every check passed.\n\n## Notes (not violations)\n\n' in markdown
    assert "- **unavoidable_missing_class** (eval): class 'x' of label 'y' has 1 example(s)" in (
        markdown
    )
    for split in dists:
        assert not report.anomalies(split).anomaly_info  # a note does not unbless a split
