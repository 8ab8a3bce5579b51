"""StratifiedSplitter: split an Examples artifact with exact, seeded per-class counts."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.base.artifacts.history import SpanHistory, SplitAssignments
from tfx_balance.base.channels import check_channel
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.common import keys
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.stratified_splitter import executor


class StratifiedSplitterSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(StratifiedSplitConfig)
    INPUTS = {
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        keys.PREVIOUS_ASSIGNMENTS_KEY: ChannelParameter(type=SplitAssignments, optional=True),
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory, optional=True),
    }
    OUTPUTS = {
        keys.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        keys.ASSIGNMENTS_KEY: ChannelParameter(type=SplitAssignments),
    }


class StratifiedSplitter(base_beam_component.BaseBeamComponent):
    """Splits examples into named splits with exact, documented per-class counts.

    Example:
        splitter = StratifiedSplitter(
            examples=example_gen.outputs['examples'],
            label_feature='payment_type',
            splits={'train': 8, 'eval': 1, 'test': 1},
            seed=0,
        )
        statistics_gen = StatisticsGen(examples=splitter.outputs['examples'])

    Each class's counts follow one exact rule (docs/stratified_splitter.md, "The rule"); which
    examples go where is a seeded hash of each example's content, the same on any runner, input
    order or retry. Counts are logged and written to ``split_counts.json``.

    Cross-validation folds and continuous targets (docs/stratified_splitter.md)::

        StratifiedSplitter(examples=..., label_feature='fare', folds=5,
                           holdout={'test': 0.1}, label_bins=10)

    Splits that never change across spans: ``tfx_balance.periodic`` gives it the assignments of
    earlier spans, whose units keep their split (docs/stratified_splitter.md, "Across spans").

    Outputs:
      examples: Examples artifact with one ``Split-<name>`` per entry of ``splits`` (with
        ``folds``: the ``holdout`` splits, then ``fold-0 .. fold-<k-1>``).
      assignments: SplitAssignments of this span's units (a group or an example each): the
        ``previous_assignments`` of later runs.
    """

    SPEC_CLASS = StratifiedSplitterSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(StratifiedSplitConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        label_feature: str,
        splits: Mapping[str, float] = None,
        seed: int = 0,
        input_splits: Sequence[str] | None = None,
        group_feature: str | None = None,
        folds: int | None = None,
        holdout: Mapping[str, float] | None = None,
        label_bins: int | None = None,
        label_bin_edges: Sequence[float] | None = None,
        multi_label: str | None = None,
        stratify_features: Sequence[str] | None = None,
        previous_assignments: types.BaseChannel | None = None,
        history: types.BaseChannel | None = None,
        html_report: bool = True,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), e.g. from an ExampleGen.
        {arguments}
        previous_assignments: optional SplitAssignments channel: earlier spans' assignments
          (a Resolver's window); a unit found there keeps its split (the latest span's).
        history: optional SpanHistory channel (LookBack's, wired by ``tfx_balance.periodic``):
          the assignments of the history's last ``horizon`` spans, in place of previous_assignments.

        Raises:
          ConfigError: an argument is invalid (the message names it), when the pipeline is built.
        """
        check_channel(StratifiedSplitterSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            StratifiedSplitterSpec,
            keys.PREVIOUS_ASSIGNMENTS_KEY,
            'previous_assignments',
            previous_assignments,
        )
        check_channel(StratifiedSplitterSpec, keys.HISTORY_KEY, 'history', history)
        config = StratifiedSplitConfig.from_call(locals()).validate()
        spec = StratifiedSplitterSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            previous_assignments=previous_assignments,
            history=history,
            examples=types.Channel(type=standard_artifacts.Examples),
            assignments=types.Channel(type=SplitAssignments),
            html_report=html_report,
        )
        super().__init__(spec=spec)
