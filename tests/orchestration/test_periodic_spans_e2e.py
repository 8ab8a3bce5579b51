"""tfx_balance.periodic when spans do not come in order (issues 82 and 87), under LocalDagRunner:
one history, one MLMD, a small pipeline (ImportExampleGen, StratifiedSplitter, LeakageCheck;
horizon 3, window 2, lateness 2: the history keeps 5 spans) run for spans 1-5, 7 and 8 (the
history has dropped spans 1 and 2), then span 6 late by two spans, span 4 again (a re-run of the
oldest kept span), and span 1 again, older than the history keeps: refused by name. Users recur
over 3 consecutive spans; every user's split is read back from each run's output.

A history_root that is a file stops the run in LookBack, before ExampleGen ingests anything.
Pipelines moved over with ``seed_history``: from TFX's hash split (no user moves), and from the
Resolver recipe (no user moves; LookBack hands its model over; the drift check, LeakageCheck and
layout read the recipe's statistics, key index and layout of the span before)."""

import collections
import os
import shutil
import tempfile

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

HORIZON, WINDOW, LATENESS = 3, 2, 2
SPLITS = {'train': 6, 'eval': 2, 'test': 2}
# Span 6 late after 7 and 8 (spans 1 and 2 dropped by then); span 4 re-run (the oldest kept);
# span 1 re-run (dropped).
SCHEDULE = (1, 2, 3, 4, 5, 7, 8, 6, 4, 1)


def _users(span):
    """Span ``span``'s users: 90 of them, 60 shared with the span after it."""
    return range(30 * (span - 1), 30 * (span - 1) + 90)


def _records(span):
    return [
        example(label='fraud' if user % 7 == 0 else 'ok', user=f'u{user}', x=float(span + j))
        for user in _users(span)
        for j in range(1 + user % 2)
    ]


def _gen(data_dir, span):
    from tfx import v1 as tfx

    return tfx.components.ImportExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
        range_config=tfx.proto.RangeConfig(  # the span the run is for, not the newest
            static_range=tfx.proto.StaticRange(start_span_number=span, end_span_number=span)
        ),
    )


def _components(data_dir, span, history_root, drift_and_layout=False):
    """The pipeline of the schedule under ``periodic()``; ``drift_and_layout``: with
    StatisticsGen, a drift check and BalancedInputGen too (what a run reads of the history:
    statistics and layouts)."""
    from tfx import v1 as tfx

    from tfx_balance import (
        BalancedInputGen,
        ClassDistributionValidator,
        LeakageCheck,
        StratifiedSplitter,
        periodic,
    )

    gen = _gen(data_dir, span)
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'], label_feature='label', splits=SPLITS, group_feature='user'
    )
    leakage = LeakageCheck(examples=splitter.outputs['examples'], group_feature='user')
    components = [gen, splitter, leakage]
    if drift_and_layout:
        statistics = tfx.components.StatisticsGen(examples=gen.outputs['examples'])
        drift = ClassDistributionValidator(
            statistics=statistics.outputs['statistics'],
            label_feature='label',
            compare_splits=[],
            max_drift_distance=1.0,
        ).with_id('DriftCheck')
        layout = BalancedInputGen(examples=splitter.outputs['examples'], label_feature='label')
        components += [statistics, drift, layout]
    return periodic(
        components,
        history_root=history_root,
        pipeline_name='periodic-spans-e2e',
        horizon=HORIZON,
        window=WINDOW,
        lateness=LATENESS,
    )


def _split_of_users(out, splits=SPLITS):
    from tensorflow.core.example import example_pb2

    from tests.support.artifacts import read_split

    return {
        example_pb2.Example.FromString(r).features.feature['user'].bytes_list.value[0].decode(): s
        for s in splits
        for r in read_split(out, s)
    }


