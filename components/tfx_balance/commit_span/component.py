"""CommitSpan: the last task of a periodic run; adds the accepted span to the history."""

from __future__ import annotations

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance.base.artifacts.history import SpanHistory, SplitAssignments
from tfx_balance.base.channels import check_channel
from tfx_balance.commit_span import executor
from tfx_balance.core.common import keys

COMMITTED_KEY = 'committed'


class CommitSpanSpec(ComponentSpec):
    PARAMETERS = {}
    INPUTS = {
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory),
        keys.ASSIGNMENTS_KEY: ChannelParameter(type=SplitAssignments),
        keys.STATISTICS_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
        executor.KEY_INDEX_KEY: ChannelParameter(
            type=standard_artifacts.ExampleAnomalies, optional=True
        ),
        executor.LAYOUT_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True),
        keys.MODEL_KEY: ChannelParameter(type=standard_artifacts.Model, optional=True),
        keys.BLESSING_KEY: ChannelParameter(type=standard_artifacts.ModelBlessing, optional=True),
    }
    OUTPUTS = {COMMITTED_KEY: ChannelParameter(type=SpanHistory)}


class CommitSpan(base_component.BaseComponent):
    """Copies the run's small outputs into the history and commits its span, after every other
    task of the run succeeded. ``tfx_balance.periodic`` adds it; docs/continuous_training.md.

    Example::

        commit = CommitSpan(
            history=look_back.outputs['history'],
            assignments=splitter.outputs['assignments'],
            statistics=statistics_gen.outputs['statistics'],
            key_index=leakage.outputs['anomalies'],
            layout=layout.outputs['examples'],
            model=trainer.outputs['model'],
            blessing=evaluator.outputs['blessing'],
        )

    Outputs:
      committed: SpanHistory of the generation it created.

    Raises ``ConcurrentRunError`` when another run committed since LookBack read the history.
    """

    SPEC_CLASS = CommitSpanSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        history: types.BaseChannel,
        assignments: types.BaseChannel,
        statistics: types.BaseChannel | None = None,
        key_index: types.BaseChannel | None = None,
        layout: types.BaseChannel | None = None,
        model: types.BaseChannel | None = None,
        blessing: types.BaseChannel | None = None,
    ):
        """Args:
        history: LookBack's ``history``.
        assignments: StratifiedSplitter's ``assignments`` (its span is the span committed).
        statistics: the span's statistics the drift check judged (the next run's baseline).
        key_index: LeakageCheck's ``anomalies`` (its key index).
        layout: BalancedInputGen's ``examples`` (pointed to, not copied: keep it while it is in
          the training window).
        model: the Trainer's ``model``, copied when ``blessing`` is BLESSED.
        blessing: the Evaluator's ``blessing``.
        """
        given = {
            keys.HISTORY_KEY: history,
            keys.ASSIGNMENTS_KEY: assignments,
            keys.STATISTICS_KEY: statistics,
            executor.KEY_INDEX_KEY: key_index,
            executor.LAYOUT_KEY: layout,
            keys.MODEL_KEY: model,
            keys.BLESSING_KEY: blessing,
        }
        for key, value in given.items():
            check_channel(CommitSpanSpec, key, key, value)
        super().__init__(
            spec=CommitSpanSpec(
                **{k: v for k, v in given.items() if v is not None},
                **{COMMITTED_KEY: types.Channel(type=SpanHistory)},
            )
        )
