"""Tests of core/class_distribution_validator/checks on label sets (prevalences from real TFDV statistics)."""

import json

import pytest

from tests.core.class_distribution_validator.label_set_data import (
    EVAL,
    SKEWED_EVAL,
    TRAIN,
    assert_documented,
    label_sets,
    records,
    statistics,
)
from tfx_balance.core.class_distribution_validator import (
    CARDINALITY_DISTANCE,
    MIN_PREVALENCE,
    MISSING_CLASS,
    PREVALENCE_DIFFERENCE,
    PREVALENCE_DISTANCE,
    LabelPrevalence,
    ValidatorConfig,
    prevalence_from_statistics,
    run_multilabel_checks,
)
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError


@pytest.fixture(scope='module')
def prevalence(tmp_path_factory):
    """``{name: LabelPrevalence}`` of the train, eval and skewed eval splits' TFDV statistics."""
    tmp = tmp_path_factory.mktemp('multilabel_stats')
    result = {}
    for name, (n, counts, unlabeled) in {
        'train': TRAIN,
        'eval': EVAL,
        'skewed': SKEWED_EVAL,
    }.items():
        stats = statistics(tmp, name, records(label_sets(n, counts, unlabeled)))
        split = 'eval' if name == 'skewed' else name
        result[name] = prevalence_from_statistics(stats, 'tags', split)
    return result


def check(prevalences, **arguments):
    config = ValidatorConfig('tags', multi_label='ids', **arguments).validate()
    return run_multilabel_checks({p.split: p for p in prevalences}, config)


def test_a_stratified_split_passes_every_check(prevalence):
    report = check(
        [prevalence['train'], prevalence['eval']],
        max_split_distance=0.0,
        max_cardinality_difference=0.0,
        max_prevalence_difference=0.0,
        min_prevalence=0.05,
    )
    assert report.passed and report.findings == []
    assert report.split_distances[('train', 'eval')]['linf'] == 0.0


def test_a_skewed_split_fails_naming_the_label_and_the_split(prevalence):
    report = check([prevalence['train'], prevalence['skewed']], max_prevalence_difference=0.05)
    kinds = [(f.kind, f.splits, f.classes) for f in report.findings]
    assert kinds == [
        (PREVALENCE_DISTANCE, ('train', 'eval'), ('c',)),
        (CARDINALITY_DISTANCE, ('train', 'eval'), ()),
        (PREVALENCE_DIFFERENCE, ('train', 'eval'), ('c',)),
    ]
    distance, cardinality, difference = report.findings
    assert distance.distance == pytest.approx(0.15)  # c: 20/100 in eval against 20/400 in train
    assert "'c' (0.1500)" in distance.description
    assert cardinality.distance == pytest.approx(1.2 - 1.05)
    assert "label 'c'" in difference.description and "split 'eval'" in difference.description
    assert '0.2000 (20 of 100 examples)' in difference.description
    message = report.error_message()
    assert_documented(message)
    assert message.startswith("label prevalence check of multi-label feature 'tags' failed")


def test_per_label_limits_check_only_the_labels_they_name(prevalence):
    pair = [prevalence['train'], prevalence['skewed']]
    loose = dict(max_split_distance=1.0, max_cardinality_difference=1.0)
    assert check(pair, max_prevalence_difference={'a': 0.0, 'b': 0.0}, **loose).passed
    report = check(pair, max_prevalence_difference={'c': 0.149}, **loose)
    assert [(f.kind, f.classes) for f in report.findings] == [(PREVALENCE_DIFFERENCE, ('c',))]
    with pytest.raises(DataError, match="class 'z' is not in the data"):
        check(pair, max_prevalence_difference={'z': 0.1}, **loose)


