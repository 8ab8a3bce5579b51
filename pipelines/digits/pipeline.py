"""The digits sample pipeline (``make demo``): imbalanced 8x8 digit images end to end.

ImportExampleGen -> StratifiedSplitter -> StatisticsGen -> ImportSchemaGen (schemas/digits.pbtxt)
-> ExampleValidator + ClassDistributionValidator (are the splits stratified?)
-> BalancedAugmenter ('image', train only) -> StatisticsGen (train)
-> ClassDistributionValidator (is train uniform?) -> Transform -> BalancedInputGen
-> Trainer (balanced_dataset) and a baseline Trainer (plain input, unbalanced train split)
-> Evaluator (TFMA per-class recall, both models on the untouched test split) -> Pusher.

:func:`create_pipeline` builds the pipeline object, for LocalDagRunner (``run_local.py``) and for
Kubeflow (``run_kubeflow.py``).
"""

from __future__ import annotations

import os

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

from tfx_balance import (
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    StratifiedSplitter,
)

PIPELINE_NAME = 'tfx-balance-digits'
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCHEMA_FILE = os.path.join(REPO, 'schemas', 'digits.pbtxt')
LABEL = 'label'
NUM_CLASSES = 10
SPLITS = {'train': 7, 'eval': 1, 'test': 2}
TRAIN_STEPS = 200
BATCH_SIZE = 50


def eval_config() -> tfma.EvalConfig:
    """Accuracy (with a sanity threshold) and the multi-class confusion matrix, for both models."""
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(name='balanced', label_key=LABEL),
            tfma.ModelSpec(name='baseline', label_key=LABEL, is_baseline=True),
        ],
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(
                        class_name='SparseCategoricalAccuracy',
                        threshold=tfma.MetricThreshold(
                            value_threshold=tfma.GenericValueThreshold(lower_bound={'value': 0.5})
                        ),
                    )
                ]
            ),
            # Per-class recall = diagonal / row sum of the argmax confusion matrix (threshold 0).
            # (Binarized Recall with top_k=1 reports 1.0 for a class the model never predicts.)
            tfma.MetricsSpec(
                metrics=[tfma.MetricConfig(class_name='MultiClassConfusionMatrixPlot')]
            ),
        ],
    )


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
) -> tfx.dsl.Pipeline:
    """Builds the digits pipeline.

    Args:
      root: pipeline root (local path, gs:// or s3://).
      data_root: folder with the imbalanced digits TFRecords written by
        ``pipelines/digits/dataset.py`` (default ``<root>/data``).
      schema_file: curated TFDV schema of the raw data.
      train_steps: training steps of both models (same for balanced and baseline).
      seed: seed of every component that has one.
      beam_args: Beam pipeline args (default: in-process DirectRunner).
      metadata_path: SQLite MLMD file (LocalDagRunner); None for orchestrators that bring MLMD.
      serving_dir: Pusher destination (default ``<root>/serving``).
    """
    example_gen = tfx.components.ImportExampleGen(
        input_base=data_root or os.path.join(root, 'data')
    )
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'], label_feature=LABEL, splits=SPLITS, seed=seed
    )
    schema = tfx.components.ImportSchemaGen(schema_file=schema_file)
    # The schema marks the int label categorical, so TFDV counts each class exactly.
    statistics = tfx.components.StatisticsGen(
        examples=splitter.outputs['examples'], schema=schema.outputs['schema']
    )
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics.outputs['statistics'], schema=schema.outputs['schema']
    )
    splits_check = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'],
        label_feature=LABEL,
        max_split_distance=0.02,
        schema=schema.outputs['schema'],
    ).with_id('StratifiedCheck')
    augmenter = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature=LABEL,
        target='max',
        augmentation='image',
        image_feature='image',
        splits=['train'],
        seed=seed,
        # Digits are not mirror-symmetric: keep rotation/shift/brightness/contrast, no flips.
        augmentation_options={'flip': False},
    )
    train_statistics = tfx.components.StatisticsGen(
        examples=augmenter.outputs['examples'],
        schema=schema.outputs['schema'],
        exclude_splits=['eval', 'test'],
    ).with_id('AugmentedStatisticsGen')
    balance_check = ClassDistributionValidator(
        statistics=train_statistics.outputs['statistics'],
        label_feature=LABEL,
        targets={'train': 'uniform'},
        target_tolerance=0.01,
    ).with_id('BalancedCheck')
    transform = tfx.components.Transform(
        examples=augmenter.outputs['examples'],
        schema=schema.outputs['schema'],
        module_file=os.path.join(HERE, 'preprocessing.py'),
    )
    transform.add_upstream_node(balance_check)
    transform.add_upstream_node(splits_check)
    balanced_input = BalancedInputGen(
        examples=transform.outputs['transformed_examples'],
        label_feature=LABEL,
        splits=['train'],
        seed=seed,
    )

    def trainer(component_id, examples, input_kind):
        return tfx.components.Trainer(
            module_file=os.path.join(HERE, 'trainer.py'),
            examples=examples,
            transform_graph=transform.outputs['transform_graph'],
            schema=schema.outputs['schema'],
            train_args=tfx.proto.TrainArgs(num_steps=train_steps),
            eval_args=tfx.proto.EvalArgs(num_steps=0),
            custom_config={'input': input_kind, 'seed': seed, 'batch_size': BATCH_SIZE},
        ).with_id(component_id)

    balanced_trainer = trainer('Trainer', balanced_input.outputs['examples'], 'balanced')
    baseline_trainer = trainer('BaselineTrainer', splitter.outputs['examples'], 'plain')
    evaluator = tfx.components.Evaluator(
        examples=splitter.outputs['examples'],
        model=balanced_trainer.outputs['model'],
        baseline_model=baseline_trainer.outputs['model'],
        example_splits=['test'],
        eval_config=eval_config(),
    )
    pusher = tfx.components.Pusher(
        model=balanced_trainer.outputs['model'],
        model_blessing=evaluator.outputs['blessing'],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=serving_dir or os.path.join(root, 'serving')
            )
        ),
    )
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=root,
        components=[
            example_gen,
            splitter,
            schema,
            statistics,
            example_validator,
            splits_check,
            augmenter,
            train_statistics,
            balance_check,
            transform,
            balanced_input,
            balanced_trainer,
            baseline_trainer,
            evaluator,
            pusher,
        ],
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata_path)
            if metadata_path
            else None
        ),
        beam_pipeline_args=beam_args or ['--direct_num_workers=1'],
    )
