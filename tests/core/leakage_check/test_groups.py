"""LeakageCheck's groups in two or more splits (``group_feature``), in real Beam pipelines: a user
whose id is int64 in train and bytes or float in test is one group across splits (the splitter's
rule, core/common/groups.py), counted exactly, named in the report and in the error; clean groups pass;
a missing or NaN id is a DataError naming the example and split."""

import pytest

from tests.core.leakage_check.test_check import run
from tests.support.examples import example
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.leakage_check import LeakageConfig, error_message, to_markdown

GROUPED = LeakageConfig(group_feature='user').validate()


def rows(users, split, kinds=(int,)):
    """Two examples per user, the id as each of ``kinds`` in turn."""
    return [
        example(user=kinds[j % len(kinds)](u) if kinds[j % len(kinds)] is not str else str(u),
                x=[float(u), float(j)], split=split)
        for u in users
        for j in range(2)
    ]  # fmt: skip


def test_a_user_with_ids_of_two_kinds_in_two_splits_is_one_leaked_group():
    train = rows(range(10), 'train', (int, str))
    evals = rows(range(10, 15), 'eval', (float,)) + rows([3], 'eval', (str,))
    test = rows(range(20, 25), 'test') + rows([3, 11], 'test', (float, int))
    report = run([('train', train), ('eval', evals), ('test', test)], GROUPED)
    groups = report['groups_across_splits']
    assert not report['passed']
    assert groups['groups'] == 2  # user 3: train, eval, test; user 11: eval, test
    assert groups['per_split'] == {'train': 1, 'eval': 2, 'test': 2}
    assert [(p['splits'], p['groups'], p['ids']) for p in groups['pairs']] == [
        (['train', 'eval'], 1, ['3']),
        (['train', 'test'], 1, ['3']),
        (['eval', 'test'], 2, ['11', '3']),
    ]
    assert report['duplicates_across_splits']['keys'] == 0  # no example is in two splits
    message = error_message(report)
    assert "2 group(s) of group_feature 'user' have examples in two or more splits" in message
    assert "train & eval: 1 (e.g. '3')" in message
    assert '| eval & test | 2 | 11 3 |' in to_markdown(report)


def test_a_float_id_with_a_fraction_and_the_same_id_as_bytes_are_one_leaked_group():
    # issue 53, case 4: float 0.3 (stored as 0.30000001192092896) and b'0.3' are the id '0.3'
    train = [example(user=u + 0.3, x=float(u), split='train') for u in range(4)]
    evals = [example(user=f'{u}.3', x=float(u), split='eval') for u in (1, 3, 7)]
    report = run([('train', train), ('eval', evals)], GROUPED)
    assert not report['passed']
    assert [
        (p['splits'], p['groups'], p['ids']) for p in report['groups_across_splits']['pairs']
    ] == [
        (['train', 'eval'], 2, ['1.3', '3.3']),
    ]


def test_groups_each_in_one_split_pass_and_the_report_says_so():
    data = [('train', rows(range(10), 'train', (int, str))), ('test', rows(range(10, 14), 'test'))]
    report = run(data, GROUPED)
    assert report['passed']
    assert report['groups_across_splits'] == {
        'groups': 0, 'per_split': {'train': 0, 'eval': 0, 'test': 0}, 'pairs': []
    }  # fmt: skip


def test_without_group_feature_the_report_has_no_group_entry():
    report = run([('train', rows([1], 'train')), ('test', rows([1], 'test'))], LeakageConfig())
    assert report['passed'] and 'groups_across_splits' not in report


@pytest.mark.parametrize(
    'bad, found',
    [
        (example(x=1.0), 'must have exactly one value per example, found 0'),
        (example(user=float('nan')), 'is the float nan'),
        (example(user=2.0**25), 'beyond 2**24'),
    ],
    ids=['missing', 'nan', 'inexact-float'],
)
def test_a_bad_group_id_is_a_data_error_naming_the_example_and_split(bad, found):
    from tfx_balance.base.artifacts import unwrap_error  # the executor's view of the Beam failure
    from tfx_balance.core.common.labels import example_fingerprint

    with pytest.raises(Exception) as raised:
        run([('train', rows([1], 'train')), ('test', [bad])], GROUPED)
    error = unwrap_error(raised.value)
    assert isinstance(error, DataError)
    assert found in str(error) and "group_feature 'user'" in str(error)
    assert f"(fingerprint {example_fingerprint(bad)}) in split 'test'" in str(error)


def test_ids_that_share_a_crc32_are_two_groups_and_a_shared_id_is_one():
    # b'plumless' and b'buckeroo' have one crc32, which a bucket compares ids by first
    train = [example(user=u, x=float(i), split='train') for i, u in enumerate(['plumless', 'u1'])]
    evals = [example(user=u, x=float(i), split='eval') for i, u in enumerate(['buckeroo', 'u1'])]
    groups = run([('train', train), ('eval', evals)], GROUPED)['groups_across_splits']
    assert groups['groups'] == 1
    assert [(p['splits'], p['ids']) for p in groups['pairs']] == [(['train', 'eval'], ['u1'])]