@pytest.fixture(scope='module')
def runs():
    """``[(span, error, {user: split} or None, history generation after the run)]`` in
    ``SCHEDULE`` order."""
    from tests.support.local_dag import run_local
    from tfx_balance.core import history

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='periodic_spans_e2e_')
    data_dir, history_root = os.path.join(root, 'data'), os.path.join(root, 'history')
    done, outputs = [], set()
    for span in SCHEDULE:
        path = os.path.join(data_dir, f'span-{span}', 'part-0.gz')
        if not os.path.exists(path):
            write_records(path, _records(span))
        run = run_local(
            'periodic-spans-e2e',
            root,
            _components(data_dir, span, history_root),
            raises=history.SpanNotKeptError,
        )
        out = run.output('StratifiedSplitter')
        users = None if run.error or out in outputs else _split_of_users(out)
        outputs.add(out)
        done.append((span, run.error, users, history.read_index(history_root).generation))
    yield root, history_root, done
    shutil.rmtree(root, ignore_errors=True)


def _accepted(done):
    return [(span, users) for span, error, users, _ in done if error is None]


def test_every_run_of_the_schedule_but_the_old_rerun_is_accepted_and_committed(runs):
    _, _, done = runs
    assert [(span, error is None) for span, error, _, _ in done] == [
        (s, s != 1 or n == 0) for n, s in enumerate(SCHEDULE)
    ]
    assert [generation for *_, generation in done] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]


def test_a_late_span_in_steady_state_keeps_the_split_the_later_spans_gave_its_users(runs):
    from tfx_balance.core import history

    _, history_root, done = runs
    accepted = _accepted(done)
    late = dict(accepted[7:8])[6]
    later = {u: s for span, users in accepted[:7] if span > 6 for u, s in users.items()}
    earlier = {u: s for span, users in accepted[:7] if span < 6 for u, s in users.items()}
    shared = sorted(set(late) & set(later))
    assert len(shared) == 60  # spans 7 and 8 ran without span 6
    assert [u for u in shared if late[u] != later[u]] == []
    assert len(set(late) & set(earlier)) == 60  # spans 4 and 5, kept beside it
    assert [u for u in set(late) & set(earlier) if late[u] != earlier[u]] == []
    # The history had dropped spans 1 and 2 when span 6 came: the steady state.
    assert history.spans_kept(HORIZON, WINDOW, LATENESS) == 5


def test_no_user_is_in_two_splits_over_all_the_runs(runs):
    _, _, done = runs
    splits = collections.defaultdict(set)
    for _, users in _accepted(done):
        for user, split in users.items():
            splits[user].add(split)
    assert len(splits) == len(set().union(*(_users(s) for s in set(SCHEDULE))))
    assert {u: s for u, s in splits.items() if len(s) > 1} == {}


def test_a_rerun_of_the_oldest_kept_span_keeps_every_user_where_its_first_run_put_it(runs):
    _, _, done = runs
    first, again = [users for span, users in _accepted(done) if span == 4]
    assert again == first


def test_a_span_older_than_the_history_keeps_is_refused_by_name_and_commits_nothing(runs):
    from tfx_balance.core import history

    _, history_root, done = runs
    span, error, _, generation = done[-1]
    assert span == 1 and isinstance(error, history.SpanNotKeptError)
    assert 'Span 1 is older than the history' in str(error)
    assert 'at least 6 accepted spans are newer than it' in str(error)
    assert 'lateness=6 or more' in str(error)
    index = history.read_index(history_root)
    assert (index.generation, [r.span for r in index.records]) == (generation, [4, 5, 6, 7, 8])
    assert set(os.listdir(os.path.join(history_root, 'runs'))) == history.named_runs(history_root)


def test_a_history_root_that_is_a_file_stops_the_run_before_example_gen(tmp_path):
    from tests.support.local_dag import run_local
    from tfx_balance.core.common.errors import ConfigError

    data_dir, history_root = str(tmp_path / 'data'), str(tmp_path / 'history')
    write_records(os.path.join(data_dir, 'span-1', 'part-0.gz'), _records(1))
    open(history_root, 'w').close()
    run = run_local(
        'periodic-file-root',
        str(tmp_path),
        _components(data_dir, 1, history_root),
        raises=ConfigError,
    )
    assert 'is a file, not a folder' in str(run.error)
    assert not os.path.exists(os.path.join(run.pipeline_root, 'ImportExampleGen'))


