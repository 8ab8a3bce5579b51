"""PreviousSpanStrategy: a Resolver strategy giving each run its window of earlier spans.

Recipes, and why TFX's own span strategies do not fit: docs/continuous_training.md.

Example (the span before this run's, as the drift check's baseline):
    previous = tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        statistics=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ExampleStatistics,
            producer_component_id=statistics_gen.id,
            output_key='statistics',
        ),
    ).with_id('previous_span_statistics')
    previous.add_upstream_node(statistics_gen)  # this run's span is then the newest: skipped
"""

from __future__ import annotations

import collections
from typing import Dict, List

from tfx import types
from tfx.dsl.components.common import resolver
from tfx.types import artifact_utils

from tfx_balance.base.artifacts.spans import span_of
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.spans import WindowConfig


class ResolverConfigError(BaseException):
    """A Resolver's config refused where it runs. A BaseException: TFX 1.16 turns a strategy's
    Exception into a failed Resolver and the run would go on with empty inputs."""


class PreviousSpanStrategy(resolver.ResolverStrategy):
    """For each input, the newest artifact of each of the ``num_spans`` spans before the newest
    (without spans: the ``num_spans`` artifacts before the newest, newest first);
    ``skip_newest=False`` counts the newest in. A bad config raises ``ResolverConfigError``."""

    CONFIG = WindowConfig  # its config, checked here and where the pipeline is built (channels)

    def __init__(self, **config):
        try:
            checked = self.CONFIG.from_config(config)
        except ConfigError as error:
            raise ResolverConfigError(str(error)) from error
        self._num_spans = checked.num_spans
        self._skip = int(checked.skip_newest)  # artifacts (or spans) left out at the newest end

    def resolve_artifacts(
        self, store, input_dict: Dict[str, List[types.Artifact]]
    ) -> Dict[str, List[types.Artifact]] | None:
        return {
            key: self._previous(artifacts, input_spans(store, artifacts))
            for key, artifacts in input_dict.items()
        }

    def _previous(
        self, artifacts: List[types.Artifact], spans: Dict[int, int]
    ) -> List[types.Artifact]:
        def span(artifact):
            return spans.get(artifact.id, span_of(artifact) or 0)  # custom property or property

        ordered = sorted(
            artifacts, key=lambda a: (span(a), a.mlmd_artifact.create_time_since_epoch, a.id)
        )
        if not ordered:
            return []
        if span(ordered[0]) == span(ordered[-1]) == 0:  # runs without spans: the runs before
            kept = ordered[: len(ordered) - self._skip]
            return kept[max(len(kept) - self._num_spans, 0) :][::-1]  # fewer: all of them
        # One span run twice (span 6, then its re-run) is one span: its newest artifact.
        newest = {span(a): a for a in ordered}  # the last of each span is its newest
        spans = sorted(newest, reverse=True)[self._skip : self._skip + self._num_spans]
        return [newest[s] for s in spans]


def input_spans(store, artifacts: List[types.Artifact]) -> Dict[int, int]:
    """``{artifact id: span}`` from MLMD's lineage: the largest span its producer read (TFX
    1.16's StatisticsGen does not copy ExampleGen's span); others are left out."""
    from ml_metadata.proto import metadata_store_pb2

    ids = [a.id for a in artifacts if a.id]
    if store is None or not ids:
        return {}
    producer = {
        e.artifact_id: e.execution_id
        for e in store.get_events_by_artifact_ids(ids)
        if e.type == metadata_store_pb2.Event.OUTPUT
    }
    read = collections.defaultdict(list)  # execution id -> ids of the artifacts it read
    for e in store.get_events_by_execution_ids(sorted(set(producer.values()))):
        if e.type == metadata_store_pb2.Event.INPUT:
            read[e.execution_id].append(e.artifact_id)
    inputs = {i for ids_read in read.values() for i in ids_read}
    read_artifacts = store.get_artifacts_by_id(sorted(inputs)) if inputs else []
    types_by_id = {
        t.id: t for t in store.get_artifact_types_by_id(sorted({a.type_id for a in read_artifacts}))
    }
    read_spans = {}
    for mlmd_artifact in read_artifacts:
        artifact = artifact_utils.deserialize_artifact(
            types_by_id[mlmd_artifact.type_id], mlmd_artifact
        )
        value = span_of(artifact)
        if value is not None:
            read_spans[artifact.id] = value
    spans = {}
    for artifact_id, execution_id in producer.items():
        found = [read_spans[i] for i in read.get(execution_id, ()) if i in read_spans]
        if found:
            spans[artifact_id] = max(found)
    return spans
