"""Splits that never change across spans (issue 51, item 1) under LocalDagRunner: one pipeline
run twice in one MLMD, one new span per run (ImportExampleGen reads ``span-{SPAN}/``). The
splitter's ``previous_assignments`` come from a Resolver of its own earlier ``assignments``
(PreviousSpanStrategy, skip_newest=False, resolved before the splitter runs): on the first run it
resolves nothing; on the second, every user seen in span 1 stays in its span-1 split."""

import collections
import json
import os
import shutil
import tempfile

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

# span -> its users; users 40-79 recur. 10% fraud users, 2-3 examples each.
SPANS = {1: range(0, 80), 2: range(40, 120)}


def _records(span):
    return [
        example(label='fraud' if user % 10 == 0 else 'ok', user=f'u{user}', x=float(span * 10 + j))
        for user in SPANS[span]
        for j in range(2 + user % 2)
    ]


def _components(data_dir):
    from tfx import v1 as tfx

    from tfx_balance import PreviousSpanStrategy, SplitAssignments, StratifiedSplitter

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
    return [gen, previous, splitter]


@pytest.fixture(scope='module')
def runs():
    from tests.support.local_dag import run_local

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='splitter_spans_e2e_')
    data_dir = os.path.join(root, 'data')
    done = {}
    for span in SPANS:
        write_records(os.path.join(data_dir, f'span-{span}', 'part-0.gz'), _records(span))
        run = run_local('splitter-spans-e2e', root, _components(data_dir))
        done[span] = (
            run,
            run.output('StratifiedSplitter'),
            run.output('StratifiedSplitter', 'assignments'),
        )
    yield done
    shutil.rmtree(root, ignore_errors=True)


def _users(out):
    from tensorflow.core.example import example_pb2

    from tests.support.artifacts import read_split

    return {
        example_pb2.Example.FromString(r).features.feature['user'].bytes_list.value[0].decode(): s
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
    assert len(recurring) == 40
    assert {u: second[u] for u in recurring} == {u: first[u] for u in recurring}
    assert 'pinned' not in _report(out1)
    pinned = _report(out2)['pinned']['pinned']
    per_class = collections.Counter()
    for u in recurring:
        per_class['fraud' if int(u[1:]) % 10 == 0 else 'ok', first[u]] += 2 + int(u[1:]) % 2
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
        assert len(pairs) == len(SPANS[span]) == len({key for key, _ in pairs})
