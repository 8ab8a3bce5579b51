"""Tests of tfx_balance.core.class_distribution_validator.baseline: drift between spans.

Statistics are real TFDV statistics of small dataframes (two spans of a fraud label), and the
measures are compared with TFDV's own drift_comparator on the same statistics.
"""

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from tfx_balance.core import class_distribution_validator as cd
from tfx_balance.core.common.errors import ConfigError, DataError


def _stats(counts):
    labels = [name for name, n in counts.items() for _ in range(n)]
    return tfdv.generate_statistics_from_dataframe(pd.DataFrame({'label': labels}))


@pytest.fixture(scope='module')
def spans():
    """The issue's case: fraud 54 -> 101 per 1,000 (0.054 -> 0.101), and a quiet span."""
    return {
        'previous': _stats({'fraud': 54, 'ok': 946}),
        'doubled': _stats({'fraud': 101, 'ok': 899}),
        'quiet': _stats({'fraud': 58, 'ok': 942}),
        'new_class': _stats({'fraud': 54, 'ok': 945, 'chargeback': 1}),
    }


def _dist(stats, split='train'):
    return {split: cd.label_distribution(stats.datasets[0], 'label', split)}


def _tfdv_drift(previous, current, linf=0.02, jsd=0.005):
    """TFDV's own drift_comparator on the same statistics: {measurement: value}."""
    schema = tfdv.infer_schema(previous)
    feature = tfdv.get_feature(schema, 'label')
    feature.drift_comparator.infinity_norm.threshold = linf
    feature.drift_comparator.jensen_shannon_divergence.threshold = jsd
    anomalies = tfdv.validate_statistics(current, schema, previous_statistics=previous)
    (info,) = anomalies.drift_skew_info
    names = {1: 'linf', 2: 'jensen_shannon_divergence'}  # DriftSkewInfo.Measurement.Type
    return {names[m.type]: m.value for m in info.drift_measurements}, anomalies


def test_a_doubled_minority_share_fails_with_tfdvs_measures_and_a_per_class_table(spans):
    config = cd.ValidatorConfig('label', max_drift_divergence=0.005).validate()
    report = cd.run_checks(_dist(spans['doubled']), config, baseline=_dist(spans['previous']))
    tfdv_values, tfdv_anomalies = _tfdv_drift(spans['previous'], spans['doubled'])
    drift = report.drift['train']
    assert drift['linf'] == pytest.approx(tfdv_values['linf'], abs=1e-12)
    assert drift['linf'] == pytest.approx(0.047)
    assert drift['jensen_shannon_divergence'] == pytest.approx(
        tfdv_values['jensen_shannon_divergence'], abs=1e-12
    )
    assert drift['jensen_shannon_divergence'] == pytest.approx(0.0056539, abs=1e-7)
    assert 'label' in tfdv_anomalies.anomaly_info  # TFDV flags it too
    assert drift['classes'] == {
        'fraud': {
            'baseline': 54,
            'baseline_share': 0.054,
            'current': 101,
            'current_share': 0.101,
            'difference': 0.047,
            'noise': 0.011958,  # sqrt(p (1 - p) (1/1000 + 1/1000)), p = 155/2000 pooled
        },
        'ok': {
            'baseline': 946,
            'baseline_share': 0.946,
            'current': 899,
            'current_share': 0.899,
            'difference': -0.047,
            'noise': 0.011958,
        },
    }
    assert [(f.kind, f.splits, f.classes) for f in report.findings] == [
        (cd.DRIFT_DISTANCE, ('train',), ('fraud', 'ok')),
        (cd.DRIFT_DIVERGENCE, ('train',), ('fraud', 'ok')),
    ]
    distance = report.findings[0]
    assert (
        "the L-infinity distance between the 'label' class shares of split 'train' and the "
        'baseline (the same split of the baseline statistics) is 0.0470, above '
        "max_drift_distance 0.02; largest share changes: 'fraud' 0.0540 -> 0.1010"
    ) in distance.description
    assert 'raise max_drift_distance above 0.0470' in distance.fix
    message = report.error_message()
    assert (
        '| class | baseline share (count) | current share (count) | difference | noise |'
    ) in message
    assert '| fraud | 0.0540 (54) | 0.1010 (101) | +0.0470 | 0.0120 |' in message
    assert '| ok | 0.9460 (946) | 0.8990 (899) | -0.0470 | 0.0120 |' in message
    assert "Chance alone moves 'fraud' by 0.0120 here (one standard deviation" in distance.fix
    anomalies = report.anomalies('train')
    reasons = [r.short_description for r in anomalies.anomaly_info['label'].reason]
    assert reasons == [
        'High Linfty distance to the baseline',
        'High Jensen-Shannon divergence to the baseline',
    ]
    assert [m.value for m in anomalies.drift_skew_info[0].drift_measurements] == [
        drift['linf'],
        drift['jensen_shannon_divergence'],
    ]
    assert report.to_json()['baseline_drift']['train']['classes']['fraud']['current'] == 101


