"""CrossValidationAggregate: per metric, the mean, std and 95% interval over k fold evaluations,
and a ModelBlessing when the estimate meets the thresholds."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.base.channels import check_channel, check_distinct_channels
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.cross_validation import MAX_FOLDS, CrossValidationConfig
from tfx_balance.cross_validation_aggregate import executor


class CrossValidationResult(artifact.Artifact):
    """``cross_validation.json`` and ``.html``: fold metrics, statistics, gate checks."""

    TYPE_NAME = 'tfx_balance.CrossValidationResult'


class CrossValidationAggregateSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(CrossValidationConfig)
    # One input per fold (Kubeflow compiles single channels only, and the key names the fold).
    INPUTS = {
        **{
            f'{keys.FOLD_EVALUATION_KEY_PREFIX}{i}': ChannelParameter(
                type=standard_artifacts.ModelEvaluation, optional=True
            )
            for i in range(MAX_FOLDS)
        },
        keys.MODEL_KEY: ChannelParameter(type=standard_artifacts.Model, optional=True),
    }
    OUTPUTS = {
        keys.CROSS_VALIDATION_KEY: ChannelParameter(type=CrossValidationResult),
        keys.BLESSING_KEY: ChannelParameter(type=standard_artifacts.ModelBlessing),
    }


class CrossValidationAggregate(base_component.BaseComponent):
    """Aggregates k fold evaluations and blesses a model on the cross-validated estimate.

    Example (``tfx_balance.cross_validation`` builds all of this for you)::

        aggregate = CrossValidationAggregate(
            evaluations=[e.outputs['evaluation'] for e in fold_evaluators],  # fold-0, fold-1, ...
            model=final_trainer.outputs['model'],  # trained on all folds
            gate_on='mean',
        )
        pusher = tfx.components.Pusher(
            model=final_trainer.outputs['model'],
            model_blessing=aggregate.outputs['blessing'],
            push_destination=...,
        )

    ``blessing`` is BLESSED only if every threshold holds (NOT_BLESSED without thresholds).
    Rules: docs/cross_validation.md.
    """

    SPEC_CLASS = CrossValidationAggregateSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    @documented(CrossValidationConfig)
    def __init__(
        self,
        evaluations: Sequence[types.BaseChannel],
        model: types.BaseChannel | None = None,
        folds: Sequence[str] | None = None,
        thresholds: Mapping[str, Mapping[str, float]] | None = None,
        gate_on: str = 'mean',
        html_report: bool = True,
    ):
        """Args:
        evaluations: the ``outputs['evaluation']`` of the k fold Evaluators, fold 0 first.
        model: the Model the blessing is about (trained on all the folds); optional.
        {arguments}
        """
        if isinstance(evaluations, (str, bytes)) or not isinstance(evaluations, Sequence):
            raise ConfigError(
                "evaluations must be a list of the fold Evaluators' outputs, e.g. "
                f"[e.outputs['evaluation'] for e in fold_evaluators], got {evaluations!r}."[:300]
            )
        config = CrossValidationConfig(
            folds=len(evaluations) if folds is None else list(folds),
            thresholds=thresholds,
            gate_on=gate_on,
        ).validate()
        if len(config.folds) != len(evaluations):
            raise ConfigError(
                f'folds names {len(config.folds)} folds ({list(config.folds)}) but evaluations has '
                f'{len(evaluations)}; give one evaluation per fold, in the order of folds.'
            )
        inputs = {}
        for i, channel in enumerate(evaluations):
            key = f'{keys.FOLD_EVALUATION_KEY_PREFIX}{i}'
            check_channel(CrossValidationAggregateSpec, key, f'evaluations[{i}]', channel)
            inputs[key] = channel
        check_distinct_channels('evaluations', evaluations)
        check_channel(CrossValidationAggregateSpec, keys.MODEL_KEY, 'model', model)
        spec = CrossValidationAggregateSpec(
            **config.to_exec_properties(),
            model=model,
            cross_validation=types.Channel(type=CrossValidationResult),
            blessing=types.Channel(type=standard_artifacts.ModelBlessing),
            html_report=html_report,
            **inputs,
        )
        super().__init__(spec=spec)
