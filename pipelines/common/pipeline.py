"""The flow the single-label sample pipelines share, from an ExampleGen to a pushed model:

ExampleGen -> StratifiedSplitter -> ImportSchemaGen + StatisticsGen -> ExampleValidator
+ ClassDistributionValidator ('StratifiedCheck': are the splits stratified?)
-> BalancedAugmenter (train only) -> StatisticsGen -> ClassDistributionValidator
('BalancedCheck': is train uniform? ``compare_splits=[]``) -> Transform -> BalancedInputGen
-> Trainer (``balanced_dataset``) and BaselineTrainer (the same model, steps and seed on the
unbalanced raw training split with a plain input function)
-> Evaluator (TFMA, both models on the untouched test split, gated by ``balanced_eval_config``
on macro recall: absolute, and improvement over the baseline model) -> Pusher (ships the balanced
model only when the gate blesses it).

Each sample (``pipelines/digits``, ``pipelines/taxi``) supplies its ExampleGen and a
``Sample``: its label, split weights, augmentation and module files. Its parts
(``validated_splits``, and ``train_gate_and_assemble`` with ``trainer_pair``,
``gate_and_push`` and ``assemble``) also build the multi-label sample
(``pipelines/multilabel``), which has no augmentation or Transform.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Mapping, Sequence

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

from pipelines.common.summary import BALANCED_MODEL, BASELINE_MODEL
from tfx_balance import (
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    StratifiedSplitter,
    balanced_eval_config,
)
from tfx_balance.metrics import CalibrationGate


@dataclasses.dataclass(frozen=True)
class Sample:
    """What differs between the sample pipelines.

    Attributes:
      label: the label feature.
      splits: StratifiedSplitter weights.
      module_dir: folder with ``preprocessing.py`` (Transform) and ``trainer.py`` (Trainer).
      augmenter: BalancedAugmenter arguments besides examples, label, splits and seed.
      batch_size: training batch size of both models.
      fail_on_split_violation: whether StratifiedCheck stops the pipeline.
      preprocessing_function_names: model signatures TFMA applies to raw examples to get the
        label (e.g. ``['transform_features']`` when the raw label is a string).
      classes: class names in the order of the models' scores (class id = position).
      min_macro_recall: the Evaluator blesses (and the Pusher ships) the balanced model only if
        its macro recall on the test split is at least this (None: not gated),
      min_improvement: and at least this much above the baseline model's (None: not gated).
      min_macro_f1: multi-label only: bless only if the macro F1 over the labels is at least
        this (a recall gate alone blesses a model that predicts every label),
      min_f1_improvement: and at least this much above the baseline model's.
      multi_label: None (one class per example), or ``'ids'`` / ``'multi_hot'``: the label
        holds a set of labels (``classes`` names them), split, checked and gated per label.
      calibration: the calibration gate on the served ``probabilities`` (the balanced model's
        scores corrected to the data's class frequencies); its recall gate reads
        ``balanced_probabilities``.
      confidence: None (gate on point estimates) or e.g. 0.95: the gates apply to confidence
        bounds (``balanced_eval_config(confidence=...)``, docs/balanced_model_gate.md#intervals).
      stratify_features: StratifiedSplitter's ``stratify_features`` (empty: the label alone),
        e.g. ``('company',)``: every class x value stratum within 1 of its share in every split.
    """

    label: str
    splits: Mapping[str, float]
    module_dir: str
    augmenter: Mapping
    batch_size: int
    fail_on_split_violation: bool = True
    preprocessing_function_names: Sequence[str] = ()
    classes: Sequence[str] = ()
    min_macro_recall: float | None = 0.0
    min_improvement: float | None = 0.0
    min_macro_f1: float | None = None
    min_f1_improvement: float | None = None
    multi_label: str | None = None
    calibration: CalibrationGate = CalibrationGate(
        max_ece_increase=0.01, max_log_loss_increase=0.02
    )
    confidence: float | None = None
    stratify_features: Sequence[str] = ()


def eval_config(sample: Sample) -> tfma.EvalConfig:
    """The model gate: ``balanced_eval_config`` on macro recall (absolute, and improvement over the
    baseline model) of ``balanced_probabilities``, and on the calibration (ECE and log loss, no
    worse than the baseline's by more than the sample's bounds) of ``probabilities``.
    Single-label: over the classes, plus accuracy for comparison only (it gates nothing);
    multi-label: ``macro_label_f1`` over the labels (sigmoid scores, threshold 0.5) with the
    sample's ``min_macro_f1`` / ``min_f1_improvement``, and ``macro_label_recall`` where the sample
    sets ``min_macro_recall`` / ``min_improvement``.
    """
    gate = dict(
        label_key=sample.label,
        min_macro_recall=sample.min_macro_recall,
        min_improvement=sample.min_improvement,
        baseline_model_name=BASELINE_MODEL,
        model_name=BALANCED_MODEL,
        signature_name='serving_default',
        preprocessing_function_names=list(sample.preprocessing_function_names),
        calibration=sample.calibration,
        confidence=sample.confidence,
    )
    if sample.multi_label:
        # The Evaluator sees the model's label as a 0/1 vector (after Transform), whatever form
        # the examples hold it in.
        return balanced_eval_config(
            multi_label='multi_hot',
            labels=list(sample.classes),
            min_macro_f1=sample.min_macro_f1,
            min_f1_improvement=sample.min_f1_improvement,
            **gate,
        )
    return balanced_eval_config(
        classes=list(sample.classes),
        metrics=[tfma.MetricConfig(class_name='SparseCategoricalAccuracy')],
        **gate,
    )


def build_pipeline(
    example_gen,
    sample: Sample,
    *,
    pipeline_name: str,
    root: str,
    schema_file: str,
    train_steps: int,
    seed: int = 0,
    beam_args: list | None = None,
    metadata_path: str | None = None,
    serving_dir: str | None = None,
) -> tfx.dsl.Pipeline:
    """Builds the shared flow (module docstring) after ``example_gen``.

    Args:
      example_gen: the sample's ExampleGen component.
      sample: what differs between samples.
      pipeline_name: only ``[a-z0-9-]`` (Kubeflow).
      root: pipeline root (local path, gs:// or s3://).
      schema_file: curated TFDV schema of the raw data (it marks the label categorical, so
        StatisticsGen counts each class exactly).
      train_steps: training steps of both models.
      seed: seed of every component that has one.
      beam_args: Beam pipeline args (default: in-process DirectRunner).
      metadata_path: SQLite MLMD file (LocalDagRunner); None for orchestrators that bring MLMD.
      serving_dir: Pusher destination (default ``<root>/serving``).
    """
    label = sample.label
    splitter, schema, statistics, example_validator, splits_check = validated_splits(
        example_gen, sample, schema_file, seed
    )
    augmenter = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature=label,
        splits=['train'],
        seed=seed,
        **sample.augmenter,
    )
    train_statistics = tfx.components.StatisticsGen(
        examples=augmenter.outputs['examples'], schema=schema.outputs['schema']
    ).with_id('AugmentedStatisticsGen')
    balance_check = ClassDistributionValidator(
        statistics=train_statistics.outputs['statistics'],
        label_feature=label,
        compare_splits=[],  # train is checked against its target; StratifiedCheck compared splits
        targets={'train': 'uniform'},
        target_tolerance=0.01,
    ).with_id('BalancedCheck')
    transform = tfx.components.Transform(
        examples=augmenter.outputs['examples'],
        schema=schema.outputs['schema'],
        module_file=os.path.join(sample.module_dir, 'preprocessing.py'),
    )
    transform.add_upstream_node(balance_check)
    transform.add_upstream_node(splits_check)
    balanced_input = BalancedInputGen(
        examples=transform.outputs['transformed_examples'],
        augmented_examples=augmenter.outputs['examples'],  # the data's counts before augmenting
        label_feature=label,
        splits=['train'],
        seed=seed,
    )
    return train_gate_and_assemble(
        sample,
        [
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
        ],
        balanced_examples=balanced_input.outputs['examples'],
        splitter=splitter,
        schema=schema,
        transform=transform,
        pipeline_name=pipeline_name,
        root=root,
        train_steps=train_steps,
        seed=seed,
        beam_args=beam_args,
        metadata_path=metadata_path,
        serving_dir=serving_dir,
    )


def train_gate_and_assemble(
    sample: Sample,
    components: list,
    *,
    balanced_examples,
    splitter,
    schema,
    pipeline_name: str,
    root: str,
    train_steps: int,
    seed: int,
    transform=None,
    baseline_after=None,
    beam_args: list | None = None,
    metadata_path: str | None = None,
    serving_dir: str | None = None,
) -> tfx.dsl.Pipeline:
    """The end every sample shares: ``trainer_pair`` (balanced on ``balanced_examples``,
    baseline on the splitter's raw examples, after ``baseline_after`` when given),
    ``gate_and_push`` on the splitter's test split, and ``assemble`` of ``components``
    followed by the two Trainers, the Evaluator and the Pusher (arguments as
    ``build_pipeline``'s).

    Example (after a sample's own components, as ``pipelines/multilabel`` does)::

        return train_gate_and_assemble(
            SAMPLE, [example_gen, splitter, ...], balanced_examples=..., splitter=splitter,
            schema=schema, pipeline_name=name, root=root, train_steps=600, seed=0)
    """
    balanced_trainer, baseline_trainer = trainer_pair(
        sample,
        balanced_examples=balanced_examples,
        plain_examples=splitter.outputs['examples'],
        schema=schema,
        train_steps=train_steps,
        seed=seed,
        transform=transform,
    )
    if baseline_after is not None:
        baseline_trainer.add_upstream_node(baseline_after)
    evaluator, pusher = gate_and_push(
        sample, splitter.outputs['examples'], balanced_trainer, baseline_trainer, root, serving_dir
    )
    return assemble(
        pipeline_name,
        root,
        [*components, balanced_trainer, baseline_trainer, evaluator, pusher],
        metadata_path,
        beam_args,
    )


def validated_splits(example_gen, sample: Sample, schema_file: str, seed: int) -> tuple:
    """StratifiedSplitter, ImportSchemaGen, StatisticsGen, ExampleValidator and the
    'StratifiedCheck' ClassDistributionValidator (are the splits stratified?), in that order;
    multi-label (``sample.multi_label``) where the sample's label is, stratified on
    ``sample.stratify_features`` too where it names any."""
    multi_label = {'multi_label': sample.multi_label} if sample.multi_label else {}
    strata = (
        {'stratify_features': list(sample.stratify_features)} if sample.stratify_features else {}
    )
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature=sample.label,
        splits=sample.splits,
        seed=seed,
        **multi_label,
        **strata,
    )
    schema = tfx.components.ImportSchemaGen(schema_file=schema_file)
    statistics = tfx.components.StatisticsGen(
        examples=splitter.outputs['examples'], schema=schema.outputs['schema']
    )
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics.outputs['statistics'], schema=schema.outputs['schema']
    )
    if sample.multi_label:  # label prevalence counted from the examples the statistics describe
        multi_label['examples'] = splitter.outputs['examples']
    splits_check = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'],
        label_feature=sample.label,
        max_split_distance=0.02,
        schema=schema.outputs['schema'],
        fail_on_violation=sample.fail_on_split_violation,
        **multi_label,
    ).with_id('StratifiedCheck')
    return splitter, schema, statistics, example_validator, splits_check


def sample_trainer(
    sample: Sample,
    component_id: str,
    examples,
    input_kind: str,
    *,
    schema,
    train_steps: int,
    seed: int,
    transform=None,
    base_model=None,
):
    """The Trainer of the sample's ``trainer.py`` on ``examples``: ``custom_config['input']``
    is ``input_kind`` (``'balanced'`` or ``'plain'``), with the seed, the batch size and the class
    names (the score order, for the prior correction); ``transform``'s graph when there is one,
    and ``base_model`` (a channel of models) to warm-start from."""
    optional = {}
    if transform is not None:
        optional['transform_graph'] = transform.outputs['transform_graph']
    if base_model is not None:
        optional['base_model'] = base_model
    return tfx.components.Trainer(
        module_file=os.path.join(sample.module_dir, 'trainer.py'),
        examples=examples,
        schema=schema.outputs['schema'],
        train_args=tfx.proto.TrainArgs(num_steps=train_steps),
        eval_args=tfx.proto.EvalArgs(num_steps=0),
        custom_config={
            'input': input_kind,
            'seed': seed,
            'batch_size': sample.batch_size,
            'class_names': list(sample.classes),
        },
        **optional,
    ).with_id(component_id)


def trainer_pair(
    sample: Sample,
    *,
    balanced_examples,
    plain_examples,
    schema,
    train_steps: int,
    seed: int,
    transform=None,
) -> tuple:
    """The balanced Trainer (``balanced_examples``, ``custom_config['input'] = 'balanced'``) and
    the BaselineTrainer (``plain_examples``, ``'plain'``): ``sample_trainer`` of each, with the
    same steps, seed and ``transform``."""
    same = dict(schema=schema, train_steps=train_steps, seed=seed, transform=transform)
    return (
        sample_trainer(sample, 'Trainer', balanced_examples, 'balanced', **same),
        sample_trainer(sample, 'BaselineTrainer', plain_examples, 'plain', **same),
    )


def gate_and_push(
    sample: Sample, examples, balanced_trainer, baseline_trainer, root, serving_dir=None
) -> tuple:
    """The Evaluator of both models on the ``test`` split of ``examples``, gated by
    ``eval_config``, and the Pusher of the balanced model when the gate blesses it."""
    evaluator = tfx.components.Evaluator(
        examples=examples,
        model=balanced_trainer.outputs['model'],
        baseline_model=baseline_trainer.outputs['model'],
        example_splits=['test'],
        eval_config=eval_config(sample),
    )
    pusher = filesystem_pusher(
        balanced_trainer.outputs['model'], evaluator.outputs['blessing'], root, serving_dir
    )
    return evaluator, pusher


def assemble(
    pipeline_name: str,
    root: str,
    components: list,
    metadata_path: str | None = None,
    beam_args: list | None = None,
) -> tfx.dsl.Pipeline:
    """The pipeline object: SQLite MLMD at ``metadata_path`` (None: the orchestrator's) and the
    in-process DirectRunner unless ``beam_args`` say otherwise."""
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=root,
        components=components,
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata_path)
            if metadata_path
            else None
        ),
        # No Beam args for the in-process DirectRunner (Beam's default): with any args that name
        # no package or image, TFX builds an sdist of itself for every Beam component (about
        # 1.6 s and 42 MB left in /tmp each; tfx.utils.dependency_utils), unused in-process.
        beam_pipeline_args=list(beam_args or []),
    )


def filesystem_pusher(model, blessing, root: str, serving_dir: str | None = None):
    """A Pusher of ``model`` (when ``blessing`` blesses it) to ``serving_dir``, by default
    ``<root>/serving``."""
    return tfx.components.Pusher(
        model=model,
        model_blessing=blessing,
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=serving_dir or os.path.join(root, 'serving')
            )
        ),
    )
