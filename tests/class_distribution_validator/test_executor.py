"""ClassDistributionValidator's executor on real TFDV statistics of three splits (StatisticsGen's
file layout, statistics computed by TFDV from data frames), without a pipeline run.

A class with fewer examples than splits, absent where StratifiedSplitter's rule puts none of it,
is a note and the check passes (with fail_on_violation=True); absent from the split the rule
would have put it in, it is a violation that stops the component.
"""

import json
import os

import pytest
from tensorflow_data_validation.utils import anomalies_util

from tfx_balance.class_distribution_validator.executor import SCHEMA_DIFF_FILE, Executor
from tfx_balance.core.class_distribution_validator import ClassDistributionError
from tfx_balance.core.common import keys

SPLITS = ('train', 'eval', 'test')
# 8:1:1 as StratifiedSplitter splits it: the one Prcard is in train only.
STRATIFIED = {
    'train': {'Cash': 80, 'Credit Card': 40, 'Prcard': 1},
    'eval': {'Cash': 10, 'Credit Card': 5},
    'test': {'Cash': 10, 'Credit Card': 5},
}
# The same data, the one Prcard in test: the rule puts a 1-example class in train.
MISPLACED = {
    'train': {'Cash': 80, 'Credit Card': 40},
    'eval': {'Cash': 10, 'Credit Card': 5},
    'test': {'Cash': 10, 'Credit Card': 5, 'Prcard': 1},
}


def _run(tmp_path, counts):
    import pandas as pd
    import tensorflow_data_validation as tfdv
    from tfx.types import artifact_utils, standard_artifacts

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / 'stats')
    stats.split_names = artifact_utils.encode_split_names(list(SPLITS))
    for split in SPLITS:
        labels = [c for c, n in counts[split].items() for _ in range(n)]
        df = pd.DataFrame({'payment_type': labels, 'fare': [float(i) for i in range(len(labels))]})
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:  # as StatisticsGen writes it
            f.write(tfdv.generate_statistics_from_dataframe(df).SerializeToString())
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / 'out')
    os.makedirs(anomalies.uri)
    props = {
        keys.LABEL_FEATURE_KEY: 'payment_type',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.02,
        keys.TARGETS_KEY: None,
        keys.TARGET_TOLERANCE_KEY: 0.01,
        keys.FAIL_ON_VIOLATION_KEY: 1,
    }
    Executor().Do({keys.STATISTICS_KEY: [stats]}, {keys.ANOMALIES_KEY: [anomalies]}, props)
    return anomalies


def test_a_class_absent_only_where_the_rule_puts_none_passes_with_a_note(tmp_path):
    out = _run(tmp_path, STRATIFIED)
    with open(os.path.join(out.uri, keys.CLASS_DISTRIBUTION_JSON_FILE)) as f:
        summary = json.load(f)
    assert summary['passed'] is True and summary['findings'] == []
    assert summary['counts']['Prcard'] == {'train': 1, 'eval': 0, 'test': 0}
    assert [(n['kind'], n['classes'], n['splits']) for n in summary['notes']] == [
        ('unavoidable_missing_class', ['Prcard'], ['eval', 'test'])
    ]
    assert out.get_json_value_custom_property('blessed') == {'train': 1, 'eval': 1, 'test': 1}
    for split in SPLITS:
        path = os.path.join(out.uri, f'Split-{split}', SCHEMA_DIFF_FILE)
        assert not anomalies_util.load_anomalies_binary(path).anomaly_info
    with open(os.path.join(out.uri, keys.CLASS_DISTRIBUTION_MARKDOWN_FILE)) as f:
        assert f.read().startswith('# Class distribution of `payment_type`: PASSED, 1 note(s)')


def test_a_class_absent_from_the_split_the_rule_puts_it_in_stops_the_component(tmp_path):
    with pytest.raises(ClassDistributionError) as info:
        _run(tmp_path, MISPLACED)
    message = str(info.value)
    assert (
        "class 'Prcard' of label 'payment_type' is in split(s) 'test' (1) but missing from "
        "split(s) 'train'."
    ) in message
    assert "StratifiedSplitter's rule puts it in the largest split(s) ('train' (1)" in message
    assert os.listdir(tmp_path / 'out') == []  # nothing written
