"""ClassDistributionValidator's executor on a window of statistics artifacts (a Resolver's rolling
window of spans) and a baseline: counts pooled by split name, each span's statistics read as
StatisticsGen wrote them. Real TFDV statistics in StatisticsGen's layout; no pipeline run.
"""

import json
import os

import pytest

from tfx_balance.class_distribution_validator.executor import Executor
from tfx_balance.core.class_distribution_validator import ClassDistributionError
from tfx_balance.core.common import keys


def _statistics(root, span, counts):
    """An ExampleStatistics artifact of ``{split: {class: count}}``, as StatisticsGen writes it."""
    import pandas as pd
    import tensorflow_data_validation as tfdv
    from tfx.types import artifact_utils, standard_artifacts

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = os.path.join(root, f'span-{span}')
    stats.span = span
    stats.split_names = artifact_utils.encode_split_names(list(counts))
    for split, by_class in counts.items():
        labels = [c for c, n in by_class.items() for _ in range(n)]
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:
            frame = pd.DataFrame({'label': labels})
            f.write(tfdv.generate_statistics_from_dataframe(frame).SerializeToString())
    return stats


def _run(tmp_path, window, baseline, **props):
    from tfx.types import standard_artifacts

    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / 'out')
    os.makedirs(anomalies.uri)
    exec_properties = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.05,
        keys.TARGETS_KEY: None,
        keys.TARGET_TOLERANCE_KEY: 0.01,
        keys.FAIL_ON_VIOLATION_KEY: 1,
        'max_drift_distance': 0.02,
        'max_drift_divergence': None,
        **props,
    }
    inputs = {keys.STATISTICS_KEY: window, keys.BASELINE_STATISTICS_KEY: baseline}
    Executor().Do(inputs, {keys.ANOMALIES_KEY: [anomalies]}, exec_properties)
    with open(os.path.join(anomalies.uri, keys.CLASS_DISTRIBUTION_JSON_FILE)) as f:
        return json.load(f), anomalies


def test_a_window_of_spans_is_pooled_by_split_and_compared_with_the_baseline(tmp_path, caplog):
    import logging

    root = str(tmp_path / 'stats')
    window = [
        _statistics(root, 2, {'train': {'ok': 95, 'fraud': 5}, 'eval': {'ok': 19, 'fraud': 1}}),
        _statistics(root, 3, {'train': {'ok': 93, 'fraud': 7}, 'eval': {'ok': 18, 'fraud': 2}}),
    ]
    baseline = [_statistics(root, 1, {'train': {'ok': 94, 'fraud': 6}})]
    with caplog.at_level(logging.WARNING):
        summary, anomalies = _run(tmp_path, window, baseline)
    assert summary['passed']
    assert summary['counts'] == {
        'fraud': {'train': 12, 'eval': 3},
        'ok': {'train': 188, 'eval': 37},
    }
    assert list(summary['baseline_drift']) == ['train']  # eval: no baseline split of its name
    # ... which the report says (issue 73), in the JSON and the markdown, not a violation
    ((note,),) = [[n for n in summary['notes'] if n['kind'] == 'split_not_compared']]
    assert note['splits'] == ['eval']
    assert note['description'] == (
        "split 'eval' was not compared with the baseline: the baseline statistics have no split "
        "'eval' (baseline splits: train), so its drift is not checked."
    )
    with open(os.path.join(anomalies.uri, keys.CLASS_DISTRIBUTION_MARKDOWN_FILE)) as f:
        assert f'- **split_not_compared** (eval): {note["description"]}' in f.read()
    assert summary['baseline_drift']['train']['classes']['fraud'] == {
        'baseline': 6,
        'baseline_share': 0.06,
        'current': 12,
        'current_share': 0.06,
        'difference': 0.0,
        'noise': 0.029086,  # sqrt(p (1 - p) (1/200 + 1/100)), p = 18/300 pooled
    }
    assert anomalies.span == 3  # the window's newest span


def test_an_empty_baseline_changes_nothing_and_a_drifted_window_fails(tmp_path):
    root = str(tmp_path / 'stats')
    window = [_statistics(root, 2, {'train': {'ok': 90, 'fraud': 10}})]
    summary, _ = _run(tmp_path / 'first', window, [])  # a first run: the Resolver found nothing
    assert summary['passed'] and 'baseline_drift' not in summary
    baseline = [_statistics(root, 1, {'train': {'ok': 95, 'fraud': 5}})]
    with pytest.raises(ClassDistributionError, match=r'\| fraud \| 0.0500 \(5\) \| 0.1000 \(10\)'):
        _run(tmp_path / 'second', window, baseline)
    # A threshold per split (a JSON exec property): train's own limit lets the run pass.
    summary, _ = _run(tmp_path / 'third', window, baseline, max_drift_distance='{"train": 0.06}')
    assert summary['passed']
    assert summary['baseline_drift']['train']['max_drift_distance'] == 0.06
