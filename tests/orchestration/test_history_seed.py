"""tfx_balance.orchestration.history_seed: its MLMD readers on a small MLMD written here, and ``seed_history``
all or nothing on split Examples folders written here (the LocalDagRunner runs that seed a
history from TFX's hash split and the Resolver recipe: tests/orchestration/test_periodic_spans_e2e.py)."""

import os
import re

import pytest

from tfx_balance.core.common.errors import ConfigError, DataError


@pytest.fixture
def mlmd(tmp_path):
    """An MLMD with the Evaluator of pipeline 'p': models 1-3, of which 1 and 2 were blessed."""
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration import metadata

    config = metadata.sqlite_metadata_connection_config(str(tmp_path / 'm.db'))
    store = metadata_store.MetadataStore(config)
    node = store.put_context_type(metadata_store_pb2.ContextType(name='node'))
    (context,) = store.put_contexts([metadata_store_pb2.Context(type_id=node, name='p.Evaluator')])
    model_type = store.put_artifact_type(metadata_store_pb2.ArtifactType(name='Model'))
    blessing_type = store.put_artifact_type(metadata_store_pb2.ArtifactType(name='ModelBlessing'))
    models = store.put_artifacts(
        [metadata_store_pb2.Artifact(type_id=model_type, uri=f'/m/{n}') for n in (1, 2, 3)]
    )
    blessings = []
    for model, blessed in zip(models, (1, 1, 0)):
        blessing = metadata_store_pb2.Artifact(type_id=blessing_type, uri=f'/b/{model}')
        blessing.custom_properties['blessed'].int_value = blessed
        blessing.custom_properties['current_model_id'].int_value = model
        blessings.append(blessing)
    ids = store.put_artifacts(blessings)
    store.put_attributions_and_associations(
        [metadata_store_pb2.Attribution(artifact_id=i, context_id=context) for i in ids], []
    )
    return config


def test_the_latest_blessed_model_is_the_one_the_newest_blessing_names(mlmd):
    from tfx_balance.orchestration.history_seed import latest_blessed_model

    assert latest_blessed_model(mlmd, 'p') == '/m/2'
    assert latest_blessed_model(mlmd, 'other') is None


def test_a_component_the_mlmd_does_not_have_is_refused_by_name(mlmd):
    from tfx_balance.orchestration.history_seed import outputs_by_span

    with pytest.raises(ConfigError, match="no component 'Splitter' of pipeline 'p'"):
        outputs_by_span(mlmd, 'p', 'Splitter', 'examples')


# seed_history is all or nothing (issue 87): every refused call leaves the history empty, and
# the same call, once its input is fixed, seeds it.
SPLITS = {'train': 8, 'eval': 2}


def _splitter():
    from tfx import v1 as tfx

    from tfx_balance import StratifiedSplitter

    examples = tfx.dsl.Channel(type=tfx.types.standard_artifacts.Examples)
    return StratifiedSplitter(
        examples=examples, label_feature='label', splits=SPLITS, group_feature='user'
    )


def _span(tmp_path, span, splits=('train', 'eval'), users=3):
    """A span's split Examples folder (``Split-<name>/`` of users ``u<span>-<i>``)."""
    from tests.support.examples import example, write_records

    folder = tmp_path / f'examples-{span}'
    for n, name in enumerate(splits):
        write_records(
            str(folder / f'Split-{name}' / 'data.gz'),
            [example(user=f'u{span}-{n}-{i}', label='a') for i in range(users)],
        )
    return str(folder)


def _seed(root, spans, **kwargs):
    from tfx_balance import seed_history

    return seed_history([_splitter()], root, 'p', spans=spans, horizon=2, window=1, **kwargs)