def _hash_split_gen(data_dir, span):
    """TFX's ImportExampleGen with its own hash split (2:1, a user's examples kept together by
    ``partition_feature_name``): how a running pipeline split before it moved over."""
    from tfx import v1 as tfx

    return tfx.components.ImportExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
        output_config=tfx.proto.Output(
            split_config=tfx.proto.SplitConfig(
                splits=[
                    tfx.proto.SplitConfig.Split(name='train', hash_buckets=2),
                    tfx.proto.SplitConfig.Split(name='eval', hash_buckets=1),
                ],
                partition_feature_name='user',
            )
        ),
        range_config=tfx.proto.RangeConfig(
            static_range=tfx.proto.StaticRange(start_span_number=span, end_span_number=span)
        ),
    )


def test_a_pipeline_moved_over_from_tfx_hash_split_keeps_every_user_where_it_was(tmp_path):
    from tfx.orchestration import metadata

    from tests.support.local_dag import run_local
    from tfx_balance import seed_history
    from tfx_balance.core import history
    from tfx_balance.orchestration.history_seed import outputs_by_span

    data_dir, history_root = str(tmp_path / 'data'), str(tmp_path / 'history')
    old_split = {}
    for span in (1, 2, 3):
        write_records(os.path.join(data_dir, f'span-{span}', 'part-0.gz'), _records(span))
        run = run_local('hash-split', str(tmp_path / 'old'), [_hash_split_gen(data_dir, span)])
        old_split.update(_split_of_users(run.output('ImportExampleGen'), ('train', 'eval')))
    mlmd = metadata.sqlite_metadata_connection_config(run.metadata_path)
    before = outputs_by_span(mlmd, 'hash-split', 'ImportExampleGen', 'examples')
    assert sorted(before) == [1, 2, 3]
    write_records(os.path.join(data_dir, 'span-4', 'part-0.gz'), _records(4))
    components = _components(data_dir, 4, history_root)  # periodic(): LookBack, ..., CommitSpan
    index = seed_history(
        [c for c in components if type(c).__name__ == 'StratifiedSplitter'],
        history_root,
        'periodic-spans-e2e',
        spans=before,
        horizon=HORIZON,
        window=WINDOW,
    )
    assert [r.span for r in index.records] == [1, 2, 3]
    run = run_local('periodic-spans-e2e', str(tmp_path / 'new'), components)
    after = _split_of_users(run.output('StratifiedSplitter'))
    recurring = sorted(set(after) & set(old_split))
    assert len(recurring) == 60  # users 90-149, in spans 2, 3 and 4
    assert [u for u in recurring if after[u] != old_split[u]] == []
    assert [r.span for r in history.read_index(history_root).records] == [1, 2, 3, 4]


def _recipe_components(data_dir, span):
    """The Resolver recipe (0.2.0's, deprecated): the splitter keeps the splits of its own earlier
    assignments, LeakageCheck reads its own earlier key indexes (PreviousSpanStrategy), and the
    span's statistics and layout are written for the next runs' Resolvers."""
    from tfx import v1 as tfx

    from tfx_balance import (
        BalancedInputGen,
        LeakageCheck,
        PreviousSpanStrategy,
        SplitAssignments,
        StratifiedSplitter,
    )

    def previous(artifact_type, producer, key):
        return tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            config={'num_spans': HORIZON, 'skip_newest': False},
            **{key: tfx.dsl.Channel(artifact_type, producer_component_id=producer, output_key=key)},
        ).with_id(f'previous_{key}')

    gen = _gen(data_dir, span)
    assignments = previous(SplitAssignments, 'StratifiedSplitter', 'assignments')
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'],
        label_feature='label',
        splits=SPLITS,
        group_feature='user',
        previous_assignments=assignments.outputs['assignments'],
    )
    indexes = previous(tfx.types.standard_artifacts.ExampleAnomalies, 'LeakageCheck', 'anomalies')
    leakage = LeakageCheck(
        examples=splitter.outputs['examples'],
        group_feature='user',
        previous_key_index=indexes.outputs['anomalies'],
    )
    statistics = tfx.components.StatisticsGen(examples=gen.outputs['examples'])
    layout = BalancedInputGen(examples=splitter.outputs['examples'], label_feature='label')
    return [gen, assignments, splitter, indexes, leakage, statistics, layout]


