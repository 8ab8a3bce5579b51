"""PreviousSpanStrategy: a Resolver strategy giving each run the statistics of the span before it.

A baseline for ClassDistributionValidator's ``baseline_statistics`` in periodic training (one
run per new span). TFX's own span tools do not fit ExampleStatistics: the span ops of
rolling_range need a ``version`` property, which ExampleStatistics has not, and
SpanRangeStrategy reads the span from a custom property, where StatisticsGen does not write it.
LatestArtifactStrategy resolved before this run's StatisticsGen gives the newest earlier run's
statistics, which after a failed run is this same span's: a re-run would compare the span with
itself and pass. This strategy runs after this run's StatisticsGen and skips the newest span,
whatever the runs before were; data without spans (every artifact span 0) gets the artifact
before this run's.

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
"""

from __future__ import annotations

from typing import Dict, List

from tfx import types
from tfx.dsl.components.common import resolver


class PreviousSpanStrategy(resolver.ResolverStrategy):
    """For each input, the newest artifact of each of the ``num_spans`` spans before the newest
    span; when every artifact has the newest span (data without spans: span 0 each run), the
    ``num_spans`` artifacts before the newest one, newest first. None on the first run: an
    empty list, so an optional input stays empty."""

    def __init__(self, num_spans: int = 1):
        if isinstance(num_spans, bool) or not isinstance(num_spans, int) or num_spans < 1:
            raise ValueError(f'num_spans must be an int >= 1, got {num_spans!r}.')
        self._num_spans = num_spans

    def resolve_artifacts(
        self, store, input_dict: Dict[str, List[types.Artifact]]
    ) -> Dict[str, List[types.Artifact]] | None:
        return {key: self._previous(artifacts) for key, artifacts in input_dict.items()}

    def _previous(self, artifacts: List[types.Artifact]) -> List[types.Artifact]:
        ordered = sorted(
            artifacts, key=lambda a: (a.span, a.mlmd_artifact.create_time_since_epoch, a.id)
        )
        if not ordered:
            return []
        earlier = [a for a in ordered if a.span < ordered[-1].span]
        if not earlier:  # one span only: the artifacts before this run's
            return ordered[-1 - self._num_spans : -1][::-1]
        newest = {a.span: a for a in earlier}  # the last of each span is its newest
        return [newest[span] for span in sorted(newest, reverse=True)[: self._num_spans]]
