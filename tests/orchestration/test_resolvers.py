"""PreviousSpanStrategy on ExampleStatistics artifacts as MLMD returns them (span, create time),
its config checked where the pipeline is built and where the Resolver runs, and (issue 73) a bad
config under LocalDagRunner across two spans: TFX's own handling of a strategy's error lets the
splitter run without earlier assignments; ours stops the run before it."""

import os
import shutil
import tempfile

import pytest
from tfx.dsl.components.common import resolver

from tests.support.examples import example, write_records


def _stats(span, created, artifact_id):
    from tfx.types import standard_artifacts

    a = standard_artifacts.ExampleStatistics()
    a.span = span
    a.mlmd_artifact.create_time_since_epoch = created
    a.id = artifact_id
    return a


def _resolve(artifacts, **config):
    from tfx_balance import PreviousSpanStrategy

    resolved = PreviousSpanStrategy(**config).resolve_artifacts(None, {'statistics': artifacts})
    return [(a.span, a.id) for a in resolved['statistics']]


def test_the_newest_span_is_skipped_and_each_earlier_span_gives_its_newest_artifact():
    # Span 2 ran twice (a stopped run, then a re-run), span 3 is this run's.
    artifacts = [_stats(1, 10, 1), _stats(2, 20, 2), _stats(2, 30, 3), _stats(3, 40, 4)]
    assert _resolve(artifacts) == [(2, 3)]
    assert _resolve(artifacts, num_spans=2) == [(2, 3), (1, 1)]
    # A re-run of span 3 still compares with span 2, not with the stopped run of span 3.
    assert _resolve(artifacts + [_stats(3, 50, 5)]) == [(2, 3)]


def test_a_first_run_resolves_nothing_and_data_without_spans_gets_the_previous_run():
    assert _resolve([_stats(1, 10, 1)]) == []
    assert _resolve([]) == []
    unspanned = [_stats(0, 10, 1), _stats(0, 20, 2), _stats(0, 30, 3)]
    assert _resolve(unspanned) == [(0, 2)]


def test_skip_newest_false_gives_the_last_spans_before_the_run_that_writes_this_span():
    # Resolved before this run's StratifiedSplitter: every span found is an earlier run's.
    artifacts = [_stats(1, 10, 1), _stats(2, 20, 2), _stats(2, 30, 3), _stats(3, 40, 4)]
    assert _resolve(artifacts, num_spans=2, skip_newest=False) == [(3, 4), (2, 3)]
    assert _resolve(artifacts, num_spans=7, skip_newest=False) == [(3, 4), (2, 3), (1, 1)]
    assert _resolve([], num_spans=7, skip_newest=False) == []  # the first run: nothing pinned
    unspanned = [_stats(0, 10, 1), _stats(0, 20, 2), _stats(0, 30, 3)]
    assert _resolve(unspanned, num_spans=2, skip_newest=False) == [(0, 3), (0, 2)]


def test_a_rolling_window_skips_a_span_without_an_artifact_and_keeps_its_size():
    # The Trainer's window of layouts, resolved after this run's (span 8): span 7 was stopped
    # before BalancedInputGen, so it has no layout, and the window is the 3 spans that have one.
    layouts = [_stats(s, 10 * s, s) for s in (4, 5, 6, 8)]
    assert _resolve(layouts, num_spans=3, skip_newest=False) == [(8, 8), (6, 6), (5, 5)]


def test_one_span_run_twice_is_one_span_not_two_runs_without_spans():
    # Span 6, then its re-run, and nothing else: the baseline has no span before it (not the
    # stopped run of span 6 itself), and a window holds span 6 once, by its newest artifact.
    # Span 0 run twice is data without spans: the run before; a window of 3 holds both runs.
    twice = [_stats(6, 10, 1), _stats(6, 20, 2)]
    assert _resolve(twice) == []
    assert _resolve(twice, num_spans=3, skip_newest=False) == [(6, 2)]
    unspanned = [_stats(0, 10, 1), _stats(0, 20, 2)]
    assert _resolve(unspanned) == [(0, 1)]
    assert _resolve(unspanned, num_spans=3, skip_newest=False) == [(0, 2), (0, 1)]


BAD_CONFIGS = [
    (
        {'num_span': 2},
        "PreviousSpanStrategy config has key 'num_span' (value 2), which it does not take; its "
        'keys: num_spans (an int >= 1, default 1), skip_newest (True or False, default True). '
        "Did you mean 'num_spans'? Fix the Resolver's config: config={'num_spans': 2}.",
    ),
    (
        {'num_spans': '2', 'skip_newest': False},
        "PreviousSpanStrategy config['num_spans'] is '2' (str); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 2, "
        "'skip_newest': False}.",
    ),
    (
        {'num_spans': 2.0},
        "PreviousSpanStrategy config['num_spans'] is 2.0 (float); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 2}.",
    ),
    (
        {'num_spans': True},
        "PreviousSpanStrategy config['num_spans'] is True (bool); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 1}.",
    ),
    (
        {'num_spans': 0},
        "PreviousSpanStrategy config['num_spans'] is 0 (int); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 1} (to read no "
        'earlier span, leave the Resolver out: the input it feeds is optional).',
    ),
    (
        {'num_spans': -1},
        "PreviousSpanStrategy config['num_spans'] is -1 (int); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 1} (to read no "
        'earlier span, leave the Resolver out: the input it feeds is optional).',
    ),
    (
        {'num_spans': 3, 'skip_newest': 'no'},
        "PreviousSpanStrategy config['skip_newest'] is 'no' (str); expected True or False: "
        "whether the newest span is left out (True: the spans before this run's, resolved after "
        "it; False: a window ending with the newest span). Fix the Resolver's config: "
        "config={'num_spans': 3, 'skip_newest': False}.",
    ),
]


