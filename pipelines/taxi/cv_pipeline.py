"""The taxi sample, cross-validated (``make demo-taxi-cv``): both models of the taxi pipeline
(balanced and baseline) trained and evaluated on ``FOLDS`` stratified folds, and the balanced
model blessed on the cross-validated estimate instead of one test split.

CsvExampleGen -> StratifiedSplitter (``folds=FOLDS``: ``fold-0`` ..) -> ImportSchemaGen
-> BalancedAugmenter (each fold on its own, every class to ``TRAIN_TARGET / (FOLDS - 1)``, so a
model's training folds together hold about ``TRAIN_TARGET`` of each class) -> Transform
(analyzes and transforms every fold) -> BalancedInputGen (every fold)
-> ``tfx_balance.cross_validation``: per fold, the balanced Trainer on the other augmented folds
(``balanced_dataset``), the baseline Trainer on the other untouched folds (plain input), and an
Evaluator of both on the untouched held-out fold; a balanced Trainer on all folds;
CrossValidationAggregate (the taxi gate, ``MIN_MACRO_RECALL`` and ``MIN_IMPROVEMENT``, on the
mean over the folds) -> Pusher.

Augmenting each fold on its own keeps every synthetic example inside the fold of its source, so
no held-out fold has synthetic examples or examples made from a training fold's. One Transform
for all folds is cheaper than one per fold, but its statistics (means, vocabulary) have seen the
held-out fold; the label ids are fixed (``preprocessing.CLASSES``).
"""

from __future__ import annotations

import os

from tfx import v1 as tfx

from pipelines.common.pipeline import assemble, eval_config, filesystem_pusher
from pipelines.taxi.pipeline import (
    DATA_DIR,
    HERE,
    LABEL,
    SCHEMA_FILE,
    TRAIN_STEPS,
    TRAIN_TARGET,
    sample,
)
from tfx_balance import BalancedAugmenter, BalancedInputGen, StratifiedSplitter, cross_validation
from tfx_balance.core.common.folds import fold_names

PIPELINE_NAME = 'tfx-balance-taxi-cv'
FOLDS = 3  # a third of the trips per fold: Pcard's 3 trips give one to each fold


def create_pipeline(
    root: str,
    data_root: str | None = None,
    schema_file: str = SCHEMA_FILE,
    train_steps: int = TRAIN_STEPS,
    seed: int = 0,
    beam_args: list | None = None,
    metadata_path: str | None = None,
    serving_dir: str | None = None,
    pipeline_name: str = PIPELINE_NAME,
    folds: int = FOLDS,
) -> tfx.dsl.Pipeline:
    """Builds the cross-validated taxi pipeline (arguments as ``pipelines.taxi.pipeline``'s, plus
    ``folds``)."""
    # Point estimates per fold: CrossValidationAggregate gates their mean over the folds, which it
    # reads under the metrics' own names.
    taxi = sample(confidence=None)
    names = fold_names(folds)
    example_gen = tfx.components.CsvExampleGen(input_base=data_root or DATA_DIR)
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature=LABEL,
        folds=folds,
        seed=seed,
    )
    schema = tfx.components.ImportSchemaGen(schema_file=schema_file)
    augmenter = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature=LABEL,
        splits=names,
        seed=seed,
        **{**taxi.augmenter, 'target': TRAIN_TARGET // (folds - 1)},
    )
    transform = tfx.components.Transform(
        examples=augmenter.outputs['examples'],
        schema=schema.outputs['schema'],
        module_file=os.path.join(HERE, 'preprocessing.py'),
        splits_config=tfx.proto.SplitsConfig(analyze=names, transform=names),
    )
    balanced_input = BalancedInputGen(
        examples=transform.outputs['transformed_examples'],
        augmented_examples=augmenter.outputs['examples'],  # each fold's counts before augmenting
        label_feature=LABEL,
        splits=names,
        seed=seed,
    )

    def trainer_kwargs(input_kind: str) -> dict:
        return {
            'module_file': os.path.join(HERE, 'trainer.py'),
            'transform_graph': transform.outputs['transform_graph'],
            'schema': schema.outputs['schema'],
            'train_args': tfx.proto.TrainArgs(num_steps=train_steps),
            'eval_args': tfx.proto.EvalArgs(num_steps=0),
            'custom_config': {
                'input': input_kind,
                'seed': seed,
                'batch_size': taxi.batch_size,
                'class_names': list(taxi.classes),  # score order, for the prior correction
            },
        }

    cv = cross_validation(
        examples=balanced_input.outputs['examples'],
        trainer_kwargs=trainer_kwargs('balanced'),
        baseline_trainer_kwargs=trainer_kwargs('plain'),
        baseline_examples=splitter.outputs['examples'],
        eval_examples=splitter.outputs['examples'],
        eval_config=eval_config(taxi),
        folds=names,
    )
    pusher = filesystem_pusher(cv.model, cv.blessing, root, serving_dir)
    components = [
        example_gen,
        splitter,
        schema,
        augmenter,
        transform,
        balanced_input,
        *cv.components,
        pusher,
    ]
    return assemble(pipeline_name, root, components, metadata_path, beam_args)
