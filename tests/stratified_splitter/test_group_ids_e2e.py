"""Group ids of mixed kinds (issue 38, case 1) under LocalDagRunner: 30 users whose examples carry
the id as int64 in some examples and as bytes (or float) in others, as when two sources are
unioned. The splitter (named splits and folds, single-label and multi-label) keeps every user in
one split, and LeakageCheck, with the same group rule, passes each output; before, 14 of the 30
users landed in both train and eval.

Issue 53, case 4: 40 more users have an id with a fraction, float ``k.3`` in some examples and
bytes ``b'k.3'`` in others. The float was read as ``'0.30000001192092896'`` (the float32 widened),
so the two were two groups: 24 of the 40 users landed in train and eval, and LeakageCheck passed
them. Now they are one group, and a LeakageCheck of crafted splits (users 5.3 and 17.3 as floats
in train, as bytes in eval) fails the run naming them; it runs last, so the rest completes."""

import collections
import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

USERS = 30
FRACTION_USERS = 40  # ids 0.3, 1.3, ..., 39.3


def _records():
    """Per user 3-8 examples; the id's kind cycles int64, bytes, float over the user's examples;
    for a user whose id has a fraction (``k.3``), float and bytes."""
    records = []
    for user in range(USERS + FRACTION_USERS):
        for j in range(3 + user % 6):
            if user < USERS:
                ids = (1000 + user, str(1000 + user), 1000.0 + user)
            else:
                ids = (user - USERS + 0.3, f'{user - USERS}.3')
            label = 'rare' if user % 5 == 0 else 'common'
            tags = ['a', 'b'] if user % 4 == 0 else ['a']
            records.append(example(label=label, tags=tags, user=ids[j % len(ids)], x=float(j)))
    return records


def _crossing():
    """Train and eval split apart by hand: users 5.3 and 17.3 are floats in train and bytes in
    eval; the other users are each in one split."""
    train = [example(label='a', user=k + 0.3, x=float(k)) for k in (1, 5, 9, 17)]
    evals = [example(label='a', user=f'{k}.3', x=float(k) + 0.5) for k in (5, 17, 21)]
    return {'train': train, 'eval': evals}


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import LeakageCheck, StratifiedSplitter
    from tfx_balance.core.leakage_check import LeakageError

    root = str(tmp_path_factory.mktemp('group_ids'))
    write_records(os.path.join(root, 'data', 'all', 'part-0.gz'), _records())
    gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name='all', pattern='all/*')]),
    )
    common = dict(examples=gen.outputs['examples'], group_feature='user', seed=3)
    splitters = [
        StratifiedSplitter(label_feature='label', splits={'train': 1, 'eval': 1}, **common),
        StratifiedSplitter(label_feature='label', folds=3, **common).with_id('folds'),
        StratifiedSplitter(
            label_feature='tags', multi_label='ids', splits={'train': 1, 'eval': 1}, **common
        ).with_id('multilabel'),
    ]
    checks = [
        LeakageCheck(examples=s.outputs['examples'], group_feature='user').with_id(
            f'leakage_{s.id}'
        )
        for s in splitters
    ]
    for split, records in _crossing().items():
        write_records(os.path.join(root, 'crossing', split, 'part-0.gz'), records)
    crafted = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'crossing'),
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name=s, pattern=f'{s}/*') for s in ('train', 'eval')]
        ),
    ).with_id('crossing_gen')
    crossing = LeakageCheck(examples=crafted.outputs['examples'], group_feature='user')
    crossing = crossing.with_id('leakage_crossing')
    for check in checks:
        crossing.add_upstream_node(check)  # fails the run: last
    return run_local(
        'group-ids-e2e',
        root,
        [gen, *splitters, *checks, crafted, crossing],
        raises=LeakageError,
    )


def _user(record):
    """The user as a number, read here without the package's rule: 1000, b'1000' and 1000.0 are
    1000.0; float32 0.3 (0.30000001192092896) and b'0.3' are 0.3."""
    from tensorflow.core.example import example_pb2

    feature = example_pb2.Example.FromString(record).features.feature['user']
    kind = feature.WhichOneof('kind')
    return round(float(getattr(feature, kind).value[0]), 3)


@pytest.mark.parametrize('splitter', ['StratifiedSplitter', 'folds', 'multilabel'])
def test_every_user_is_in_one_split_whatever_the_kind_of_its_ids(run, splitter):
    from tests.support.artifacts import read_json, read_split

    out = run.output(splitter)
    report = read_json(os.path.join(out, 'split_counts.json'))
    splits = report.get('folds') or ['train', 'eval']
    seen = collections.defaultdict(set)
    total = 0
    for split in splits:
        for record in read_split(out, split):
            seen[_user(record)].add(split)
            total += 1
    assert total == len(_records())
    assert len(seen) == USERS + FRACTION_USERS
    assert {u: s for u, s in seen.items() if len(s) > 1} == {}
    assert len({frozenset(s) for s in seen.values()}) == len(splits)  # every split has users


@pytest.mark.parametrize('splitter', ['StratifiedSplitter', 'folds', 'multilabel'])
def test_leakage_check_with_the_same_group_rule_passes(run, splitter):
    from tests.support.artifacts import read_json

    report = read_json(os.path.join(run.output(f'leakage_{splitter}', 'anomalies'), 'leakage.json'))
    assert report['passed'] is True
    assert report['group_feature'] == 'user'
    assert report['groups_across_splits']['groups'] == 0


def test_leakage_check_fails_on_users_with_float_and_bytes_ids_in_two_splits(run):
    from tfx_balance.core.leakage_check import LeakageError

    assert isinstance(run.error, LeakageError)
    message = str(run.error)
    assert "2 group(s) of group_feature 'user' have examples in two or more splits" in message
    assert "train & eval: 2 (e.g. '17.3', '5.3')" in message