def test_a_span_within_the_thresholds_passes_and_no_baseline_changes_nothing(spans):
    config = cd.ValidatorConfig('label').validate()
    report = cd.run_checks(_dist(spans['quiet']), config, baseline=_dist(spans['previous']))
    assert report.passed and report.notes == []
    assert report.drift['train']['linf'] == pytest.approx(0.004)
    tfdv_values, tfdv_anomalies = _tfdv_drift(spans['previous'], spans['quiet'])
    assert report.drift['train']['linf'] == pytest.approx(tfdv_values['linf'], abs=1e-12)
    assert not tfdv_anomalies.anomaly_info
    assert '## Drift from the baseline' in report.to_markdown()

    without = cd.run_checks(_dist(spans['doubled']), config)
    assert without.passed and without.drift == {}
    assert 'baseline_drift' not in without.to_json()
    assert 'Drift' not in without.to_markdown()


def test_a_class_that_appears_or_vanishes_is_named(spans):
    config = cd.ValidatorConfig('label').validate()
    appeared = cd.run_checks(_dist(spans['new_class']), config, baseline=_dist(spans['previous']))
    assert appeared.passed  # one example of 1,000: within the thresholds, a note
    (note,) = appeared.notes
    assert note.kind == cd.CLASSES_CHANGED and note.classes == ('chargeback',)
    assert "appeared (not in the baseline): 'chargeback'" in note.description
    assert appeared.drift['train']['appeared'] == ['chargeback']
    assert '| chargeback (appeared) | 0.0000 (0) | 0.0010 (1) | +0.0010 |' in (
        appeared.to_markdown()
    )

    vanished = cd.run_checks(
        _dist(spans['previous']),
        cd.ValidatorConfig('label', max_drift_distance=0.0005).validate(),
        baseline=_dist(spans['new_class']),
    )
    (finding,) = vanished.findings
    assert finding.kind == cd.DRIFT_DISTANCE
    assert "Classes vanished (in the baseline only): 'chargeback'." in finding.description


def test_the_baseline_needs_a_split_in_common_and_one_label_per_example(spans):
    config = cd.ValidatorConfig('label').validate()
    with pytest.raises(DataError) as raised:
        cd.run_checks(
            _dist(spans['quiet']), config, baseline=_dist(spans['previous'], split='eval')
        )
    assert str(raised.value) == (
        "the baseline statistics have split(s) 'eval' and the statistics split(s) 'train': none "
        'in common, so no split can be compared with its baseline. Give baseline_statistics '
        'from the same pipeline step as statistics (the same splits, an earlier span).'
    )
    ids = cd.ValidatorConfig('label', multi_label='ids').validate()
    with pytest.raises(ConfigError, match="multi_label='ids' has per-label prevalences"):
        ids.check_baseline()


