"""tfx_balance.history_seed's MLMD readers on a small MLMD written here (the LocalDagRunner run
that seeds a history from TFX's hash split: tests/test_periodic_spans_e2e.py)."""

import pytest

from tfx_balance.core.errors import ConfigError


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
    from tfx_balance.history_seed import latest_blessed_model

    assert latest_blessed_model(mlmd, 'p') == '/m/2'
    assert latest_blessed_model(mlmd, 'other') is None


def test_a_component_the_mlmd_does_not_have_is_refused_by_name(mlmd):
    from tfx_balance.history_seed import outputs_by_span

    with pytest.raises(ConfigError, match="no component 'Splitter' of pipeline 'p'"):
        outputs_by_span(mlmd, 'p', 'Splitter', 'examples')
