"""Tests of tfx_balance.core.class_distribution_validator.checks: findings, distances, and their fixes."""

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from tests.support.taxi import EXPECTED_SPLIT_COUNTS, SPLITS
from tfx_balance.core import class_distribution_validator as cd
from tfx_balance.core.common.errors import ConfigError, DataError


def _d(split, counts, source='test'):
    return cd.LabelDistribution(split, dict(counts), source)


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
    assert 'StratifiedSplitter' in finding.fix and 'max_split_distance above 0.1000' in finding.fix
    assert 'compare_splits' in finding.fix  # a rebalanced split is one cause
    passing = cd.check_distributions(dists, 'y', max_split_distance=0.1)
    assert passing.passed


def test_a_distance_just_above_the_threshold_is_printed_above_it():
    dists = {'a': _d('a', {b'x': 50002, b'y': 49998}), 'b': _d('b', {b'x': 1, b'y': 1})}
    (finding,) = cd.check_distributions(dists, 'y', max_split_distance=0.00001).findings
    assert 'is 0.00002, above max_split_distance 1e-05' in finding.description


def test_missing_classes_are_findings_of_their_own_by_name():
    dists = {
        'train': _d('train', {b'Cash': 60, b'Dispute': 3, b'Prcard': 1}),
        'eval': _d('eval', {b'Cash': 30, b'Dispute': 1}),
        'test': _d('test', {b'Cash': 30}),
    }
    report = cd.check_distributions(dists, 'payment_type', max_split_distance=1.0)
    missing = [f for f in report.findings if f.kind == cd.MISSING_CLASS]
    assert [f.classes for f in missing] == [('Dispute',)]
    assert "'Dispute' of label 'payment_type' is in split(s) 'train' (3), 'eval' (1)" in (
        missing[0].description
    )
    assert "missing from split(s) 'test'" in missing[0].description
    assert 'StratifiedSplitter' in missing[0].fix
    # Prcard (1 example, 3 splits) is where the splitter's rule puts it: a note, not a finding.
    assert [(n.kind, n.classes, n.splits) for n in report.notes] == [
        (cd.UNAVOIDABLE_MISSING_CLASS, ('Prcard',), ('eval', 'test'))
    ]


def test_a_class_the_rule_cannot_place_in_every_split_is_a_note_and_the_check_passes():
    # The taxi data as StratifiedSplitter splits it 8:1:1: Prcard (1 example) is in train only.
    dists = {
        s: _d(s, {c.encode(): n[s] for c, n in EXPECTED_SPLIT_COUNTS.items() if n[s]})
        for s in SPLITS
    }
    report = cd.check_distributions(dists, 'payment_type')
    assert report.passed and report.findings == []
    (note,) = report.notes
    assert note.kind == cd.UNAVOIDABLE_MISSING_CLASS
    assert note.classes == ('Prcard',) and note.splits == ('eval', 'test')
    assert note.description == (
        "class 'Prcard' of label 'payment_type' has 1 example(s), fewer than the 3 splits, so "
        "some split must lack it: it is in split(s) 'train' (1) and missing from split(s) "
        "'eval', 'test', to which StratifiedSplitter's rule (the split sizes as weights) gives "
        'none of it. Not a violation.'
    )
    assert 'collect at least 3 examples of it' in note.fix


def test_a_split_lacking_a_class_the_rule_would_place_there_is_still_a_violation():
    # A 2:1 hash split put the one Prcard in eval; the rule puts a 1-example class in the
    # largest split, train, so train could have had it.
    hashed = {
        'train': _d('train', {b'Cash': 9998, b'Pcard': 2}),
        'eval': _d('eval', {b'Cash': 5000, b'Pcard': 1, b'Prcard': 1}),
    }
    report = cd.check_distributions(hashed, 'payment_type', max_split_distance=1.0)
    assert not report.passed and report.notes == []
    (finding,) = report.findings
    assert finding.kind == cd.MISSING_CLASS and finding.classes == ('Prcard',)
    assert finding.description == (
        "class 'Prcard' of label 'payment_type' is in split(s) 'eval' (1) but missing from "
        "split(s) 'train'."
    )
    assert (
        "fewer than the 2 splits, so some split must lack it, but not split(s) 'train': "
        "StratifiedSplitter's rule puts it in the largest split(s) ('train' (1)"
    ) in finding.fix


def test_a_class_of_two_in_one_split_of_three_is_a_violation_in_one_split_and_a_note_in_the_other():
    # The rule gives a 2-example class one example in each of the two largest splits.
    dists = {
        'train': _d('train', {b'a': 798, b'b': 2}),
        'eval': _d('eval', {b'a': 100}),
        'test': _d('test', {b'a': 100}),
    }
    report = cd.check_distributions(dists, 'y', max_split_distance=1.0)
    (finding,) = report.findings
    assert finding.classes == ('b',)
    assert finding.description.endswith("missing from split(s) 'eval'.")
    assert "('train' (1), 'eval' (1), with the split sizes as weights)" in finding.fix
    (note,) = report.notes
    assert note.classes == ('b',) and note.splits == ('test',)
    assert report.to_json()['notes'] == [note.to_json()]
    assert report.to_markdown().startswith(
        '# Class distribution of `y`: FAILED (1 finding(s)), 1 note(s)'
    )