def test_a_split_only_one_side_has_is_named_in_a_note_and_a_warning(spans, caplog):
    """Issue 73: today's 'test' against a baseline without one is said, not skipped silently;
    so is a baseline split that today lacks. Neither fails the check."""
    import logging

    config = cd.ValidatorConfig('label').validate()
    today = {**_dist(spans['quiet']), **_dist(spans['quiet'], split='test')}
    before = {**_dist(spans['previous']), **_dist(spans['previous'], split='eval')}
    with caplog.at_level(logging.WARNING):
        report = cd.run_checks(today, config, baseline=before)
    assert report.passed and list(report.drift) == ['train']
    assert [(n.kind, n.splits) for n in report.notes] == [
        (cd.SPLIT_NOT_COMPARED, ('test',)),
        (cd.SPLIT_NOT_COMPARED, ('eval',)),
    ]
    test, eval_ = report.notes
    assert test.description == (
        "split 'test' was not compared with the baseline: the baseline statistics have no split "
        "'test' (baseline splits: train, eval), so its drift is not checked."
    )
    assert eval_.description == (
        "the baseline's split 'eval' was not compared: the statistics have no split 'eval' "
        '(splits: train, test).'
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f'ClassDistributionValidator: {n.description} {n.fix}' for n in report.notes
    ]
    assert report.to_json()['notes'][0]['kind'] == 'split_not_compared'
    assert f'- **split_not_compared** (test): {test.description} {test.fix}' in (
        report.to_markdown()
    )


@pytest.mark.parametrize(
    'arguments, message',
    [
        ({'max_drift_distance': -0.1}, 'max_drift_distance must be a number >= 0'),
        ({'max_drift_divergence': 2}, 'max_drift_divergence must be None .* between 0 and 1'),
        ({'max_drift_divergence': True}, 'max_drift_divergence must be None'),
    ],
)
def test_bad_drift_thresholds_are_config_errors(arguments, message):
    with pytest.raises(ConfigError, match=message):
        cd.ValidatorConfig('label', **arguments).validate()


def test_a_window_of_spans_pools_counts_by_split_name(spans):
    window = cd.pool([_dist(spans['previous']), _dist(spans['quiet'])])
    assert window['train'].counts == {b'fraud': 112, b'ok': 1888}
    assert window['train'].source == 'rank_histogram'


# --- thresholds per split ----------------------------------------------------------------------


def _two_splits(train, eval_):
    """``{'train': ..., 'eval': ...}`` LabelDistributions of ``{class: count}`` maps."""
    return {
        split: cd.LabelDistribution(split, {k.encode(): n for k, n in counts.items()}, 'top_values')
        for split, counts in (('train', train), ('eval', eval_))
    }


@pytest.fixture(scope='module')
def small_eval():
    """A large train split that doubles its fraud share (0.054 -> 0.101: 0.047) and a small eval
    split that moves by 0.038 (0.0476 -> 0.0857): 1.6 times its noise of 0.024."""
    previous = _two_splits({'fraud': 54, 'ok': 946}, {'fraud': 10, 'ok': 200})
    current = _two_splits({'fraud': 101, 'ok': 899}, {'fraud': 18, 'ok': 192})
    return previous, current


def test_a_threshold_per_split_holds_the_small_split_to_its_own_and_the_others_to_the_default(
    small_eval,
):
    previous, current = small_eval
    config = cd.ValidatorConfig('label', max_drift_distance={'eval': 0.1}).validate()
    report = cd.run_checks(current, config, baseline=previous)
    assert [(f.kind, f.splits, f.threshold) for f in report.findings] == [
        (cd.DRIFT_DISTANCE, ('train',), 0.02)  # train: not named, the default
    ]
    assert report.drift['eval']['linf'] == pytest.approx(0.038095, abs=1e-6)
    assert report.drift['eval']['max_drift_distance'] == 0.1
    assert report.drift['train']['max_drift_distance'] == 0.02
    assert report.drift['eval']['classes']['fraud']['noise'] == 0.024343
    # In eval's Anomalies: train vs eval at max_split_distance, then the baseline at its own.
    between, baseline = report.anomalies('eval').drift_skew_info
    assert [m.threshold for m in baseline.drift_measurements] == [pytest.approx(0.1)]
    assert "Split 'eval' against the baseline: L-infinity 0.0381 (max_drift_distance 0.1)" in (
        report.to_markdown()
    )
    at_one = cd.ValidatorConfig('label', max_drift_distance=0.02).validate()
    both = cd.run_checks(current, at_one, baseline=previous)
    assert [f.splits for f in both.findings] == [('train',), ('eval',)]  # one number: every split


