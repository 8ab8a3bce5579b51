"""core/common/folds.py and StratifiedSplit with folds: exact per-class counts by the rule (checked against
allocate() on the exact fractions), a partition, groups never crossing folds, determinism."""

import collections
from fractions import Fraction

import apache_beam as beam
import pytest
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from tests.core.split.test_stratified import (
    SIZES,
    dataset,
    make_example,
    reference_split,
    rule_counts,
)
from tests.support.rule import assert_exact_both_ways
from tfx_balance.core.common.folds import fold_names, fold_weights
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

FOLDS = fold_names(5)
SPLITS = ['test', *FOLDS]
# The documented weights, written independently of fold_weights: test 1/10, each fold 9/50.
EXACT = [Fraction(1, 10)] + [Fraction(9, 50)] * 5


def test_fold_weights_are_the_holdout_fraction_then_equal_folds_as_integers():
    assert fold_weights(5, {'test': 0.1}) == dict(zip(SPLITS, [5, 9, 9, 9, 9, 9]))
    assert fold_weights(4) == dict.fromkeys(fold_names(4), 1)
    assert fold_weights(2, {'eval': 0.15, 'test': 0.15}) == {
        'eval': 3, 'test': 3, 'fold-0': 7, 'fold-1': 7,
    }  # fmt: skip
    # The same counts as the exact fractions, for every class size.
    weights = list(fold_weights(5, {'test': 0.1}).values())
    assert all(allocate(n, weights) == allocate(n, EXACT) for n in range(300))


def test_a_class_smaller_than_the_folds_alone_is_in_the_first_folds_only():
    # The rule's presence step: a class of n < k examples is in n folds; alone, fold-0 ..
    # fold-(n-1) (among other classes the rounding chooses which, to keep the folds' sizes).
    assert allocate(3, [1] * 5) == [1, 1, 1, 0, 0]
    # With a 10% holdout the heavier folds come first: test gets one from n = 6 on.
    assert allocate(3, EXACT) == [0, 1, 1, 1, 0, 0]
    assert allocate(6, EXACT) == [1, 1, 1, 1, 1, 1]
    assert allocate(5, EXACT) == [0, 1, 1, 1, 1, 1]


@pytest.mark.parametrize('holdout', [None, {'test': 0.1}, {'test': 0.3}, {'a': 0.2, 'b': 0.25}])
def test_within_a_class_alone_folds_differ_by_at_most_one_and_earlier_ones_are_never_smaller(
    holdout,
):
    weights = fold_weights(5, holdout)
    for n in range(400):
        folds = allocate(n, list(weights.values()))[len(holdout or {}) :]
        assert max(folds) - min(folds) <= 1 and folds == sorted(folds, reverse=True), (n, folds)


def _config(**kwargs):
    return StratifiedSplitConfig('label', folds=5, holdout={'test': 0.1}, **kwargs).validate()


def _run(records, checks, **kwargs):
    with beam.Pipeline() as p:
        out = SplitOutputs(
            p
            | StratifiedSplit(
                lambda: beam.Create(records, reshuffle=False), config=_config(**kwargs)
            )
        )
        for check in checks:
            check(out)


def test_folds_have_the_rule_counts_exact_membership_and_partition_the_input():
    records = dataset(SIZES)
    labels = [label for label, n in SIZES.items() for _ in range(n)]
    expected = reference_split(records, labels, dict(zip(SPLITS, EXACT)), seed=4)
    counts = rule_counts(SIZES, dict(zip(SPLITS, EXACT)), seed=4)
    # Cash 300: test 30, folds 54 each; Prcard 1: one fold; every fold 78 or 79 examples.
    assert counts['Cash'] == dict(zip(SPLITS, [30, 54, 54, 54, 54, 54]))
    assert sum(counts['Prcard'].values()) == 1 and counts['Prcard']['test'] == 0
    assert_exact_both_ways(counts, dict(zip(SPLITS, EXACT)))
    assert sorted(sum(row[s] for row in counts.values()) for s in FOLDS) == [78, 79, 79, 79, 79]

    def check(out):
        for name in SPLITS:
            assert_that(out.records[name], equal_to(expected[name]), label=f'Check[{name}]')
        everything = [out.records[s] for s in SPLITS] | 'All' >> beam.Flatten()
        assert_that(everything, equal_to(records), label='Partition')
        assert_that(out.counts, equal_to([counts]), label='Counts')
        report = {'counts': counts, 'folds': FOLDS, 'holdout': {'test': 0.1}}
        assert_that(out.report, equal_to([report]), label='Report')

    _run(records, [check], seed=4)