def _assert_empty(root):
    """The history at ``root`` as before the call: no generation, no run's folder."""
    from tfx_balance.core import history

    assert history.read_index(root).generation == 0
    for folder in (os.path.join(root, 'index'), os.path.join(root, 'runs')):
        assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_a_refused_span_leaves_the_history_empty_and_the_same_call_then_seeds_it(tmp_path):
    root = str(tmp_path / 'history')
    spans = {1: _span(tmp_path, 1), 2: _span(tmp_path, 2, splits=('train', 'validation'))}
    with pytest.raises(ConfigError) as raised:
        _seed(root, spans)
    assert f'seed_history: span 2 ({spans[2]})' in str(raised.value)
    assert "split(s) ['validation']" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    _assert_empty(root)
    os.rename(os.path.join(spans[2], 'Split-validation'), os.path.join(spans[2], 'Split-eval'))
    index = _seed(root, spans)
    assert (index.generation, [r.span for r in index.records]) == (2, [1, 2])


def test_a_commit_that_fails_midway_removes_every_generation_it_made(tmp_path):
    """Span 3's statistics hold a file that cannot be read (a dangling link): spans 1 and 2 are
    committed first, then taken back with their copies."""
    root = str(tmp_path / 'history')
    spans = {s: _span(tmp_path, s) for s in (1, 2, 3)}
    statistics = {}
    for s in spans:
        folder = tmp_path / f'statistics-{s}' / 'Split-train'
        folder.mkdir(parents=True)
        (folder / 'FeatureStats.pb').write_bytes(b'stats')
        statistics[s] = str(folder.parent)
    broken = os.path.join(statistics[3], 'Split-train', 'gone.pb')
    os.symlink(str(tmp_path / 'nowhere'), broken)
    with pytest.raises(Exception, match='nowhere|gone.pb'):
        _seed(root, spans, statistics=statistics)
    _assert_empty(root)
    os.remove(broken)
    index = _seed(root, spans, statistics=statistics)
    assert [r.span for r in index.records] == [1, 2, 3]
    assert index.generation == 3


@pytest.mark.parametrize(
    'case, error, message',
    [
        ('no spans', ConfigError, 'seed_history: spans is empty'),
        ('missing folder', DataError, 'the examples of span 2, {missing}, is not a folder'),
        ('no Split folder', DataError, "span 2's folder {bare} has no Split-<name> folder"),
        ('no example', DataError, 'seed_history: span 2 ({empty}) has no example'),
        ('statistics of another span', ConfigError, 'statistics has span(s) [5]'),
        ('a layout that is not one', DataError, '{bare} has no balance_plan.json'),
        ('a missing model', DataError, 'the model of span 2, {missing}, is not a folder'),
    ],
)
def test_each_bad_input_is_named_with_its_span_and_path_and_nothing_is_written(
    tmp_path, case, error, message
):
    from tests.support.errors import documented_errors

    root = str(tmp_path / 'history')
    paths = {
        'missing': str(tmp_path / 'missing'),
        'bare': str(tmp_path / 'bare'),
        'empty': _span(tmp_path, 9, users=0),
    }
    os.makedirs(paths['bare'])
    spans = {1: _span(tmp_path, 1), 2: _span(tmp_path, 2)}
    kwargs = {
        'no spans': {'spans': {}},
        'missing folder': {'spans': {**spans, 2: paths['missing']}},
        'no Split folder': {'spans': {**spans, 2: paths['bare']}},
        'no example': {'spans': {**spans, 2: paths['empty']}},
        'statistics of another span': {'statistics': {5: paths['bare']}},
        'a layout that is not one': {'layouts': {2: paths['bare']}},
        'a missing model': {'model': paths['missing']},
    }[case]
    with pytest.raises(error) as raised:
        _seed(root, **{'spans': spans, **kwargs})
    assert message.format(**paths) in str(raised.value)
    assert any(re.search(p, str(raised.value)) for p in documented_errors()), raised.value
    _assert_empty(root)


def test_an_mlmd_file_that_does_not_exist_is_named_and_not_created(tmp_path):
    from tfx.orchestration import metadata

    from tfx_balance.orchestration.history_seed import latest_blessed_model, outputs_by_span

    path = str(tmp_path / 'metadata.db')
    config = metadata.sqlite_metadata_connection_config(path)
    for call in (
        lambda: outputs_by_span(config, 'p', 'Splitter', 'examples'),
        lambda: latest_blessed_model(config, 'p'),
    ):
        with pytest.raises(ConfigError, match=f'the MLMD {path} does not exist'):
            call()
    assert not os.path.exists(path)
