"""ClassDistributionValidator's executor with examples= from StratifiedSplitter: its
split_counts.json says the splits are the splitter's, so a difference its documented bound allows
is a note, not a violation, and no fix tells the user to split with StratifiedSplitter.

Real TFDV statistics of three splits in StatisticsGen's layout, and an Examples folder holding
the split_counts.json StratifiedSplitter writes for them; no pipeline run.
"""

import json
import os

import pytest

from tfx_balance.class_distribution_validator.executor import Executor
from tfx_balance.core.class_distribution_validator import ClassDistributionError
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError

SPLITS = ('train', 'eval', 'test')
# 5:3:2 of 100 examples as the rule splits them: 'fraud' (2 examples) goes to train and eval
# (exact shares 1.0, 0.6, 0.4), so eval and test differ by 1/30 in its share, above 0.02.
COUNTS = {
    'train': {'ok': 49, 'fraud': 1},
    'eval': {'ok': 29, 'fraud': 1},
    'test': {'ok': 20},
}


# 5:3:2 with group_feature: 92 users of one 'ok' example and 2 of 4 'fraud' examples. The rule
# gives fraud 4, 2, 2 (exact 4, 2.4, 1.6); whole groups make it 4, 4, 0.
GROUPED = {
    'train': {'ok': 46, 'fraud': 4},
    'eval': {'ok': 28, 'fraud': 4},
    'test': {'ok': 18},
}


def _run(tmp_path, split_counts=None, counts=COUNTS, examples_given=1):
    import pandas as pd
    import tensorflow_data_validation as tfdv
    from tfx.types import artifact_utils, standard_artifacts

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / 'stats')
    stats.split_names = artifact_utils.encode_split_names(list(SPLITS))
    for split in SPLITS:
        labels = [c for c, n in counts[split].items() for _ in range(n)]
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:  # as StatisticsGen writes it
            stats_proto = tfdv.generate_statistics_from_dataframe(pd.DataFrame({'label': labels}))
            f.write(stats_proto.SerializeToString())
    inputs = {keys.STATISTICS_KEY: [stats]}
    if split_counts is not None:
        examples = standard_artifacts.Examples()
        examples.uri = str(tmp_path / 'examples')
        examples.split_names = artifact_utils.encode_split_names(list(SPLITS))
        os.makedirs(examples.uri)
        with open(os.path.join(examples.uri, keys.SPLIT_COUNTS_FILE), 'w') as f:
            json.dump(split_counts, f)
        inputs[keys.INPUT_EXAMPLES_KEY] = [examples] * examples_given
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / 'out')
    os.makedirs(anomalies.uri)
    props = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.02,
        keys.TARGETS_KEY: None,
        keys.TARGET_TOLERANCE_KEY: 0.01,
        keys.FAIL_ON_VIOLATION_KEY: 1,
    }
    Executor().Do(inputs, {keys.ANOMALIES_KEY: [anomalies]}, props)
    with open(os.path.join(anomalies.uri, keys.CLASS_DISTRIBUTION_JSON_FILE)) as f:
        return json.load(f)


def _table(counts=COUNTS):
    """split_counts.json as StratifiedSplitter writes it: {class: {split: count}}."""
    classes = sorted({c for split in counts.values() for c in split})
    return {c: {s: counts[s].get(c, 0) for s in SPLITS} for c in classes}


def test_without_the_splitters_counts_the_rules_own_difference_is_a_violation(tmp_path):
    with pytest.raises(ClassDistributionError) as info:
        _run(tmp_path)
    message = str(info.value)
    assert "splits 'eval' and 'test' is 0.0333, above max_split_distance 0.02" in message
    assert 'if these splits were not made by StratifiedSplitter, split with it' in message
    assert 'pass its output as examples=' in message


def test_the_splitters_counts_make_a_difference_within_its_bound_a_note(tmp_path):
    summary = _run(tmp_path, _table())
    assert summary['passed'] and summary['findings'] == []
    notes = [(n['kind'], n['splits'], n['classes']) for n in summary['notes']]
    assert notes == [
        ('unavoidable_missing_class', ['test'], ['fraud']),
        ('within_splitter_bound', ['eval', 'test'], ['fraud', 'ok']),
    ]
    bound = summary['notes'][1]
    assert "'fraud' 0.0333 (bound 0.1000)" in bound['description']
    assert 'Not a violation.' in bound['description']


def test_counts_that_are_not_the_statistics_are_refused(tmp_path):
    table = _table()
    table['ok']['test'] = 21
    with pytest.raises(DataError, match="split 'test' of label 'label' has the counts"):
        _run(tmp_path, table)


def test_a_window_of_examples_with_one_statistics_artifact_is_refused_by_name(tmp_path):
    # issue 51: TFX alone said 'expected list length of one but got 2'
    from tfx_balance.core.common.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        _run(tmp_path, _table(), examples_given=2)
    assert str(info.value) == (
        'ClassDistributionValidator reads one Examples artifact, but examples holds 2 (a window '
        'of input 0, input 1, e.g. from a Resolver). Give examples= the one artifact the '
        'statistics were computed on (the same span).'
    )