_RUNS = {}


def _keep_run(records, key):
    """Module-level, not a lambda (see tests/core/test_stratified_split.py's _collect)."""
    _RUNS[key] = sorted(records)


def test_a_rerun_gives_the_same_folds_and_another_seed_other_members():
    records = dataset(SIZES)

    def keep(key):
        def check(out):
            for s in SPLITS:
                _ = (
                    out.records[s]
                    | f'List[{s}]' >> beam.combiners.ToList()
                    | f'Keep[{s}]' >> beam.Map(_keep_run, (key, s))
                )

        return check

    _run(records, [keep('a')], seed=1)
    _run(records[::-1], [keep('b')], seed=1)
    _run(records, [keep('c')], seed=2)
    for s in SPLITS:
        assert _RUNS['a', s] == _RUNS['b', s]
        assert len(_RUNS['a', s]) == len(_RUNS['c', s])
    assert _RUNS['a', 'fold-0'] != _RUNS['c', 'fold-0']


def test_groups_never_cross_folds_and_counts_stay_within_the_largest_group():
    records, group_of = [], {}
    for i in range(400):
        label = 'a' if i % 5 else 'b'
        group = f'user{i % 61}'
        record = make_example(label, i, group=group)
        records.append(record)
        group_of[record] = group
    largest = max(collections.Counter(group_of.values()).values())

    def check(out):
        tagged = [
            out.records[s] | f'Tag[{s}]' >> beam.Map(lambda r, s=s: (group_of[r], s))
            for s in SPLITS
        ]

        def one_fold_per_group(pairs):
            splits_of = collections.defaultdict(set)
            for group, split in pairs:
                splits_of[group].add(split)
            crossing = {g: s for g, s in splits_of.items() if len(s) != 1}
            if crossing or len(pairs) != len(records):
                raise BeamAssertException(f'groups cross folds: {crossing}; {len(pairs)} examples')
            per_split = collections.Counter(split for _, split in pairs)
            target = dict(zip(SPLITS, allocate(len(records), EXACT)))
            # Each class's count is within one largest group of the rule; two classes here.
            far = {s: per_split[s] for s in SPLITS if abs(per_split[s] - target[s]) >= 2 * largest}
            if far:
                raise BeamAssertException(f'{far} vs the rule {target}')

        assert_that(tagged | beam.Flatten(), one_fold_per_group, label='Groups')

    _run(records, [check], group_feature='user')


def test_folds_are_recorded_in_the_exec_properties_and_round_trip():
    config = _config()
    props = config.to_exec_properties()
    assert props['folds'] == '5' and props['holdout'] == '[["test", 0.1]]'
    assert props['splits'] == '[["test", 5], ["fold-0", 9], ["fold-1", 9], ["fold-2", 9], ' + (
        '["fold-3", 9], ["fold-4", 9]]'
    )
    assert StratifiedSplitConfig.from_exec_properties(props) == config
    assert config.validate() == config
    assert 'folds' not in StratifiedSplitConfig('label').validate().to_exec_properties()


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (dict(folds=5, splits={'train': 1}), 'folds=5 and splits='),
        (dict(folds=1), 'folds is 1; it must be 2 to 100'),
        (dict(folds=2.5), 'folds must be an integer >= 2'),
        (dict(folds=3, holdout={'fold-1': 0.1}), "holdout split 'fold-1' clashes"),
        (dict(folds=3, holdout={'test': 1.0}), "holdout fraction of split 'test' is 1.0"),
        (dict(folds=3, holdout={'a': 0.5, 'b': 0.5}), 'holdout fractions sum to 1'),
        (dict(folds=3, holdout=['test']), 'splits must be a non-empty mapping'),
        (dict(folds=3, holdout={}), 'holdout must be a non-empty mapping'),
        (dict(holdout={'test': 0.1}), "holdout={'test': 0.1} is set without folds"),
    ],
)
def test_fold_arguments_are_config_errors_naming_the_argument(kwargs, message):
    import re

    from tests.support.errors import documented_errors
    from tfx_balance.core.common.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        StratifiedSplitConfig('label', **kwargs).validate()
    assert message in str(info.value)
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)
