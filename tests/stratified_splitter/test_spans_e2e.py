"""Splits that never change across spans (issue 51, item 1) under LocalDagRunner: one pipeline
run twice in one MLMD, one new span per run (ImportExampleGen reads ``span-{SPAN}/``). The
splitter's ``previous_assignments`` come from a Resolver of its own earlier ``assignments``
(PreviousSpanStrategy, skip_newest=False, resolved before the splitter runs): on the first run it
resolves nothing; on the second, every user seen in span 1 stays in its span-1 split.

LeakageCheck's daily recipe (issue 51, item 3) rides along: each run checks its span's splitter
output with the key indexes of the earlier runs (``previous_key_index``, PreviousSpanStrategy
over its own ``key_index``), and passes; a second check of crafted pre-split spans (user u1 in
train of span 1 and in eval of span 2) fails the second run, naming both spans.

Users whose id changes type between the spans (issue 73, case 1): int64 in span 1, bytes or float
in span 2, keep their split, and LeakageCheck over the window agrees. A third run, whose earlier
assignments are damaged (case 3), fails with a DataError naming the file, and publishes nothing."""

import collections
import json
import os
import shutil
import tempfile

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

# span -> its users ('u0'...); users 40-79 recur. 10% fraud users, 2-3 examples each.
SPANS = {1: range(0, 80), 2: range(40, 120)}
# Users in both spans whose id is int64 in span 1; in span 2, 1000-1019 are bytes (b'1000'),
# 1020-1039 floats (1020.0) and 1040-1059 still int64 (the controls).
TYPED = range(1000, 1060)


def _stored(user, span):
    """How span ``span`` stores typed user ``user``'s id."""
    if span == 1 or user >= 1040:
        return user
    return str(user) if user < 1020 else float(user)


def _records(span):
    users = [(f'u{user}', user) for user in SPANS[span]]
    users += [(_stored(user, span), user) for user in TYPED]
    return [
        example(label='fraud' if n % 10 == 0 else 'ok', user=stored, x=float(span * 10 + j))
        for stored, n in users
        for j in range(2 + n % 2)
    ]


def _number(user: str) -> int:
    return int(user.removeprefix('u'))


# crafted spans, split upstream: u1 is in train of span 1 and in eval of span 2
CRAFTED = {
    1: {'train': [('u1', 1.0), ('u2', 2.0)], 'eval': [('u3', 3.0)]},
    2: {'train': [('u4', 4.0)], 'eval': [('u1', 5.0), ('u5', 6.0)]},
}


def _previous_key_index(tfx, check_id):
    from tfx_balance import PreviousSpanStrategy

    return tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        config={'num_spans': 7, 'skip_newest': False},
        anomalies=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ExampleAnomalies,
            producer_component_id=check_id,
            output_key='anomalies',
        ),
    ).with_id(f'previous_key_index_{check_id}')


def _components(data_dir):
    from tfx import v1 as tfx

    from tfx_balance import LeakageCheck, PreviousSpanStrategy, SplitAssignments, StratifiedSplitter

    gen = tfx.components.ImportExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
    )
    previous = tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        config={'num_spans': 7, 'skip_newest': False},
        assignments=tfx.dsl.Channel(
            type=SplitAssignments,
            producer_component_id='StratifiedSplitter',
            output_key='assignments',
        ),
    ).with_id('previous_assignments')
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'],
        label_feature='label',
        group_feature='user',
        previous_assignments=previous.outputs['assignments'],
    )
    indexes = _previous_key_index(tfx, 'LeakageCheck')
    leakage = LeakageCheck(
        examples=splitter.outputs['examples'],
        group_feature='user',
        previous_key_index=indexes.outputs['anomalies'],
    )
    crafted_gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(data_dir, 'crafted'),
        input_config=tfx.proto.Input(
            splits=[
                tfx.proto.Input.Split(name=s, pattern=f'span-{{SPAN}}/{s}/*')
                for s in ('train', 'eval')
            ]
        ),
    ).with_id('crafted_gen')
    crossing_indexes = _previous_key_index(tfx, 'crossing_check')
    crossing = LeakageCheck(
        examples=crafted_gen.outputs['examples'],
        group_feature='user',
        previous_key_index=crossing_indexes.outputs['anomalies'],
    ).with_id('crossing_check')
    crossing.add_upstream_node(leakage)  # runs last: its failure stops nothing else
    return [gen, previous, splitter, indexes, leakage, crafted_gen, crossing_indexes, crossing]


@pytest.fixture(scope='module')
def runs():
    from tests.support.local_dag import run_local
    from tfx_balance.core.leakage_check import LeakageError

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='splitter_spans_e2e_')
    data_dir = os.path.join(root, 'data')
    done = {}
    for span in SPANS:
        write_records(os.path.join(data_dir, f'span-{span}', 'part-0.gz'), _records(span))
        for split, rows in CRAFTED[span].items():
            write_records(
                os.path.join(data_dir, 'crafted', f'span-{span}', split, 'part-0.gz'),
                [example(user=u, x=x) for u, x in rows],
            )
        run = run_local('splitter-spans-e2e', root, _components(data_dir), raises=LeakageError)
        done[span] = (
            run,
            run.output('StratifiedSplitter'),
            run.output('StratifiedSplitter', 'assignments'),
        )
    yield done
    shutil.rmtree(root, ignore_errors=True)


