"""ClassDistributionValidator: fail a pipeline whose splits' label distributions are off."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.base.artifacts.history import SpanHistory
from tfx_balance.base.channels import check_channel
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.class_distribution_validator import executor
from tfx_balance.class_distribution_validator.counts import MULTI_HOT_NEEDS_EXAMPLES
from tfx_balance.core.class_distribution_validator import ValidatorConfig
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


class ClassDistributionValidatorSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(ValidatorConfig)
    INPUTS = {
        keys.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        keys.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema, optional=True),
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True),
        keys.BASELINE_STATISTICS_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory, optional=True),
    }
    OUTPUTS = {keys.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class ClassDistributionValidator(base_component.BaseComponent):
    """Checks that splits are stratified, meet their target class shares, and have not drifted.

    Example:
        statistics_gen = StatisticsGen(examples=splitter.outputs['examples'])
        check = ClassDistributionValidator(
            statistics=statistics_gen.outputs['statistics'],
            label_feature='label',
            max_split_distance=0.02,
            fail_on_violation=True,
        )
        trainer.add_upstream_node(check)  # nothing trains on badly split data

    Int labels need ``stats_options=tfx_balance.label_stats_options('label')``. The checks and
    recipes: docs/class_distribution_validator.md. Output ``anomalies``: ExampleAnomalies as
    ExampleValidator lays them out, plus ``class_distribution.json`` and ``.md``; a violation
    raises ``ClassDistributionError`` unless ``fail_on_violation=False``.
    """

    SPEC_CLASS = ClassDistributionValidatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(ValidatorConfig)
    def __init__(
        self,
        statistics: types.BaseChannel,
        label_feature: str,
        max_split_distance: float = 0.02,
        targets: Mapping[str, object] | None = None,
        target_tolerance: float = 0.01,
        fail_on_violation: bool = True,
        schema: types.BaseChannel | None = None,
        compare_splits: Sequence[str] | None = None,
        multi_label: str | None = None,
        examples: types.BaseChannel | None = None,
        max_cardinality_difference: float = 0.1,
        min_prevalence: float | Mapping[object, float] | None = None,
        max_prevalence_difference: float | Mapping[object, float] | None = None,
        baseline_statistics: types.BaseChannel | None = None,
        max_drift_distance: float | Mapping[str, float] = 0.02,
        max_drift_divergence: float | Mapping[str, float] | None = None,
        history: types.BaseChannel | None = None,
        html_report: bool = True,
    ):
        """Args:
        statistics: ExampleStatistics channel; a window of spans is pooled by split name.
        schema: optional Schema channel: the label's domain (classes every split must have) and
          its ``jensen_shannon_divergence`` drift comparator.
        examples: optional Examples channel the statistics are of: counts ``multi_label`` labels
          (needed for 'multi_hot'); StratifiedSplitter's output applies its documented bound.
        baseline_statistics: optional ExampleStatistics channel (e.g. the previous span's), each
          split compared with its namesake. One label per example only.
        history: optional SpanHistory channel (``tfx_balance.periodic``): the last accepted
          span's statistics, in place of baseline_statistics.
        {arguments}"""
        check_channel(ClassDistributionValidatorSpec, keys.STATISTICS_KEY, 'statistics', statistics)
        check_channel(ClassDistributionValidatorSpec, keys.SCHEMA_KEY, 'schema', schema)
        check_channel(ClassDistributionValidatorSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            ClassDistributionValidatorSpec,
            keys.BASELINE_STATISTICS_KEY,
            'baseline_statistics',
            baseline_statistics,
        )
        check_channel(ClassDistributionValidatorSpec, keys.HISTORY_KEY, 'history', history)
        config = ValidatorConfig.from_call(locals()).validate()
        if baseline_statistics is not None or history is not None:
            config.check_baseline()
        if multi_label == 'multi_hot' and examples is None:
            raise ConfigError(MULTI_HOT_NEEDS_EXAMPLES.format(feature=label_feature))
        spec = ClassDistributionValidatorSpec(
            **config.to_exec_properties(),
            statistics=statistics,
            baseline_statistics=baseline_statistics,
            history=history,
            schema=schema,
            input_examples=examples,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            html_report=html_report,
        )
        super().__init__(spec=spec)
