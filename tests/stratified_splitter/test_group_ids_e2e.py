"""Group ids of mixed kinds (issue 38, case 1) under LocalDagRunner: 30 users whose examples carry
the id as int64 in some examples and as bytes (or float) in others, as when two sources are
unioned. The splitter (named splits and folds, single-label and multi-label) keeps every user in
one split, and LeakageCheck, with the same group rule, passes each output; before, 14 of the 30
users landed in both train and eval."""

import collections
import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

USERS = 30


def _records():
    """Per user 3-8 examples; the id's kind cycles int64, bytes, float over the user's examples."""
    records = []
    for user in range(USERS):
        for j in range(3 + user % 6):
            kind = j % 3
            uid = 1000 + user if kind == 0 else str(1000 + user) if kind == 1 else 1000.0 + user
            label = 'rare' if user % 5 == 0 else 'common'
            tags = ['a', 'b'] if user % 4 == 0 else ['a']
            records.append(example(label=label, tags=tags, user=uid, x=float(j)))
    return records


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import LeakageCheck, StratifiedSplitter

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
    return run_local('group-ids-e2e', root, [gen, *splitters, *checks])


def _user(record):
    from tensorflow.core.example import example_pb2

    feature = example_pb2.Example.FromString(record).features.feature['user']
    kind = feature.WhichOneof('kind')
    return int(getattr(feature, kind).value[0])


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
    assert len(seen) == USERS
    assert {u: s for u, s in seen.items() if len(s) > 1} == {}
    assert len({frozenset(s) for s in seen.values()}) == len(splits)  # every split has users


@pytest.mark.parametrize('splitter', ['StratifiedSplitter', 'folds', 'multilabel'])
def test_leakage_check_with_the_same_group_rule_passes(run, splitter):
    from tests.support.artifacts import read_json

    report = read_json(os.path.join(run.output(f'leakage_{splitter}', 'anomalies'), 'leakage.json'))
    assert report['passed'] is True
    assert report['group_feature'] == 'user'
    assert report['groups_across_splits']['groups'] == 0
