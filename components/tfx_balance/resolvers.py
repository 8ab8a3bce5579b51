"""PreviousSpanStrategy: a Resolver strategy giving each run its window of earlier spans.

Periodic training runs a pipeline per new span of data, and each of our components that looks
back reads earlier spans' artifacts through this one strategy (docs/continuous_training.md):
ClassDistributionValidator's ``baseline_statistics`` (the span before this run's),
StratifiedSplitter's ``previous_assignments``, LeakageCheck's ``previous_key_index`` and the
Trainer's window of BalancedInputGen layouts. TFX's own span tools do not fit every one of them:
the span ops of rolling_range need a ``version`` property, which ExampleStatistics has not, and
SpanRangeStrategy reads the span from a custom property, where StatisticsGen does not write it.
LatestArtifactStrategy resolved before this run's StatisticsGen gives the newest earlier run's
statistics, which after a failed run is this same span's: a re-run would compare the span with
itself and pass. For the baseline, this strategy is resolved after this run's StatisticsGen
and skips the newest span, whatever the runs before were; data without spans (every artifact
span 0) gets the artifact before this run's. A statistics artifact's span is that of the
Examples its StatisticsGen read, found through MLMD's lineage: TFX 1.16's ExampleGen writes the
span only as a custom property, which StatisticsGen does not copy (its statistics of
ExampleGen's output all say span 0), so the recipe works on ExampleGen's output as on
StratifiedSplitter's.

Example:
    previous = tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        statistics=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ExampleStatistics,
            producer_component_id=statistics_gen.id,
            output_key='statistics',
        ),
    ).with_id('previous_span_statistics')
    previous.add_upstream_node(statistics_gen)  # this run's span is then the newest

With ``skip_newest=False`` it gives the newest artifact of each of the last ``num_spans`` spans.
Resolved before the component writing this run's artifact, every span found is an earlier
run's (StratifiedSplitter's ``previous_assignments``, docs/stratified_splitter.md; a re-run of a
span finds the span's own earlier artifact, which is what it should keep). Resolved after it
(``add_upstream_node``), it is a rolling window ending with this run's span: the Trainer's
window of BalancedInputGen layouts (docs/continuous_training.md), where a span laid out again by
a re-run counts once, by its newest layout, while TFX's SpanRangeStrategy hands over both.
"""

from __future__ import annotations

import collections
from typing import Dict, List

from tfx import types
from tfx.dsl.components.common import resolver
from tfx.types import artifact_utils

from tfx_balance.artifacts.spans import span_of
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.spans import WindowConfig


class ResolverConfigError(BaseException):
    """A Resolver's config, refused where the Resolver runs (its cause: the ``ConfigError``).

    A BaseException, not an Exception, as pytest's outcome exceptions are, so that the run stops:
    TFX 1.16 turns any Exception a strategy raises into a logged, failed Resolver execution
    (``inputs_utils.resolve_input_artifacts`` wraps it, ``resolver_node_handler`` logs it), and
    the run goes on, each input the Resolver feeds resolving to nothing."""


class PreviousSpanStrategy(resolver.ResolverStrategy):
    """For each input, the newest artifact of each of the ``num_spans`` spans before the newest
    span; when every artifact has span 0 (data without spans: span 0 each run), the
    ``num_spans`` artifacts before the newest one, newest first. None on the first run: an
    empty list, so an optional input stays empty. ``skip_newest=False``: the newest span (or
    artifact) counts as one of the ``num_spans`` (module doc).

    Its config (``core.spans.WindowConfig``: ``num_spans``, ``skip_newest``) is checked where
    the pipeline is built, when the Resolver feeds one of our components (``channels``), and
    here, where the Resolver runs: a bad one raises ``ResolverConfigError``, which stops the run.
    """

    def __init__(self, **config):
        try:
            checked = WindowConfig.from_config(config)
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
    """``{artifact id: span}`` of each of ``artifacts`` whose producing execution read artifacts
    with a span (the largest of theirs: the custom property ExampleGen writes, else the
    property), from MLMD's events; the others are left out (their own ``span`` then counts)."""
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