@pytest.mark.parametrize('config, message', BAD_CONFIGS)
def test_a_bad_config_stops_the_resolver_naming_the_key_the_value_and_the_fix(config, message):
    """Raised where TFX builds the strategy (the Resolver's run): a BaseException, which TFX's
    input resolution does not catch, caused by the ConfigError of the same message."""
    from tfx_balance.core.common.errors import ConfigError, find_balance_error
    from tfx_balance.orchestration.resolvers import PreviousSpanStrategy, ResolverConfigError

    with pytest.raises(ResolverConfigError) as raised:
        PreviousSpanStrategy(**config)
    assert str(raised.value) == message
    assert not isinstance(raised.value, Exception)
    assert isinstance(find_balance_error(raised.value), ConfigError)


def _resolver(config, resolver_id='previous_assignments', strategy=None):
    """A Resolver of the splitter's assignments (``strategy``: PreviousSpanStrategy if None)."""
    from tfx import v1 as tfx

    from tfx_balance import PreviousSpanStrategy, SplitAssignments

    return tfx.dsl.Resolver(
        strategy_class=strategy or PreviousSpanStrategy,
        config=config,
        assignments=tfx.dsl.Channel(
            type=SplitAssignments,
            producer_component_id='StratifiedSplitter',
            output_key='assignments',
        ),
    ).with_id(resolver_id)


@pytest.mark.parametrize('config, message', BAD_CONFIGS)
def test_a_bad_config_is_refused_where_the_pipeline_is_built(config, message):
    from tfx import v1 as tfx

    from tfx_balance import StratifiedSplitter
    from tfx_balance.core.common.errors import ConfigError

    examples = tfx.dsl.Channel(type=tfx.types.standard_artifacts.Examples)
    with pytest.raises(ConfigError) as raised:
        StratifiedSplitter(
            examples=examples,
            label_feature='label',
            previous_assignments=_resolver(config).outputs['assignments'],
        )
    where = "Resolver 'previous_assignments' (PreviousSpanStrategy, given as previous_assignments)"
    assert str(raised.value) == message.replace('PreviousSpanStrategy', where, 1)


def test_each_component_that_looks_back_checks_its_resolvers_config():
    """LeakageCheck's previous_key_index, the validator's baseline_statistics and
    BalancedInputGen's window of examples: the same check, naming the argument."""
    from tfx import v1 as tfx

    from tfx_balance import (
        BalancedInputGen,
        ClassDistributionValidator,
        LeakageCheck,
        PreviousSpanStrategy,
    )
    from tfx_balance.core.common.errors import ConfigError

    def resolver(artifact_type, config):
        return tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            config=config,
            found=tfx.dsl.Channel(type=artifact_type),
        ).with_id('window')

    standard = tfx.types.standard_artifacts
    examples = tfx.dsl.Channel(type=standard.Examples)
    statistics = tfx.dsl.Channel(type=standard.ExampleStatistics)
    builds = {  # argument: (the artifact type it takes, the component built with it)
        'previous_key_index': (
            standard.ExampleAnomalies,
            lambda window: LeakageCheck(examples=examples, previous_key_index=window),
        ),
        'baseline_statistics': (
            standard.ExampleStatistics,
            lambda window: ClassDistributionValidator(
                statistics=statistics, baseline_statistics=window, label_feature='label'
            ),
        ),
        'examples': (
            standard.Examples,
            lambda window: BalancedInputGen(examples=window, label_feature='label'),
        ),
    }
    for argument, (artifact_type, build) in builds.items():
        refused = rf"^Resolver 'window' \(PreviousSpanStrategy, given as {argument}\) config\["
        with pytest.raises(ConfigError, match=refused + r"'num_spans'\] is 0 \(int\)"):
            build(resolver(artifact_type, {'num_spans': 0}).outputs['found'])
        build(resolver(artifact_type, {'num_spans': 2, 'skip_newest': False}).outputs['found'])


# --- under LocalDagRunner: two spans, the splitter's previous_assignments -----------------------

USERS = {1: range(0, 60), 2: range(30, 90)}  # span -> its users; users 30-59 recur
PIPELINE = 'resolver-config-e2e'


def _records(span):
    return [
        example(label='fraud' if user % 10 == 0 else 'ok', user=f'u{user}', x=float(span * 10 + j))
        for user in USERS[span]
        for j in range(2 + user % 2)
    ]


