"""ClassDistributionValidator: fail a pipeline whose splits' label distributions are off."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.class_distribution_validator import executor
from tfx_balance.class_distribution_validator.counts import MULTI_HOT_NEEDS_EXAMPLES
from tfx_balance.core.class_distribution_validator import ValidatorConfig
from tfx_balance.core.errors import ConfigError


class ClassDistributionValidatorSpec(ComponentSpec):
    PARAMETERS = {
        keys.LABEL_FEATURE_KEY: ExecutionParameter(type=str),
        keys.MAX_SPLIT_DISTANCE_KEY: ExecutionParameter(type=float),
        keys.TARGETS_KEY: ExecutionParameter(type=str, optional=True),
        keys.TARGET_TOLERANCE_KEY: ExecutionParameter(type=float),
        keys.FAIL_ON_VIOLATION_KEY: ExecutionParameter(type=int),
        keys.COMPARE_SPLITS_KEY: ExecutionParameter(type=str, optional=True),
        keys.MULTI_LABEL_KEY: ExecutionParameter(type=str, optional=True),
        keys.MAX_CARDINALITY_DIFFERENCE_KEY: ExecutionParameter(type=float, optional=True),
        keys.MIN_PREVALENCE_KEY: ExecutionParameter(type=str, optional=True),
        keys.MAX_PREVALENCE_DIFFERENCE_KEY: ExecutionParameter(type=str, optional=True),
        keys.MAX_DRIFT_DISTANCE_KEY: ExecutionParameter(type=float, optional=True),
        keys.MAX_DRIFT_DIVERGENCE_KEY: ExecutionParameter(type=float, optional=True),
    }
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
            max_drift_distance=0.02,  # L-infinity, as TFDV's infinity_norm
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
      (Jensen-Shannon), both measured by TFDV's drift comparators, with a per-class table
      (baseline share, current share, difference) and the classes that appeared or vanished.

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
        max_drift_distance: float = 0.02,
        max_drift_divergence: float | None = None,
    ):
        """Args:
        statistics: ExampleStatistics channel, e.g. ``StatisticsGen(...).outputs['statistics']``.
        label_feature: the int64 or string feature holding the class label.
        max_split_distance: largest allowed L-infinity distance between the class shares of
          any two splits (0.02 = two percentage points).
        targets: optional ``{split: 'uniform' | {class: share}}``; shares sum to 1, classes
          are matched by their string form (``{'Cash': 0.5, ...}`` or ``{0: 0.1, ...}``).
        target_tolerance: largest allowed L-infinity distance to a split's target.
        fail_on_violation: raise (failing the pipeline) on any violation; False records the
          findings in the anomalies artifact and passes.
        schema: optional Schema channel; the label's domain adds classes every split must
          have, and a ``jensen_shannon_divergence`` drift comparator on the label is applied
          between splits too.
        compare_splits: the splits compared pairwise: None (default) compares every split,
          ``[]`` none, ``['eval', 'test']`` only those (e.g. when 'train' was rebalanced and
          is checked with ``targets`` instead).
        multi_label: None (one label per example), 'ids' (0..n int64 ids or bytes names per
          example) or 'multi_hot' (a fixed-length int64 0/1 vector): check each label's
          prevalence (share of a split's examples carrying it) instead of class shares;
          ``max_split_distance`` then bounds the largest prevalence difference between two
          compared splits, and ``targets`` does not apply.
        examples: optional Examples channel, the data the statistics were computed from; with
          ``multi_label`` the labels are counted from it (required for 'multi_hot'); with one
          label per example, StratifiedSplitter's output: its split_counts.json makes the
          differences the splitter's documented bound allows (rounding, classes with fewer
          examples than splits, groups) notes instead of violations.
        max_cardinality_difference: multi-label: largest allowed difference of the mean number
          of labels per example between two compared splits.
        min_prevalence: multi-label: every label's (or ``{label: share}``: each named label's)
          smallest allowed prevalence in each compared split.
        max_prevalence_difference: multi-label: every label's (or ``{label: limit}``) largest
          allowed prevalence difference between each compared split and the first one.
        baseline_statistics: optional ExampleStatistics channel, e.g. the previous span's (a
          Resolver over StatisticsGen's output); each split is compared with the baseline's
          split of the same name. When it resolves to nothing (the first run), nothing is
          compared. One label per example only.
        max_drift_distance: with a baseline: largest allowed L-infinity distance between a
          split's class shares and the baseline's (TFDV's infinity_norm comparator).
        max_drift_divergence: with a baseline: largest allowed Jensen-Shannon divergence (TFDV's
          jensen_shannon_divergence comparator, log base 2); None reports it without a limit.
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
        config = ValidatorConfig(
            label_feature=label_feature,
            max_split_distance=max_split_distance,
            targets=targets,
            target_tolerance=target_tolerance,
            fail_on_violation=fail_on_violation,
            compare_splits=compare_splits,
            multi_label=multi_label,
            max_cardinality_difference=max_cardinality_difference,
            min_prevalence=min_prevalence,
            max_prevalence_difference=max_prevalence_difference,
            max_drift_distance=max_drift_distance,
            max_drift_divergence=max_drift_divergence,
        ).validate()
        if baseline_statistics is not None:
            config.check_baseline()
        if multi_label == 'multi_hot' and examples is None:
            raise ConfigError(MULTI_HOT_NEEDS_EXAMPLES.format(feature=label_feature))
        spec = ClassDistributionValidatorSpec(
            **config.to_exec_properties(baseline=baseline_statistics is not None),
            statistics=statistics,
            baseline_statistics=baseline_statistics,
            schema=schema,
            input_examples=examples,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
        )
        super().__init__(spec=spec)