def test_schema_domain_class_absent_from_the_data_is_not_blamed_on_the_split():
    dists = {'train': _d('train', {0: 5, 1: 5}), 'eval': _d('eval', {0: 2, 1: 2})}
    report = cd.check_distributions(dists, 'label', expected_classes=[0, 1, 2])
    (finding,) = report.findings
    assert finding.classes == ('2',) and 'in the schema domain but missing' in finding.description
    assert "the data has no example of class '2'" in finding.fix
    assert 'StratifiedSplitter' not in finding.fix


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


def test_target_on_a_split_lacking_a_class_says_augmenting_cannot_create_it():
    dists = {'train': _d('train', {0: 10, 1: 10}), 'eval': _d('eval', {0: 3, 1: 3, 2: 3})}
    report = cd.check_distributions(dists, 'label', targets={'train': 'uniform'}, compare_splits=[])
    target = [f for f in report.findings if f.kind == cd.TARGET_DISTANCE]
    assert "split 'train' has no example of class(es) 2" in target[0].fix
    missing = [f for f in report.findings if f.kind == cd.MISSING_CLASS]
    assert missing[0].description.endswith("missing from split(s) 'train'.")


def _after_augmentation():
    # train rebalanced to uniform; eval and test untouched and stratified.
    return {
        'train': _d('train', {b'a': 50, b'b': 50}),
        'eval': _d('eval', {b'a': 90, b'b': 10}),
        'test': _d('test', {b'a': 89, b'b': 11}),
    }


def test_compare_splits_default_compares_all_and_a_targeted_split_gets_the_fitting_hint():
    report = cd.check_distributions(_after_augmentation(), 'y', targets={'train': 'uniform'})
    assert list(report.split_distances) == [('train', 'eval'), ('train', 'test'), ('eval', 'test')]
    findings = [f for f in report.findings if f.kind == cd.SPLIT_DISTANCE]
    assert [f.splits for f in findings] == [('train', 'eval'), ('train', 'test')]
    for f in findings:
        assert "split 'train' has a target of its own" in f.fix
        assert "compare_splits=['eval', 'test']" in f.fix
        assert 'StratifiedSplitter' not in f.fix


def test_compare_splits_limits_the_pairs_and_targets_check_only_their_splits():
    report = cd.check_distributions(
        _after_augmentation(), 'y', targets={'train': 'uniform'}, compare_splits=['eval', 'test']
    )
    assert report.passed
    assert list(report.split_distances) == [('eval', 'test')]
    assert report.split_distances[('eval', 'test')]['linf'] == pytest.approx(0.01)
    assert list(report.target_distances) == ['train']
    none = cd.check_distributions(_after_augmentation(), 'y', compare_splits=[])
    assert none.passed and none.split_distances == {} and none.target_distances == {}
    strict = cd.check_distributions(
        _after_augmentation(), 'y', compare_splits=('eval', 'test'), max_split_distance=0.005
    )
    assert [f.splits for f in strict.findings] == [('eval', 'test')]
    with pytest.raises(DataError, match=r"compare_splits name\(s\) split\(s\) 'valid'"):
        cd.check_distributions(_after_augmentation(), 'y', compare_splits=['eval', 'valid'])


def test_compare_splits_leaves_missing_classes_of_unchecked_splits_alone():
    dists = {'train': _d('train', {b'a': 5, b'b': 5}), 'eval': _d('eval', {b'a': 5})}
    assert cd.check_distributions(dists, 'y', compare_splits=[]).passed
    report = cd.check_distributions(dists, 'y', compare_splits=['train', 'eval'])
    assert [f.kind for f in report.findings] == [cd.MISSING_CLASS, cd.SPLIT_DISTANCE]


def test_mixed_label_types_and_colliding_class_names_are_data_errors():
    with pytest.raises(DataError, match=r'int64 in split\(s\)'):
        cd.check_distributions({'a': _d('a', {1: 2}), 'b': _d('b', {b'1': 2})}, 'y')
    colliding = {'a': _d('a', {b'\xff': 2, b'\\xff': 1}), 'b': _d('b', {b'\xff': 2})}
    with pytest.raises(DataError, match='have the same name') as info:
        cd.check_distributions(colliding, 'y')
    assert "have the same name '\\\\xff'" in str(info.value)


def test_invalid_arguments_are_config_errors():
    dists = _after_augmentation()
    with pytest.raises(ConfigError, match='compare_splits must be a list'):
        cd.check_distributions(dists, 'y', compare_splits='eval')
    with pytest.raises(ConfigError, match='max_split_distance must be a number >= 0'):
        cd.check_distributions(dists, 'y', max_split_distance=-1)