def _users(out):
    """{group id: split} of a splitter output (an id as LeakageCheck reads it, whatever its
    type: ``groups.read_group_id``)."""
    from tensorflow.core.example import example_pb2

    from tests.support.artifacts import read_split
    from tfx_balance.core.common.groups import read_group_id

    return {
        read_group_id(example_pb2.Example.FromString(r), 'user')[0].decode(): s
        for s in ('train', 'eval', 'test')
        for r in read_split(out, s)
    }


def _report(out):
    with open(os.path.join(out, 'split_counts.json')) as f:
        return json.load(f)


def test_every_recurring_user_keeps_its_split_of_the_earlier_span(runs):
    (_, out1, _), (_, out2, _) = runs[1], runs[2]
    first, second = _users(out1), _users(out2)
    recurring = sorted(set(first) & set(second))
    assert len(recurring) == 40 + len(TYPED)  # a typed user is one group in both spans
    moved = [u for u in recurring if second[u] != first[u]]
    assert moved == []  # of which 20 are now bytes, 20 floats
    assert 'pinned' not in _report(out1)
    pinned = _report(out2)['pinned']['pinned']
    per_class = collections.Counter()
    for u in recurring:
        n = _number(u)
        per_class['fraud' if n % 10 == 0 else 'ok', first[u]] += 2 + n % 2
    assert {(c, s): n for c, row in pinned.items() for s, n in row.items() if n} == per_class


def test_the_assignments_carry_their_span_and_one_record_per_user(runs):
    import tensorflow as tf

    from tfx_balance.core.split.assignments import decode_assignments

    for span, (run, _, assignments) in runs.items():
        artifact = run.artifact(assignments)
        assert artifact.get_int_custom_property('span') == span
        files = tf.io.gfile.glob(os.path.join(assignments, 'assignments-*.gz'))
        pairs = [
            pair
            for r in tf.data.TFRecordDataset(files, compression_type='GZIP')
            for pair in decode_assignments(r.numpy())
        ]
        assert len(pairs) == len(SPANS[span]) + len(TYPED) == len({key for key, _ in pairs})


def test_leakage_check_with_the_earlier_key_indexes_passes_the_split_and_fails_a_crossing(runs):
    (run1, _, _), (run2, _, _) = runs[1], runs[2]
    assert run1.error is None
    anomalies = run2.output('LeakageCheck', 'anomalies')
    with open(os.path.join(anomalies, 'leakage.json')) as f:
        report = json.load(f)
    assert report['passed'] and report['groups_across_splits']['groups'] == 0
    assert sum(report['examples'].values()) == len(_records(1)) + len(_records(2))
    assert run2.artifact(anomalies).get_int_custom_property('span') == 2
    assert os.path.exists(os.path.join(anomalies, 'key_index.json'))  # the next run's index
    message = str(run2.error)
    assert "1 group(s) of group_feature 'user' have examples in two or more splits" in message
    assert "'u1' in train of span 1 and eval of span 2" in message


@pytest.fixture(scope='module')
def damaged(runs):
    """A third run, after span 2's assignments file was cut in half (then restored)."""
    import glob

    from tests.support.local_dag import run_local
    from tfx_balance.core.common.errors import DataError

    root = runs[1][0].root
    data_dir = os.path.join(root, 'data')
    write_records(os.path.join(data_dir, 'span-3', 'part-0.gz'), _records(2))
    (path,) = glob.glob(os.path.join(runs[2][2], 'assignments-*.gz'))
    with open(path, 'rb') as f:
        data = f.read()
    try:
        with open(path, 'wb') as f:
            f.write(data[: len(data) // 2])
        run = run_local('splitter-spans-e2e', root, _components(data_dir), raises=DataError)
    finally:
        with open(path, 'wb') as f:
            f.write(data)
    return run, path


def test_damaged_earlier_assignments_fail_the_run_naming_the_file_and_publish_nothing(damaged):
    run, path = damaged
    message = str(run.error)
    assert message.startswith(f'previous_assignments is damaged: {path} cannot be read ('), message
    assert message.endswith(
        'Re-run the span that wrote it, or leave that span out of the window of '
        'previous_assignments (its Resolver).'
    )
    import glob

    live = {uri for uri, a in run.mlmd_artifacts().items() if a.state == a.LIVE}
    for key in ('examples', 'assignments'):
        folders = glob.glob(os.path.join(run.pipeline_root, 'StratifiedSplitter', key, '*'))
        assert len([f for f in folders if f in live]) == 2  # the runs of spans 1 and 2 only
        assert [os.listdir(f) for f in folders if f not in live] in ([], [[]])  # none written