def test_a_pipeline_moved_over_from_the_resolver_recipe_reads_what_the_recipe_wrote(tmp_path):
    from tfx.orchestration import metadata

    from tests.support.artifacts import label_counts, read_json
    from tests.support.local_dag import run_local
    from tfx_balance import seed_history
    from tfx_balance.orchestration.history_seed import outputs_by_span

    data_dir, history_root = str(tmp_path / 'data'), str(tmp_path / 'history')
    old_split = {}
    for span in (1, 2):
        write_records(os.path.join(data_dir, f'span-{span}', 'part-0.gz'), _records(span))
        run = run_local('recipe', str(tmp_path / 'old'), _recipe_components(data_dir, span))
        old_split.update(_split_of_users(run.output('StratifiedSplitter')))
    mlmd = metadata.sqlite_metadata_connection_config(run.metadata_path)
    recipe = {
        name: outputs_by_span(mlmd, 'recipe', component, key)
        for name, component, key in [
            ('spans', 'StratifiedSplitter', 'examples'),
            ('statistics', 'StatisticsGen', 'statistics'),
            ('key_indexes', 'LeakageCheck', 'anomalies'),
            ('layouts', 'BalancedInputGen', 'examples'),
        ]
    }
    assert {name: sorted(found) for name, found in recipe.items()} == dict.fromkeys(recipe, [1, 2])
    model = tmp_path / 'blessed' / 'Format-Serving' / 'saved_model.pb'  # a Trainer's model folder
    model.parent.mkdir(parents=True)
    model.write_bytes(b'the blessed model')
    write_records(os.path.join(data_dir, 'span-3', 'part-0.gz'), _records(3))
    components = _components(data_dir, 3, history_root, drift_and_layout=True)
    splitter = [c for c in components if type(c).__name__ == 'StratifiedSplitter']
    seed_history(
        splitter,
        history_root,
        'periodic-spans-e2e',
        **recipe,
        model=str(tmp_path / 'blessed'),
        horizon=HORIZON,
        window=WINDOW,
    )
    run = run_local('periodic-spans-e2e', str(tmp_path / 'new'), components)

    after = _split_of_users(run.output('StratifiedSplitter'))
    recurring = sorted(set(after) & set(old_split))
    assert len(recurring) == 60  # users 60-119, in spans 1 or 2 and in 3
    assert [u for u in recurring if after[u] != old_split[u]] == []
    # LookBack hands the seeded model over (the Trainer's base_model, the Evaluator's baseline).
    copied = os.path.join(run.output('LookBack', 'model'), 'Format-Serving', 'saved_model.pb')
    with open(copied, 'rb') as f:
        assert f.read() == b'the blessed model'
    # Each component read the recipe's span-2 output (window 2: this span and the one before).
    plan = read_json(os.path.join(run.output('BalancedInputGen'), 'balance_plan.json'))
    assert plan['window'] == [recipe['layouts'][2]]
    drift = read_json(
        os.path.join(run.output('DriftCheck', 'anomalies'), 'class_distribution.json')
    )
    baseline = collections.Counter()
    for split in drift['baseline_drift'].values():
        baseline.update({c: n['baseline'] for c, n in split['classes'].items()})
    assert baseline == {'fraud': 20, 'ok': 115} == label_counts(_records(2), 'label')
    leakage = read_json(os.path.join(run.output('LeakageCheck', 'anomalies'), 'leakage.json'))
    assert leakage['passed'] and sum(leakage['examples'].values()) == len(_records(2) + _records(3))
    sources = {source.split(' of ')[1] for found in leakage['seen_in'].values() for source in found}
    assert sources == {'span 2', 'span 3'}
