"""``cross_validation``: k Trainer + Evaluator pairs over a folded Examples artifact, a Trainer on
all the folds, and the CrossValidationAggregate that blesses it on the cross-validated estimate.

Rules and a full example: docs/cross_validation.md.
"""

from __future__ import annotations

import dataclasses
from typing import List, Mapping, Sequence

from tfx_balance.core.cross_validation import check_gate_on, fold_names, training_folds
from tfx_balance.core.errors import ConfigError

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
        """Every component, in dependency order."""
        final = [self.final_trainer] if self.final_trainer is not None else []
        return [
            *self.trainers,
            *self.baseline_trainers,
            *final,
            *self.evaluators,
            self.aggregate,
        ]

    @property
    def model(self):
        """The final model's channel (trained on all the folds): what the Pusher ships."""
        return self.final_trainer.outputs['model']

    @property
    def blessing(self):
        """The aggregate's ModelBlessing channel: the Pusher's ``model_blessing``."""
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


def _trainer(kwargs: Mapping, argument: str, examples, train_splits, eval_splits, component_id):
    from tfx import v1 as tfx

    if not isinstance(kwargs, Mapping):
        raise ConfigError(
            f'{argument} must be a dict of tfx.components.Trainer arguments, e.g. '
            "{'module_file': 'trainer.py', 'train_args': tfx.proto.TrainArgs(num_steps=100)}, "
            f'got {kwargs!r}.'[:300]
        )
    clash = [k for k in _SET_BY_US if k in kwargs]
    if clash:
        raise ConfigError(
            f'{argument} sets {clash}, which cross_validation sets for every fold; drop it.'
        )
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
    """Builds k-fold cross-validation over the fold splits of ``examples``.

    For fold i of k: ``Trainer(**trainer_kwargs)`` with ``TrainArgs.splits`` = the other folds and
    ``EvalArgs.splits`` = fold i, and an ``Evaluator`` of that model (and of the baseline's fold-i
    model, if any) on fold i (``example_splits=[fold i]``) with ``eval_config``. Then a Trainer
    on all the folds (the model to ship), and a ``CrossValidationAggregate`` of the k
    evaluations that blesses it only if the cross-validated estimate meets the thresholds.

    Example::

        splitter = StratifiedSplitter(  # 5 equal stratified folds
            examples=..., label_feature='label', splits={f'fold-{i}': 1 for i in range(5)}
        )
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

    Args:
      examples: channel of an Examples artifact with the fold splits (e.g. StratifiedSplitter
        with equal weights on ``fold-0 .. fold-<k-1>``); other splits (e.g. a held-out
        ``test``) are not used.
      trainer_kwargs: ``tfx.components.Trainer`` arguments but ``examples``; ``train_args`` /
        ``eval_args`` without ``splits`` (cross_validation sets them). The Trainer's
        ``eval_files`` are the held-out fold: report on them, but do not select the model on
        them (early stopping on them would leak the fold into its estimate).
      eval_config: the folds' ``tfma.EvalConfig`` (e.g. ``balanced_eval_config``); with a
        baseline it has one ``is_baseline`` ModelSpec. Its thresholds are the gate's, applied
        to the cross-validated estimate, unless ``thresholds`` is given.
      folds: the number of folds k (splits ``fold-0 .. fold-<k-1>``) or the fold split names.
      baseline_trainer_kwargs: Trainer arguments of a baseline trained on the same folds; each
        fold's Evaluator then compares the two models on the same held-out fold.
      eval_examples: the Examples the Evaluators read (default: ``examples``), with the same
        fold splits: when ``examples`` were augmented or laid out for training (BalancedAugmenter,
        Transform, BalancedInputGen keep the split names), evaluate on the untouched folds.
      baseline_examples: the Examples the baseline Trainers read (default: ``examples``), e.g.
        the untouched folds for a baseline trained on the unbalanced data.
      evaluator_kwargs: more ``tfx.components.Evaluator`` arguments (e.g. ``schema``).
      thresholds: ``{metric: {kind: bound}}`` (see ``CrossValidationAggregate``); default: the
        EvalConfig's.
      gate_on: ``'mean'`` (compare the mean over the folds) or ``'interval'`` (the end of its
        95% interval on the threshold's side).
      final_model: whether to train the model to ship on all the folds (``cv.model``).
      id_prefix: prefix of the component ids (``TrainerFold0``, ``BaselineTrainerFold0``,
        ``EvaluatorFold0``, ..., ``FinalTrainer``, ``CrossValidationAggregate``), e.g. to
        cross-validate two set-ups in one pipeline.

    Returns:
      A ``CrossValidation``: its ``components`` go into the pipeline.

    Raises:
      ConfigError: an argument is invalid (the message names it).
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
    clash = [k for k in ('examples', 'model', 'baseline_model', 'example_splits', 'eval_config')]
    clash = [k for k in clash if k in evaluator_kwargs]
    if clash:
        raise ConfigError(
            f'evaluator_kwargs sets {clash}, which cross_validation sets for every fold; drop it.'
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
