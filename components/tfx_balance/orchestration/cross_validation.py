"""``cross_validation``: k Trainer + Evaluator pairs over a folded Examples artifact, a Trainer on
all the folds, and the CrossValidationAggregate that blesses it. Rules: docs/cross_validation.md.
"""

from __future__ import annotations

import dataclasses
from typing import List, Mapping, Sequence

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.cross_validation import check_gate_on, fold_names, training_folds

_SET_BY_US = ('examples',)


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    """The components ``cross_validation`` built (add ``components`` to the pipeline)."""

    folds: List[str]
    trainers: list  # fold i's model, trained on the other folds
    baseline_trainers: list  # the same for the baseline (empty without one)
    evaluators: list  # fold i's Evaluator: fold i's model(s) on fold i
    final_trainer: object  # trained on all the folds (None with final_model=False)
    aggregate: object  # CrossValidationAggregate

    @property
    def components(self) -> list:
        final = [self.final_trainer] if self.final_trainer is not None else []
        return [*self.trainers, *self.baseline_trainers, *final, *self.evaluators, self.aggregate]

    @property
    def model(self):
        """The final model's channel (trained on all the folds): what the Pusher ships."""
        return self.final_trainer.outputs['model']

    @property
    def blessing(self):
        return self.aggregate.outputs['blessing']


def _args(proto_class, given, name: str, splits: Sequence[str]):
    """A copy of the user's TrainArgs/EvalArgs (or a new one) with ``splits`` set."""
    args = proto_class()
    if given is not None:
        if not isinstance(given, proto_class):
            raise ConfigError(
                f'{name} must be a tfx.proto.{proto_class.__name__}, got {given!r}; e.g. '
                f'{name}=tfx.proto.{proto_class.__name__}(num_steps=100).'
            )
        if given.splits:
            raise ConfigError(
                f'{name} sets splits {list(given.splits)}, but cross_validation sets the splits '
                'of every fold (train: the other folds, eval: the held-out fold); drop splits.'
            )
        args.CopyFrom(given)
    args.splits.extend(splits)
    return args


def _refuse_ours(kwargs: Mapping, argument: str, ours: Sequence[str]) -> None:
    clash = [k for k in ours if k in kwargs]
    if clash:
        raise ConfigError(
            f'{argument} sets {clash}, which cross_validation sets for every fold; drop it.'
        )


def _trainer(kwargs: Mapping, argument: str, examples, train_splits, eval_splits, component_id):
    from tfx import v1 as tfx

    if not isinstance(kwargs, Mapping):
        raise ConfigError(
            f'{argument} must be a dict of tfx.components.Trainer arguments, e.g. '
            "{'module_file': 'trainer.py', 'train_args': tfx.proto.TrainArgs(num_steps=100)}, "
            f'got {kwargs!r}.'[:300]
        )
    _refuse_ours(kwargs, argument, _SET_BY_US)
    kwargs = dict(kwargs)
    train_args = _args(
        tfx.proto.TrainArgs, kwargs.pop('train_args', None), 'train_args', train_splits
    )
    eval_args = _args(tfx.proto.EvalArgs, kwargs.pop('eval_args', None), 'eval_args', eval_splits)
    return tfx.components.Trainer(
        examples=examples, train_args=train_args, eval_args=eval_args, **kwargs
    ).with_id(component_id)


def _check_eval_config(eval_config, with_baseline: bool):
    import tensorflow_model_analysis as tfma

    if not isinstance(eval_config, tfma.EvalConfig):
        raise ConfigError(
            f'eval_config must be a tfma.EvalConfig (e.g. tfx_balance.balanced_eval_config(...)), '
            f'got {type(eval_config).__name__}.'
        )
    baselines = [s.name for s in eval_config.model_specs if s.is_baseline]
    if with_baseline and len(baselines) != 1:
        raise ConfigError(
            'baseline_trainer_kwargs is set, so every fold Evaluator compares with a baseline '
            f'model, but eval_config has {len(baselines)} baseline ModelSpec(s); build it with '
            "balanced_eval_config(..., baseline_model_name='baseline')."
        )
    if not with_baseline and baselines:
        raise ConfigError(
            f'eval_config has a baseline ModelSpec {baselines[0]!r} but no '
            'baseline_trainer_kwargs; give the baseline Trainer arguments, or drop the baseline.'
        )