def test_min_prevalence_names_each_label_and_split_below_it(prevalence):
    pair = [prevalence['train'], prevalence['eval']]
    report = check(pair, min_prevalence=0.1)
    assert [(f.kind, f.splits, f.classes) for f in report.findings] == [
        (MIN_PREVALENCE, ('train',), ('c',)),
        (MIN_PREVALENCE, ('eval',), ('c',)),
    ]
    assert 'below min_prevalence 0.1' in report.findings[0].description
    assert check(pair, min_prevalence={'a': 0.7, 'c': 0.05}).passed


def test_a_missing_label_is_a_violation_and_a_rare_one_a_note():
    def split(name, counts, n):
        return LabelPrevalence(name, counts, n, sum(counts.values()), 0, 'examples')

    report = check(
        [
            split('train', {b'a': 80, b'rare': 1, b'b': 10}, 80),
            split('eval', {b'a': 10}, 10),
            split('test', {b'a': 10, b'b': 2}, 10),
        ],
        max_split_distance=1.0,
        max_cardinality_difference=1.0,
    )
    assert [(f.kind, f.splits, f.classes) for f in report.findings] == [
        (MISSING_CLASS, ('train', 'eval', 'test'), ('b',))
    ]
    assert "missing from split(s) 'eval'" in report.findings[0].description
    assert [(n.splits, n.classes) for n in report.notes] == [(('eval', 'test'), ('rare',))]


def test_report_json_and_markdown_hold_per_split_cardinality_and_unlabeled(prevalence):
    report = check([prevalence['train'], prevalence['eval']])
    data = json.loads(json.dumps(report.to_json()))
    assert data['multi_label'] == 'ids'
    assert data['per_split']['train'] == {
        'examples': 400,
        'label_values': 420,
        'cardinality': 1.05,
        'unlabeled': 40,
    }
    assert data['counts']['c'] == {'train': 20, 'eval': 5}
    assert data['shares']['c'] == {'train': 0.05, 'eval': 0.05}
    markdown = report.to_markdown()
    assert "# Label prevalence of `tags` (multi_label='ids'): PASSED" in markdown
    assert '| train | 400 | 420 | 1.0500 | 40 |' in markdown
    assert '| c | 20 (5.00%) | 5 (5.00%) |' in markdown


@pytest.mark.parametrize(
    'arguments, message',
    [
        ({'multi_label': 'multi-hot'}, "multi_label must be None .* got 'multi-hot'"),
        ({'multi_label': 'ids', 'targets': {'train': 'uniform'}}, 'targets gives class shares'),
        ({'min_prevalence': 0.1}, 'min_prevalence is a per-label check of multi-label data'),
        ({'multi_label': 'ids', 'min_prevalence': 1.5}, 'min_prevalence must be a share between'),
        (
            {'multi_label': 'ids', 'max_prevalence_difference': {'a': -1}},
            r"max_prevalence_difference\['a'\] must be a share between",
        ),
        ({'multi_label': 'ids', 'min_prevalence': {}}, 'min_prevalence must not be an empty dict'),
        (
            {'multi_label': 'ids', 'min_prevalence': {1: 0.1, '1': 0.2}},
            "min_prevalence names label '1' twice",
        ),
        (
            {'multi_label': 'ids', 'max_cardinality_difference': -1},
            'max_cardinality_difference must be a number >= 0',
        ),
    ],
)
def test_bad_multi_label_arguments_are_config_errors(arguments, message):
    with pytest.raises(ConfigError, match=message) as info:
        ValidatorConfig('tags', **arguments).validate()
    assert_documented(info)


def test_config_round_trips_through_exec_properties():
    config = ValidatorConfig(
        'tags',
        multi_label='multi_hot',
        max_cardinality_difference=0.0,
        min_prevalence={3: 0.01},
        max_prevalence_difference=0.02,
    ).validate()
    assert ValidatorConfig.from_exec_properties(config.to_exec_properties()) == config
    single = ValidatorConfig('label').validate()
    assert keys.MULTI_LABEL_KEY not in single.to_exec_properties()  # as before multi-label
    assert ValidatorConfig.from_exec_properties(single.to_exec_properties()) == single