def test_a_divergence_per_split_checks_only_the_splits_it_names(small_eval):
    previous, current = small_eval
    config = cd.ValidatorConfig(
        'label', max_drift_distance=1.0, max_drift_divergence={'train': 0.005}
    ).validate()
    report = cd.run_checks(current, config, baseline=previous)
    assert [(f.kind, f.splits) for f in report.findings] == [(cd.DRIFT_DIVERGENCE, ('train',))]
    assert report.drift['eval']['max_drift_divergence'] is None  # reported, not checked
    assert report.drift['eval']['jensen_shannon_divergence'] == pytest.approx(0.0042614, abs=1e-7)


def test_a_split_the_statistics_do_not_have_is_a_config_error_naming_the_splits(small_eval):
    previous, current = small_eval
    config = cd.ValidatorConfig('label', max_drift_distance={'eval': 0.1, 'tset': 0.05})
    for baseline in (previous, None):  # the first run (no baseline) fails the same way
        with pytest.raises(ConfigError) as info:
            cd.run_checks(current, config.validate(), baseline=baseline)
        assert str(info.value) == (
            "max_drift_distance name(s) split(s) 'tset' that the statistics do not have; splits "
            'present: train, eval. Name only splits of the statistics in max_drift_distance.'
        )
    divergence = cd.ValidatorConfig('label', max_drift_divergence={'test': 0.01}).validate()
    with pytest.raises(DataError, match="max_drift_divergence name\\(s\\) split\\(s\\) 'test'"):
        cd.run_checks(current, divergence, baseline=previous)  # a DataError too, as targets'


@pytest.mark.parametrize(
    'arguments, message',
    [
        ({'max_drift_distance': {'eval': -1}}, "max_drift_distance\\['eval'\\] must be a number"),
        ({'max_drift_distance': {}}, 'max_drift_distance must be a number or a non-empty dict'),
        ({'max_drift_distance': {1: 0.1}}, 'max_drift_distance keys must be split names, got 1'),
        ({'max_drift_distance': 'eval'}, 'max_drift_distance must be a number >= 0'),
        ({'max_drift_divergence': {'eval': 2}}, "max_drift_divergence\\['eval'\\] must be None"),
    ],
)
def test_bad_per_split_thresholds_are_config_errors(arguments, message):
    with pytest.raises(ConfigError, match=message):
        cd.ValidatorConfig('label', **arguments).validate()


def test_sampling_noise_and_the_suggested_thresholds_per_split():
    assert cd.sampling_noise(0.05, 210, 210) == pytest.approx(0.0212692, abs=1e-7)
    assert cd.sampling_noise(0.5, 100, 100) == pytest.approx(0.0707107, abs=1e-7)
    baseline = _two_splits({'fraud': 85, 'ok': 1615}, {'fraud': 10, 'ok': 200})
    baseline['test'] = cd.LabelDistribution('test', {b'a': 50, b'b': 100, b'c': 50}, 'top_values')
    # train: 4 x 0.007475 = 0.0299 -> 0.030; eval: 4 x 0.020800 = 0.0832 -> 0.084; test: the
    # noisiest class (b, 0.5) sets it: 4 x 0.05 = 0.2.
    assert cd.suggest_max_drift_distance(baseline) == {'train': 0.03, 'eval': 0.084, 'test': 0.2}
    assert cd.suggest_max_drift_distance(baseline, multiple=3)['train'] == 0.023
    large = {'train': cd.LabelDistribution('train', {b'a': 5_000, b'b': 95_000}, 'top_values')}
    assert cd.suggest_max_drift_distance(large) == {'train': 0.02}  # never below the default
    config = cd.ValidatorConfig(
        'label', max_drift_distance=cd.suggest_max_drift_distance(baseline)
    ).validate()
    assert config.drift_thresholds('eval') == (0.084, None)
