"""ClassDistributionValidator: fail a pipeline whose splits' label distributions are off."""

from __future__ import annotations

import json
from typing import Mapping

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.class_distribution_validator import executor
from tfx_balance.core import class_distribution


class ClassDistributionValidatorSpec(ComponentSpec):
    PARAMETERS = {
        keys.LABEL_FEATURE_KEY: ExecutionParameter(type=str),
        keys.MAX_SPLIT_DISTANCE_KEY: ExecutionParameter(type=float),
        keys.TARGETS_KEY: ExecutionParameter(type=str, optional=True),
        keys.TARGET_TOLERANCE_KEY: ExecutionParameter(type=float),
        keys.FAIL_ON_VIOLATION_KEY: ExecutionParameter(type=int),
    }
    INPUTS = {
        keys.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        keys.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema, optional=True),
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
            targets={'train': 'uniform'},
            target_tolerance=0.01,
            fail_on_violation=True,
        )
        trainer.add_upstream_node(check)  # nothing trains on badly split data

    From the TFDV statistics of every split it reads the exact per-class counts of
    ``label_feature`` (string labels always; int labels when StatisticsGen saw them as
    categorical, e.g. through a schema such as ``schemas/digits.pbtxt``, or when at most 3-4
    consecutive values make the numeric statistics exact). It reports:

    - every pair of splits whose L-infinity distance between class shares is above
      ``max_split_distance`` (measured by TFDV's ``infinity_norm`` drift comparator),
    - every class present in one split and absent from another (or in the schema's label
      domain and absent from a split),
    - every split in ``targets`` whose L-infinity distance to its target ('uniform' or
      ``{class: share}``) is above ``target_tolerance``.

    Outputs:
      anomalies: ExampleAnomalies artifact with ``Split-<name>/SchemaDiff.pb`` (TFDV
        ``Anomalies``) per split, plus ``class_distribution.json`` and ``class_distribution.md``
        summaries, and the custom property ``blessed`` (split -> 1/0) like ExampleValidator.

    With ``fail_on_violation=True`` (default) a violation raises ``ClassDistributionError``,
    which fails the component so nothing downstream runs; its message says what to change.
    """

    SPEC_CLASS = ClassDistributionValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        statistics: types.BaseChannel,
        label_feature: str,
        max_split_distance: float = 0.02,
        targets: Mapping[str, object] | None = None,
        target_tolerance: float = 0.01,
        fail_on_violation: bool = True,
        schema: types.BaseChannel | None = None,
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
        """
        if not isinstance(label_feature, str) or not label_feature:
            raise ValueError(f'label_feature must be a non-empty string, got {label_feature!r}.')
        for name, value in (
            ('max_split_distance', max_split_distance),
            ('target_tolerance', target_tolerance),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f'{name} must be a number >= 0, got {value!r}.')
        targets = class_distribution.validate_targets(targets)
        check_channel(ClassDistributionValidatorSpec, keys.STATISTICS_KEY, 'statistics', statistics)
        check_channel(ClassDistributionValidatorSpec, keys.SCHEMA_KEY, 'schema', schema)
        spec = ClassDistributionValidatorSpec(
            label_feature=label_feature,
            max_split_distance=float(max_split_distance),
            targets=json.dumps(targets) if targets else None,
            target_tolerance=float(target_tolerance),
            fail_on_violation=int(bool(fail_on_violation)),
            statistics=statistics,
            schema=schema,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
        )
        super().__init__(spec=spec)
