"""tfx_balance.periodic: a one-shot pipeline's components wired to a history, without Resolvers
(the runs themselves: tests/pipelines/test_periodic_e2e.py and tests/orchestration/kubeflow/test_kfp_local.py)."""

import json

import pytest
from tfx import v1 as tfx

from pipelines.periodic.pipeline import create_pipeline
from tfx_balance import periodic
from tfx_balance.core.common.errors import ConfigError


@pytest.fixture(scope='module')
def components(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('periodic'))
    return {c.id: c for c in create_pipeline(root, metadata_path=f'{root}/m.db').components}


def _source(channel):
    return channel.producer_component_id, channel.output_key


def test_the_components_that_look_back_read_lookbacks_history(components):
    readers = {
        name
        for name, c in components.items()
        if c.inputs.get('history') is not None and name != 'CommitSpan'
    }
    assert readers == {'StratifiedSplitter', 'DriftCheck', 'LeakageCheck', 'BalancedInputGen'}
    for name in readers:
        assert _source(components[name].inputs['history']) == ('LookBack', 'history')
    # The drift check takes its span from the examples its statistics are of.
    assert _source(components['DriftCheck'].inputs['input_examples']) == (
        'CsvExampleGen',
        'examples',
    )
    assert _source(components['Trainer'].inputs['base_model']) == ('LookBack', 'model')
    assert _source(components['Evaluator'].inputs['baseline_model']) == ('LookBack', 'model')


def test_commitspan_records_each_output_and_runs_after_every_other_component_but_pushers(
    components,
):
    commit = components['CommitSpan']
    assert {key: _source(channel) for key, channel in commit.inputs.items()} == {
        'history': ('LookBack', 'history'),
        'assignments': ('StratifiedSplitter', 'assignments'),
        'statistics': ('StatisticsGen', 'statistics'),
        'key_index': ('LeakageCheck', 'anomalies'),
        'layout': ('BalancedInputGen', 'examples'),
        'model': ('Trainer', 'model'),
        'blessing': ('Evaluator', 'blessing'),
    }
    assert {c.id for c in commit.upstream_nodes} == set(components) - {'CommitSpan', 'Pusher'}
    assert 'CommitSpan' in {c.id for c in components['Pusher'].upstream_nodes}


def test_lookback_runs_before_every_other_component(components):
    # It checks history_root first: a bad one fails the run before ExampleGen ingests anything.
    for name, component in components.items():
        if name != 'LookBack':
            assert 'LookBack' in {c.id for c in component.upstream_nodes}, name


def test_a_window_larger_than_the_horizon_is_refused_when_the_pipeline_is_built(components):
    splitter = components['StratifiedSplitter']
    with pytest.raises(ConfigError, match='window 8 is larger than horizon 7'):
        periodic([splitter], history_root='/h', pipeline_name='p', horizon=7, window=8)


def test_the_history_belongs_to_the_pipeline_and_its_split(components):
    properties = components['LookBack'].exec_properties
    assert json.loads(properties['identity']) == {
        'group_feature': 'company',
        'label_feature': 'payment_type',
        'pipeline': 'tfx-balance-periodic',
        'seed': 0,
        'splits': '[["train", 8], ["eval", 1], ["test", 1]]',
    }
    assert (properties['horizon'], properties['window']) == (7, 3)
    assert properties['history_root'].endswith('/history')


def test_stratify_features_join_the_identity_only_where_set(components):
    from tfx_balance import StratifiedSplitter
    from tfx_balance.orchestration.periodic import identity_of

    examples = components['CsvExampleGen'].outputs['examples']
    plain = StratifiedSplitter(examples=examples, label_feature='y')
    strata = StratifiedSplitter(examples=examples, label_feature='y', stratify_features=['site'])
    assert 'stratify_features' not in identity_of(plain, 'p')
    assert json.loads(identity_of(strata, 'p')['stratify_features']) == ['site']


def test_the_standard_executors_become_ours(components):
    for name in ('CsvExampleGen', 'Trainer', 'Evaluator', 'Transform'):
        executor = components[name].executor_spec.executor_class
        assert executor.__module__ == 'tfx_balance.orchestration.tfx_executors', name


def test_a_resolver_or_no_single_splitter_is_refused(components):
    resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
    ).with_id('latest_model')
    with pytest.raises(ConfigError, match='the history replaces Resolvers.*remove latest_model'):
        periodic([resolver], history_root='/h', pipeline_name='p')
    with pytest.raises(ConfigError, match='exactly one StratifiedSplitter.*found 0'):
        periodic([components['Transform']], history_root='/h', pipeline_name='p')


def test_only_the_served_models_trainer_and_evaluator_get_the_latest_blessed_model(tmp_path):
    # The digits sample trains a baseline beside the balanced model; the Pusher's is the one
    # warm-started, compared with the latest blessed model and kept in the history.
    from pipelines.digits.pipeline import create_pipeline as digits_pipeline

    root = str(tmp_path)
    components = digits_pipeline(root, metadata_path=f'{root}/m.db').components
    wired = {c.id: c for c in periodic(components, history_root='/h', pipeline_name='digits')}
    trainers = [i for i, c in wired.items() if type(c).__name__ == 'Trainer']
    assert len(trainers) == 2
    warm = [i for i in trainers if wired[i].inputs.get('base_model') is not None]
    pusher_model = wired['Pusher'].inputs['model'].producer_component_id
    assert warm == [pusher_model]
    commit = wired['CommitSpan'].inputs
    assert _source(commit['model']) == (pusher_model, 'model')
    blessing = wired['Pusher'].inputs['model_blessing'].producer_component_id
    assert _source(commit['blessing']) == (blessing, 'blessing')
    assert wired[blessing].inputs.get('baseline_model') is not None