def test_with_groups_the_largest_group_widens_the_bound(tmp_path):
    groups = {'group_feature': 'user', 'largest_group': {'fraud': 4, 'ok': 1}, 'mixed': {}}
    report = {'counts': _table(GROUPED), 'groups': groups}
    summary = _run(tmp_path / 'groups', report, GROUPED)
    assert summary['passed']
    assert [(n['kind'], n['splits'], n['classes']) for n in summary['notes']] == [
        ('unavoidable_missing_class', ['test'], ['fraud']),
        ('within_splitter_bound', ['train', 'eval'], ['fraud', 'ok']),
        ('within_splitter_bound', ['train', 'test'], ['fraud', 'ok']),
        ('within_splitter_bound', ['eval', 'test'], ['fraud', 'ok']),
    ]
    assert 'in groups of up to 4 (split_counts.json)' in summary['notes'][0]['description']

    # The same splits without the groups entry: test lacking fraud is beyond the rule, and the
    # fix does not say to split with StratifiedSplitter.
    with pytest.raises(ClassDistributionError) as info:
        _run(tmp_path / 'plain', _table(GROUPED), GROUPED)
    message = str(info.value)
    assert "class 'fraud' of label 'label' is in split(s) 'train' (4), 'eval' (4) but" in message
    assert "these splits are StratifiedSplitter's (split_counts.json of examples=)" in message
    assert 'not made by StratifiedSplitter' not in message


def test_with_groups_a_small_class_may_miss_a_split_the_sizes_alone_would_give_it(tmp_path):
    # Found on the periodic sample (taxi trips grouped by company): a company of 30 'ok' trips
    # made test larger than eval, so with the sizes as weights the rule gives the 2 'rare'
    # examples to train and test; the splitter's weights (5:3:2) gave them to train and eval.
    # With groups the sizes are that far off the weights, so the absence is within the bound.
    skewed = {'train': {'ok': 49, 'rare': 1}, 'eval': {'ok': 9, 'rare': 1}, 'test': {'ok': 40}}
    groups = {'group_feature': 'company', 'largest_group': {'ok': 30}, 'mixed': {}}
    summary = _run(tmp_path / 'groups', {'counts': _table(skewed), 'groups': groups}, skewed)
    assert summary['passed'] and summary['findings'] == []
    assert [(n['kind'], n['splits'], n['classes']) for n in summary['notes']][0] == (
        'unavoidable_missing_class',
        ['test'],
        ['rare'],
    )

    # Without groups the sizes are the weights' up to rounding: the same absence is a finding.
    with pytest.raises(ClassDistributionError, match="class 'rare' of label 'label' is in"):
        _run(tmp_path / 'plain', _table(skewed), skewed)


def _strata(cells):
    """split_counts.json with stratify_features=['site'], as StratifiedSplitter writes it from
    ``{(class, site): (train, eval, test)}``."""
    from tfx_balance.core.split.config import StratifiedSplitConfig
    from tfx_balance.core.split.report import strata_report
    from tfx_balance.core.split.stratify_features import Stratum

    config = StratifiedSplitConfig(
        'label', splits=[('train', 5), ('eval', 3), ('test', 2)], stratify_features=['site']
    ).validate()
    pairs = [
        ((i, Stratum(label.encode(), (site.encode(),))), n)
        for (label, site), row in cells.items()
        for i, n in enumerate(row)
    ]
    return {'counts': _table(), 'strata': strata_report(pairs, config)}


def test_the_splitters_strata_are_checked_and_a_value_beyond_the_bound_named(tmp_path):
    # COUNTS' classes by site, as the rule splits them: site a 52 examples, site b 48
    split = {('ok', 'a'): (25, 15, 10), ('ok', 'b'): (24, 14, 10), ('fraud', 'a'): (1, 1, 0)}
    summary = _run(tmp_path / 'rule', _strata(split))
    assert summary['passed']
    assert summary['strata']['values']['site']['a']['classes']['ok'] == {
        'train': 25,
        'eval': 15,
        'test': 10,
    }
    assert summary['strata']['largest_deviation']['site']['beyond_bound'] is False

    # The same class counts, but 10 of site a's 'ok' examples in train instead of eval.
    moved = {('ok', 'a'): (35, 5, 10), ('ok', 'b'): (14, 24, 10), ('fraud', 'a'): (1, 1, 0)}
    with pytest.raises(ClassDistributionError) as info:
        _run(tmp_path / 'moved', _strata(moved))
    message = str(info.value)
    assert (
        "the class mix of site='a' (52 examples) in split 'eval' is 0.1282 (L-infinity) away "
        "from its class mix over all splits, above max_split_distance 0.02: class 'ok' of label "
        "'label' has 5 of its 6 examples there." in message
    )
    # site b has one class: its mix is 100% 'ok' in every split, whatever its counts; site a's
    # train mix (35 'ok' of 36) is 0.0107 off, under the threshold
    assert 'failed with 1 finding(s)' in message and "site='b'" not in message
