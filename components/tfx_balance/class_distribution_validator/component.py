"""ClassDistributionValidator: fail a pipeline whose splits' label distributions are off."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.class_distribution_validator import executor
from tfx_balance.class_distribution_validator.counts import MULTI_HOT_NEEDS_EXAMPLES
from tfx_balance.core.class_distribution_validator import ValidatorConfig
from tfx_balance.core.errors import ConfigError
from tfx_balance.parameters import documented, execution_parameters


class ClassDistributionValidatorSpec(ComponentSpec):
    PARAMETERS = execution_parameters(ValidatorConfig)
    INPUTS = {
        keys.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        keys.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema, optional=True),
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True),
        keys.BASELINE_STATISTICS_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
    }
    OUTPUTS = {keys.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class ClassDistributionValidator(base_component.BaseComponent):
    """Checks that splits are stratified and that splits meet target class shares.

    Example:
        statistics_gen = StatisticsGen(examples=splitter.outputs['examples'])
        check = ClassDistributionValidator(
            statistics=statistics_gen.outputs['statistics'],
            label_feature='label',
            max_split_distance=0.02,
            target_tolerance=0.01,
            fail_on_violation=True,
        )
        trainer.add_upstream_node(check)  # nothing trains on badly split data

        # After BalancedAugmenter rebalanced 'train': train against its target, the untouched
        # splits against each other.
        ClassDistributionValidator(
            statistics=augmented_statistics_gen.outputs['statistics'],
            label_feature='label',
            compare_splits=['eval', 'test'],
            targets={'train': 'uniform'},
        )

        # Multi-label data: each label's prevalence per split (ids from the statistics;
        # multi-hot vectors counted from the examples).
        ClassDistributionValidator(
            statistics=statistics_gen.outputs['statistics'],
            examples=splitter.outputs['examples'],
            label_feature='tags',
            multi_label='multi_hot',
            max_split_distance=0.02,
            max_prevalence_difference={'7': 0.005},  # a rare label, held to a tighter limit
        )

        # Periodic training: each split against the same split of the previous span's statistics
        # (nothing to compare on the first run); the recipe: docs/class_distribution_validator.md.
        previous = tfx.dsl.Resolver(
            strategy_class=tfx_balance.PreviousSpanStrategy,  # skips this run's span
            statistics=tfx.dsl.Channel(type=standard_artifacts.ExampleStatistics,
                                       producer_component_id=statistics_gen.id,
                                       output_key='statistics'),
        ).with_id('previous_span_statistics')
        previous.add_upstream_node(statistics_gen)
        ClassDistributionValidator(
            statistics=statistics_gen.outputs['statistics'],
            baseline_statistics=previous.outputs['statistics'],
            label_feature='label',
            # L-infinity, as TFDV's infinity_norm; per split, as a small split moves more by
            # chance (suggest_max_drift_distance gives them from the last span's statistics).
            max_drift_distance={'train': 0.02, 'eval': 0.09, 'test': 0.09},
            max_drift_divergence=0.005,  # Jensen-Shannon (log base 2)
        )

    From the TFDV statistics of every split it reads the exact per-class counts of
    ``label_feature`` (string labels always; int labels when StatisticsGen saw them as
    categorical, e.g. with ``stats_options=tfx_balance.label_stats_options('label')``, or when
    at most 3-4 consecutive values make the numeric statistics exact). It reports:

    - every pair of ``compare_splits`` whose L-infinity distance between class shares is above
      ``max_split_distance`` (measured by TFDV's ``infinity_norm`` drift comparator),
    - every class present in one split and absent from a checked split (one in
      ``compare_splits`` or ``targets``), or in the schema's label domain and absent; a class
      with fewer examples than splits, absent from a split to which StratifiedSplitter's rule
      (the split sizes as weights) gives none of it, is a note, not a violation,
    - every split in ``targets`` whose L-infinity distance to its target ('uniform' or
      ``{class: share}``) is above ``target_tolerance``,
    - with ``baseline_statistics``: every split whose class shares are further from the same
      split of the baseline than ``max_drift_distance`` (L-infinity) or ``max_drift_divergence``
      (Jensen-Shannon; each one number or one per split), both measured by TFDV's drift
      comparators, with a per-class table (baseline share, current share, difference, sampling
      noise) and the classes that appeared or vanished.

    ``statistics`` (and ``baseline_statistics``) may resolve to several artifacts, e.g. a
    Resolver's rolling window of spans: their counts are pooled by split name.

    Outputs:
      anomalies: ExampleAnomalies artifact with ``Split-<name>/SchemaDiff.pb`` (TFDV
        ``Anomalies``) per split, plus ``class_distribution.json`` and ``class_distribution.md``
        summaries, and the custom property ``blessed`` (split -> 1/0) like ExampleValidator.

    With ``fail_on_violation=True`` (default) a violation raises ``ClassDistributionError``,
    which fails the component so nothing downstream runs; its message says what to change.
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
    ):
        """Args:
        statistics: ExampleStatistics channel, e.g. ``StatisticsGen(...).outputs['statistics']``.
        schema: optional Schema channel; the label's domain adds classes every split must
          have, and a ``jensen_shannon_divergence`` drift comparator on the label is applied
          between splits too.
        examples: optional Examples channel, the data the statistics were computed from; with
          ``multi_label`` the labels are counted from it (required for 'multi_hot'); with one
          label per example, StratifiedSplitter's output: its split_counts.json makes the
          differences the splitter's documented bound allows (rounding, classes with fewer
          examples than splits, groups) notes instead of violations.
        baseline_statistics: optional ExampleStatistics channel, e.g. the previous span's (a
          Resolver over StatisticsGen's output); each split is compared with the baseline's
          split of the same name. When it resolves to nothing (the first run), nothing is
          compared. One label per example only.
        {arguments}
        """
        check_channel(ClassDistributionValidatorSpec, keys.STATISTICS_KEY, 'statistics', statistics)
        check_channel(ClassDistributionValidatorSpec, keys.SCHEMA_KEY, 'schema', schema)
        check_channel(ClassDistributionValidatorSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            ClassDistributionValidatorSpec,
            keys.BASELINE_STATISTICS_KEY,
            'baseline_statistics',
            baseline_statistics,
        )
        config = ValidatorConfig.from_call(locals()).validate()
        if baseline_statistics is not None:
            config.check_baseline()
        if multi_label == 'multi_hot' and examples is None:
            raise ConfigError(MULTI_HOT_NEEDS_EXAMPLES.format(feature=label_feature))
        spec = ClassDistributionValidatorSpec(
            **config.to_exec_properties(),
            statistics=statistics,
            baseline_statistics=baseline_statistics,
            schema=schema,
            input_examples=examples,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
        )
        super().__init__(spec=spec)
