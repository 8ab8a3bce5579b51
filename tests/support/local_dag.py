"""Test helper: build a pipeline with a SQLite MLMD, run it under LocalDagRunner, and read back
what the tests check (the error the run raised, output folders, MLMD artifacts). Real runs, no
mocks; the e2e tests of every component use it.

A run's folder holds ``pipeline_root/`` and ``metadata.db``::

    from tests.support.local_dag import run_local

    run = run_local('my-e2e', str(tmp_path), [example_gen, splitter], raises=DataError)
    assert run.error is not None  # a DataError stopped the run
    out = run.output('StratifiedSplitter')  # newest <pipeline_root>/StratifiedSplitter/examples/<id>
"""

from __future__ import annotations

import dataclasses
import os
from typing import Sequence

from tests.support.artifacts import latest_artifact_dir

# The in-process DirectRunner (multi-processing re-imports TensorFlow in every worker), as Beam's
# default: no args, so TFX builds no sdist of itself per Beam component (pipelines/common/pipeline.py).
DEFAULT_BEAM_ARGS = ()

Raises = type[BaseException] | tuple[type[BaseException], ...] | None


def pipeline_root(root: str) -> str:
    return os.path.join(root, 'pipeline_root')


def metadata_path(root: str) -> str:
    return os.path.join(root, 'metadata.db')


def make_pipeline(name: str, root: str, components: Sequence, beam_args=DEFAULT_BEAM_ARGS):
    """A ``tfx.dsl.Pipeline`` of ``components`` under ``root`` with a SQLite MLMD there."""
    from tfx import v1 as tfx

    return tfx.dsl.Pipeline(
        pipeline_name=name,
        pipeline_root=pipeline_root(root),
        components=list(components),
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            metadata_path(root)
        ),
        beam_pipeline_args=list(beam_args),
    )


@dataclasses.dataclass(frozen=True)
class LocalRun:
    """A finished LocalDagRunner run: its folder and the error it raised (None if it completed)."""

    root: str
    error: BaseException | None = None

    @property
    def pipeline_root(self) -> str:
        return pipeline_root(self.root)

    @property
    def metadata_path(self) -> str:
        return metadata_path(self.root)

    def output(self, component_id: str, key: str = 'examples') -> str:
        """The newest output folder of ``component_id``'s ``key``."""
        return latest_artifact_dir(self.pipeline_root, component_id, key)

    def mlmd_artifacts(self) -> dict:
        """uri -> the MLMD artifact (proto) of every artifact the run recorded."""
        from tfx.orchestration import metadata

        config = metadata.sqlite_metadata_connection_config(self.metadata_path)
        with metadata.Metadata(config) as m:
            return {a.uri: a for a in m.store.get_artifacts()}

    def artifact(self, uri: str):
        """The TFX artifact (``tfx.types.Artifact`` of its recorded type) at ``uri``."""
        from tfx.orchestration import metadata
        from tfx.types import artifact_utils

        config = metadata.sqlite_metadata_connection_config(self.metadata_path)
        with metadata.Metadata(config) as m:
            (found,) = [a for a in m.store.get_artifacts() if a.uri == uri]
            (artifact_type,) = m.store.get_artifact_types_by_id([found.type_id])
        return artifact_utils.deserialize_artifact(artifact_type, found)


def run_local(
    name: str,
    root: str,
    components: Sequence,
    *,
    beam_args: Sequence[str] = DEFAULT_BEAM_ARGS,
    raises: Raises = None,
) -> LocalRun:
    """Runs ``components`` as pipeline ``name`` under LocalDagRunner in ``root``.

    ``raises``: the exception type(s) the test expects may stop the run; one of them is returned
    as ``LocalRun.error`` (None when the run completed) and any other exception propagates.
    """
    from tfx import v1 as tfx

    pipeline = make_pipeline(name, root, components, beam_args)
    try:
        tfx.orchestration.LocalDagRunner().run(pipeline)
    except BaseException as e:
        if raises is None or not isinstance(e, raises):
            raise
        return LocalRun(root, e)
    return LocalRun(root)
