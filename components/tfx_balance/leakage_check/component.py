"""LeakageCheck: fail a pipeline whose splits share examples or hold synthetic ones in eval."""

from __future__ import annotations

from typing import Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.base.artifacts.history import SpanHistory
from tfx_balance.base.channels import check_channel
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.common import keys
from tfx_balance.core.leakage_check import DEFAULT_MAX_EXAMPLES, LeakageConfig
from tfx_balance.leakage_check import executor


class LeakageCheckSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(LeakageConfig)
    INPUTS = {
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        # earlier runs' anomalies, which hold their key index: Kubeflow's V2 compiler resolves
        # every custom artifact type by the one title 'tfx.Artifact'.
        keys.PREVIOUS_KEY_INDEX_KEY: ChannelParameter(
            type=standard_artifacts.ExampleAnomalies, optional=True
        ),
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory, optional=True),
    }
    OUTPUTS = {keys.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class LeakageCheck(base_beam_component.BaseBeamComponent):
    """Fails the pipeline if an example is in two splits or a synthetic one is outside training.

    Example:
        augmenter = BalancedAugmenter(examples=..., label_feature='y', splits=['train'])
        leakage = LeakageCheck(examples=augmenter.outputs['examples'])
        trainer.add_upstream_node(leakage)  # nothing trains on leaking splits

    What counts, and across spans: docs/leakage_check.md. Output ``anomalies``: ``leakage.json``,
    ``leakage.md``, an ``Anomalies`` and ``blessed`` per split, and the key index of one Examples
    artifact. A finding not allowed raises ``LeakageError``.
    """

    SPEC_CLASS = LeakageCheckSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(LeakageConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        training_splits: Sequence[str] | None = None,
        allow_duplicates: bool = False,
        allow_synthetic_outside: bool = False,
        splits: Sequence[str] | None = None,
        provenance_feature: str = keys.DEFAULT_PROVENANCE_FEATURE,
        source_feature: str = keys.DEFAULT_SOURCE_FEATURE,
        max_examples: int = DEFAULT_MAX_EXAMPLES,
        label_feature: str | None = None,
        group_feature: str | None = None,
        previous_key_index: types.BaseChannel | None = None,
        history: types.BaseChannel | None = None,
        html_report: bool = True,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), or a Resolver's window of spans.
        {arguments}
        previous_key_index: optional channel of earlier LeakageCheck runs' ``anomalies``, whose
          key indexes are pooled with ``examples`` by split name.
        history: optional SpanHistory channel (``tfx_balance.periodic``): the window's earlier
          key indexes, in place of previous_key_index.

        Raises:
          ConfigError: an invalid argument, named, when the pipeline is built.
        """
        check_channel(LeakageCheckSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            LeakageCheckSpec, keys.PREVIOUS_KEY_INDEX_KEY, 'previous_key_index', previous_key_index
        )
        check_channel(LeakageCheckSpec, keys.HISTORY_KEY, 'history', history)
        config = LeakageConfig.from_call(locals()).validate()
        spec = LeakageCheckSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            previous_key_index=previous_key_index,
            history=history,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            html_report=html_report,
        )
        super().__init__(spec=spec)