class RaisingStrategy(resolver.ResolverStrategy):
    """A strategy whose config check raises an ordinary Exception, as PreviousSpanStrategy's did
    before issue 73 (TFX builds it from its module path when the Resolver runs)."""

    def __init__(self, **config):
        raise ValueError(f'num_spans must be an int >= 1, got {config["num_spans"]!r}.')

    def resolve_artifacts(self, store, input_dict):
        return input_dict


def _components(data_dir, strategy, config):
    from tfx import v1 as tfx

    from tfx_balance import StratifiedSplitter

    gen = tfx.components.ImportExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
    )
    previous = _resolver(config, strategy=strategy)
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'],
        label_feature='label',
        group_feature='user',
        previous_assignments=previous.outputs['assignments'],
    )
    return [gen, previous, splitter]


def _splitter_outputs(run) -> list:
    folder = os.path.join(run.pipeline_root, 'StratifiedSplitter', 'examples')
    return sorted(os.listdir(folder), key=int)


def _users(out) -> dict:
    from tensorflow.core.example import example_pb2

    from tests.support.artifacts import read_split

    return {
        example_pb2.Example.FromString(r).features.feature['user'].bytes_list.value[0].decode(): s
        for s in ('train', 'eval', 'test')
        for r in read_split(out, s)
    }


@pytest.fixture(scope='module')
def runs():
    """Span 1 with a right config; span 2 with RaisingStrategy, then with num_spans=0."""
    from tests.support.local_dag import run_local
    from tfx_balance import PreviousSpanStrategy
    from tfx_balance.orchestration.resolvers import ResolverConfigError

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='resolver_config_e2e_')
    data_dir = os.path.join(root, 'data')
    right = {'num_spans': 7, 'skip_newest': False}
    write_records(os.path.join(data_dir, 'span-1', 'part-0.gz'), _records(1))
    first = run_local(PIPELINE, root, _components(data_dir, PreviousSpanStrategy, right))
    span_1 = first.output('StratifiedSplitter')
    write_records(os.path.join(data_dir, 'span-2', 'part-0.gz'), _records(2))
    tfx_way = run_local(PIPELINE, root, _components(data_dir, RaisingStrategy, {'num_spans': 0}))
    span_2 = tfx_way.output('StratifiedSplitter')
    config = dict(right)
    components = _components(data_dir, PreviousSpanStrategy, config)
    # Changed after the splitter checked it: what a Resolver feeding a component that checks
    # nothing (the Trainer's window) carries to its run.
    config['num_spans'] = 0
    stopped = run_local(PIPELINE, root, components, raises=ResolverConfigError)
    yield {'span_1': span_1, 'tfx_way': tfx_way, 'span_2': span_2, 'stopped': stopped}
    shutil.rmtree(root, ignore_errors=True)


def _resolver_states(run) -> list:
    """The state of each execution of the Resolver, oldest first."""
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration import metadata

    config = metadata.sqlite_metadata_connection_config(run.metadata_path)
    with metadata.Metadata(config) as m:
        return [
            metadata_store_pb2.Execution.State.Name(e.last_known_state)
            for e in sorted(m.store.get_executions(), key=lambda e: e.id)
            if f'{PIPELINE}.previous_assignments'
            in [c.name for c in m.store.get_contexts_by_execution(e.id)]
        ]


@pytest.mark.e2e
def test_tfx_logs_a_strategys_error_and_the_splitter_runs_without_earlier_assignments(runs):
    """TFX 1.16's own handling, which PreviousSpanStrategy's ValueError met before issue 73: the
    failed Resolver is recorded, the run returns, and recurring users move."""
    assert runs['tfx_way'].error is None
    assert _resolver_states(runs['tfx_way']) == ['COMPLETE', 'FAILED']
    first, second = _users(runs['span_1']), _users(runs['span_2'])
    recurring = sorted(set(first) & set(second))
    assert len(recurring) == 30
    moved = [u for u in recurring if first[u] != second[u]]
    assert 0 < len(moved) < len(recurring)  # some move: with assignments none would
    with open(os.path.join(runs['span_2'], 'split_counts.json')) as f:
        assert 'pinned' not in f.read()  # nothing was pinned: no earlier assignments


@pytest.mark.e2e
def test_a_bad_config_stops_the_run_before_the_splitter(runs):
    from tfx_balance.core.common.errors import ConfigError, find_balance_error

    stopped = runs['stopped']
    assert str(stopped.error) == (
        "PreviousSpanStrategy config['num_spans'] is 0 (int); expected an int >= 1: how many "
        "spans the window holds. Fix the Resolver's config: config={'num_spans': 1, "
        "'skip_newest': False} (to read no earlier span, leave the Resolver out: the input it "
        'feeds is optional).'
    )
    assert isinstance(find_balance_error(stopped.error), ConfigError)
    # Nothing after it ran, and nothing of the Resolver's run was recorded (no failed execution).
    assert _splitter_outputs(stopped) == _splitter_outputs(runs['tfx_way'])
    assert len(_splitter_outputs(stopped)) == 2
    assert _resolver_states(stopped) == _resolver_states(runs['tfx_way'])
