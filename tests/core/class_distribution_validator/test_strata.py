"""Tests of tfx_balance.core.class_distribution_validator.strata: each stratify feature value's
class mix across splits, from StratifiedSplitter's strata (its own allocation builds them)."""

import pytest

from tests.core.class_distribution_validator.strata_data import counted, move, sizes, split
from tfx_balance.core import class_distribution_validator as cd
from tfx_balance.core.class_distribution_validator import report as r
from tfx_balance.core.split.stratify_features import MISSING


@pytest.mark.parametrize(
    'values, classes, smallest',
    [(12, 2, None), (9, 5, 3), (30, 3, None), (12, 2, 1)],
    ids=['12 countries x 2', '9 hospitals x 5, one of 3 rows', '30 languages x 3', 'one row'],
)
def test_the_splitters_own_strata_are_never_a_violation(values, classes, smallest):
    distributions, splitter = split(sizes(values, classes, smallest=smallest))
    report = cd.run_checks(distributions, cd.ValidatorConfig('label').validate(), splitter=splitter)
    assert report.passed, report.error_message()
    entry = report.to_json()[r.STRATA]
    assert entry[r.STRATA_FEATURES] == ['site'] and len(entry[r.STRATA_MIX]['site']) == values
    # the small values' class mixes move in large steps: notes, not violations
    assert [n.kind for n in report.notes if 'site' in n.description] == [cd.WITHIN_SPLITTER_BOUND]


def test_a_value_whose_class_went_to_train_is_a_violation_naming_feature_value_classsplit():
    distributions, splitter = split(sizes(9, 5, smallest=3))
    cell = next(
        row for row in splitter.strata['strata'] if row['values'] == ['v04'] and row['class'] == '2'
    )
    moved_n = cell['counts']['eval']
    assert moved_n >= 2
    moved = move(splitter.strata, 'v04', '2', 'eval', 'train', moved_n)
    distributions, splitter = counted(moved)
    report = cd.run_checks(distributions, cd.ValidatorConfig('label').validate(), splitter=splitter)
    strata_findings = [f for f in report.findings if f.kind == cd.STRATUM_DISTANCE]
    assert [(f.splits, f.classes) for f in strata_findings] == [(('eval',), ('2',))]
    (finding,) = strata_findings
    assert "the class mix of site='v04'" in finding.description
    assert "in split 'eval'" in finding.description
    assert "class '2' of label 'label' has 0 of its" in finding.description
    assert "Beyond StratifiedSplitter's documented bound" in finding.description
    assert 'max_split_distance above' in finding.fix
    anomalies = report.anomalies('eval')
    reasons = anomalies.anomaly_info['label'].reason
    assert any('site=' in reason.description for reason in reasons)
    assert not report.anomalies('test').anomaly_info  # test's mix of v04 is untouched
    worst = report.to_json()[r.STRATA][r.STRATA_LARGEST]['site']
    # beyond the bound comes first, whatever the rounding's distances elsewhere
    assert (worst['value'], worst['split'], worst['beyond_bound']) == ('v04', 'eval', True)