def cross_validation(
    examples,
    trainer_kwargs: Mapping,
    eval_config,
    folds: int | Sequence[str] = 5,
    *,
    baseline_trainer_kwargs: Mapping | None = None,
    eval_examples=None,
    baseline_examples=None,
    evaluator_kwargs: Mapping | None = None,
    thresholds: Mapping[str, Mapping[str, float]] | None = None,
    gate_on: str = 'mean',
    final_model: bool = True,
    id_prefix: str = '',
) -> CrossValidation:
    """Builds k-fold cross-validation over the fold splits of ``examples``: a ``CrossValidation``.

    For fold i: a Trainer on the other folds, and an Evaluator of its model (and of the baseline's
    fold-i model) on fold i; then a Trainer on all the folds (the model to ship) and a
    ``CrossValidationAggregate`` that blesses it on the cross-validated estimate.

    Example::

        splitter = StratifiedSplitter(examples=..., label_feature='label', folds=5)
        cv = tfx_balance.cross_validation(
            examples=splitter.outputs['examples'],
            trainer_kwargs={  # what you give tfx.components.Trainer, minus examples
                'module_file': 'trainer.py',
                'train_args': tfx.proto.TrainArgs(num_steps=1000),
            },
            eval_config=balanced_eval_config('label', num_classes=3, min_macro_recall=0.8),
            folds=5,
        )
        pusher = tfx.components.Pusher(model=cv.model, model_blessing=cv.blessing, ...)
        pipeline = tfx.dsl.Pipeline(components=[..., splitter, *cv.components, pusher], ...)

    Arguments: docs/cross_validation.md, "What it builds"; a bad one is a ``ConfigError``. A
    fold Trainer's ``eval_files`` are its held-out fold: report on them, never select on them.
    """
    from tfx import v1 as tfx

    from tfx_balance.cross_validation_aggregate.component import CrossValidationAggregate
    from tfx_balance.cross_validation_aggregate.evaluations import eval_config_thresholds

    names = fold_names(folds)
    check_gate_on(gate_on)
    _check_eval_config(eval_config, baseline_trainer_kwargs is not None)
    if thresholds is None:  # the EvalConfig's, read now so that a problem shows at build time
        thresholds = eval_config_thresholds(eval_config)
    evaluator_kwargs = dict(evaluator_kwargs or {})
    _refuse_ours(
        evaluator_kwargs,
        'evaluator_kwargs',
        ('examples', 'model', 'baseline_model', 'example_splits', 'eval_config'),
    )
    trainers, baselines, evaluators = [], [], []
    for i, fold in enumerate(names):
        train = training_folds(names, fold)
        trainers.append(
            _trainer(
                trainer_kwargs,
                'trainer_kwargs',
                examples,
                train,
                [fold],
                f'{id_prefix}TrainerFold{i}',
            )
        )
        baseline = None
        if baseline_trainer_kwargs is not None:
            baseline = _trainer(
                baseline_trainer_kwargs,
                'baseline_trainer_kwargs',
                examples if baseline_examples is None else baseline_examples,
                train,
                [fold],
                f'{id_prefix}BaselineTrainerFold{i}',
            )
            baselines.append(baseline)
        evaluators.append(
            tfx.components.Evaluator(
                examples=examples if eval_examples is None else eval_examples,
                model=trainers[-1].outputs['model'],
                baseline_model=baseline.outputs['model'] if baseline is not None else None,
                example_splits=[fold],
                eval_config=eval_config,
                **evaluator_kwargs,
            ).with_id(f'{id_prefix}EvaluatorFold{i}')
        )
    final = None
    if final_model:
        final = _trainer(
            trainer_kwargs, 'trainer_kwargs', examples, names, names, f'{id_prefix}FinalTrainer'
        )
    aggregate = CrossValidationAggregate(
        evaluations=[e.outputs['evaluation'] for e in evaluators],
        model=final.outputs['model'] if final is not None else None,
        folds=names,
        thresholds=thresholds,
        gate_on=gate_on,
    ).with_id(f'{id_prefix}CrossValidationAggregate')
    return CrossValidation(names, trainers, baselines, evaluators, final, aggregate)