def test_a_difference_within_the_bound_is_a_note_and_beyond_it_a_violation():
    # 10 examples of a site, 8:1:1: class '1' (2 examples) has range 1-2 in train, 0-1 elsewhere
    strata = {
        'features': ['site'],
        'strata': [
            {'class': '0', 'values': ['a'], 'counts': {'train': 6, 'eval': 1, 'test': 1}},
            {'class': '1', 'values': ['a'], 'counts': {'train': 2, 'eval': 0, 'test': 0}},
            {'class': '0', 'values': ['b'], 'counts': {'train': 640, 'eval': 80, 'test': 80}},
            {'class': '1', 'values': ['b'], 'counts': {'train': 152, 'eval': 19, 'test': 19}},
        ],
    }
    split_sizes = {'train': 800, 'eval': 100, 'test': 100}
    config = cd.ValidatorConfig('label').validate()
    entry, findings, notes = cd.check_strata(strata, split_sizes, config)
    assert findings == []
    (note,) = notes
    assert note.kind == cd.WITHIN_SPLITTER_BOUND and note.splits == ('eval', 'test', 'train')
    assert "site='a' in 'eval' 0.2000 (class '0': 1 of 1)" in note.description
    assert entry[r.STRATA_MIX]['site']['a'][r.STRATA_DISTANCE] == {
        'train': 0.05,
        'eval': 0.2,
        'test': 0.2,
    }
    assert entry[r.STRATA_MIX]['site']['b'][r.STRATA_CLASSES]['1'] == {
        'train': 152,
        'eval': 19,
        'test': 19,
    }
    worst = entry[r.STRATA_LARGEST]['site']
    assert worst == {
        'value': 'a',
        'class': '0',
        'split': 'eval',
        'distance': 0.2,
        'counts': 1,
        'range': [0, 1],
        'beyond_bound': False,
    }
    # Both of site a's class '1' in eval: 2 is beyond eval's 0-1.
    moved = move(strata, 'a', '1', 'train', 'eval', 2)
    _, findings, notes = cd.check_strata(moved, split_sizes, config)
    assert [(f.kind, f.splits, f.classes) for f in findings] == [
        (cd.STRATUM_DISTANCE, ('train',), ('1',)),
        (cd.STRATUM_DISTANCE, ('eval',), ('1',)),
    ]
    assert "class '1' of label 'label' has 0 of its 6 examples there" in findings[0].description
    assert "'1' 0 (range 1-2)" in findings[0].description
    # the same counts below max_split_distance: nothing reported
    loose = cd.ValidatorConfig('label', max_split_distance=0.9).validate()
    assert cd.check_strata(moved, split_sizes, loose)[1:] == ([], [])


def test_group_slack_widens_the_bound():
    strata = {
        'features': ['site'],
        'strata': [
            {'class': '0', 'values': ['a'], 'counts': {'train': 80, 'eval': 0}},
            {'class': '1', 'values': ['a'], 'counts': {'train': 0, 'eval': 20}},
        ],
    }
    split_sizes = {'train': 80, 'eval': 20}
    config = cd.ValidatorConfig('label').validate()
    assert len(cd.check_strata(strata, split_sizes, config)[1]) == 2
    wide = cd.check_strata(strata, split_sizes, config, slack={'0': 20, '1': 20})
    assert wide[1] == [] and len(wide[2]) == 1


def test_several_features_sum_strata_per_value_and_name_the_missing_value():
    rows = [
        ('0', ['a', 'x'], 40, 5),
        ('0', ['a', None], 40, 5),
        ('1', ['a', 'x'], 8, 1),
        ('0', [None, 'x'], 8, 1),
    ]
    strata = {
        'features': ['site', 'source'],
        'strata': [
            {'class': c, 'values': v, 'counts': {'train': t, 'eval': e}} for c, v, t, e in rows
        ],
    }
    mix = cd.class_mix(strata)
    assert mix['site'] == {
        'a': {'0': {'train': 80, 'eval': 10}, '1': {'train': 8, 'eval': 1}},
        MISSING: {'0': {'train': 8, 'eval': 1}},
    }
    assert mix['source'][MISSING] == {'0': {'train': 40, 'eval': 5}}
    entry, findings, _ = cd.check_strata(strata, {'train': 96, 'eval': 12}, cd.ValidatorConfig('y'))
    assert findings == [] and list(entry[r.STRATA_MIX]) == ['site', 'source']


def test_without_strata_the_report_has_no_strata_entry():
    distributions, _ = split(sizes(3, 2))
    report = cd.run_checks(distributions, cd.ValidatorConfig('label').validate())
    assert r.STRATA not in report.to_json() and '| stratify feature |' not in report.to_markdown()
    with_strata = cd.run_checks(
        distributions, cd.ValidatorConfig('label').validate(), splitter=split(sizes(3, 2))[1]
    )
    assert '| stratify feature | values |' in with_strata.to_markdown()
