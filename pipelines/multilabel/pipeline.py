"""The multi-label sample pipeline (``make demo-multilabel``): long-tailed digit tiles end to end.

ImportExampleGen -> StratifiedSplitter (``multi_label='multi_hot'``: every label stratified at
once) -> ImportSchemaGen (schemas/multilabel.pbtxt) + StatisticsGen -> ExampleValidator
+ ClassDistributionValidator ('StratifiedCheck': label prevalence and cardinality alike in every
split, counted from the examples) -> BalancedInputGen (``multi_label='multi_hot'``,
``policy='floored_label_balanced'``, the default) -> Trainer (balanced_dataset) and a baseline
Trainer (plain input, the same model, steps and seed on the raw training split) -> Evaluator (per-label precision,
recall and F1 and their macro averages over the labels of both models on the untouched test
split; the gate: ``macro_label_f1`` >= ``MIN_MACRO_F1`` and >= the baseline's +
``MIN_F1_IMPROVEMENT``; not macro recall, which a model predicting every label passes with 1.0)
-> Pusher.

There is no augmentation and no Transform: the tiles are stored as the model's 256 floats.

``create_pipeline`` builds the pipeline object, for LocalDagRunner (``run_local.py``) and for
Kubeflow (``run_kubeflow.py``).
"""

from __future__ import annotations

import os

from tfx import v1 as tfx

from pipelines.common.pipeline import Sample, train_gate_and_assemble, validated_splits
from tfx_balance import BalancedInputGen
from tfx_balance.metrics import CalibrationGate

PIPELINE_NAME = 'tfx-balance-multilabel'
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCHEMA_FILE = os.path.join(REPO, 'schemas', 'multilabel.pbtxt')
LABEL = 'labels'
LABELS = [str(digit) for digit in range(10)]  # multi-hot position k = digit k
SPLITS = {'train': 7, 'eval': 1, 'test': 2}
TRAIN_STEPS = 600
POLICY = 'floored_label_balanced'  # the multi-label default: every example read in 3 epochs
# The model gate (issue 41): macro F1 over the labels at threshold 0.5, not macro recall, which a
# model predicting every label on every example passes with 1.0 (its macro F1 on the seed-0
# tiles is 0.406: 2p / (1 + p) per label on a share p of the tiles). Whole-pipeline runs with
# seeds 0-4 (data and models, the default policy 'floored_label_balanced', issue 40's split plan)
# gave macro F1 0.754, 0.734, 0.707, 0.725, 0.728 for the balanced model and 0.679, 0.648, 0.677,
# 0.636, 0.677 for the baseline (gains +0.075, +0.086, +0.030, +0.088, +0.052; with
# 'label_balanced' they were 0.674-0.724, gains +0.017 to +0.044). So: at least 0.62 (0.087 below
# the worst balanced run, 0.21 above predicting every label) and at least 0.01 above the baseline
# (0.020 below the worst gain). Those runs were on the split before 0.3.0's rule; on 0.3.0's, seed
# 0 gave 0.733 vs 0.666 (+0.067).
# Both apply to 95% confidence bounds (docs/balanced_model_gate.md#intervals): the seed-0 run (20
# to 469 positives per label of 600 test tiles) gave macro F1 0.733 [0.705, 0.760] and the paired
# gain +0.067 [+0.034, +0.097], which clear 0.62 and +0.01. A gain of +0.03, as seed 2 gave
# before 0.3.0's split, is within the gain's +-0.03: the gate would say undecided.
MIN_MACRO_F1 = 0.62
MIN_F1_IMPROVEMENT = 0.01
CONFIDENCE = 0.95
# The calibration gate (issue 42): ECE of the served probabilities at most the baseline's + 0.01
# and log loss at most + 0.02, as in the single-label samples. After the per-label prior
# correction and Platt scaling on the eval split, the same seeds 0-4 gave log loss +0.004, +0.003,
# +0.005, -0.003, +0.005 and ECE -0.013, -0.014, -0.015, -0.010, -0.015 against the baseline's.
# (Under 'label_balanced', which never read 42% of some data, the log loss gap was +0.016 to
# +0.020 and this gate had to stay at +0.03.)
CALIBRATION = CalibrationGate(max_ece_increase=0.01, max_log_loss_increase=0.02)
SAMPLE = Sample(
    label=LABEL,
    splits=SPLITS,
    module_dir=HERE,
    augmenter={},  # no augmentation
    batch_size=50,  # 5 per label in a label-balanced batch
    classes=LABELS,
    min_macro_recall=None,  # recall alone blesses a model that predicts every label
    min_improvement=None,
    min_macro_f1=MIN_MACRO_F1,
    min_f1_improvement=MIN_F1_IMPROVEMENT,
    multi_label='multi_hot',
    calibration=CALIBRATION,
    confidence=CONFIDENCE,
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
    """Builds the multi-label pipeline.

    Args:
      root: pipeline root (local path, gs:// or s3://).
      data_root: folder with the tiles written by ``pipelines/multilabel/dataset.py`` (default
        ``<root>/data``).
      schema_file: curated TFDV schema of the raw data.
      train_steps: training steps of both models (same for balanced and baseline).
      seed: seed of every component that has one.
      beam_args: Beam pipeline args (default: in-process DirectRunner).
      metadata_path: SQLite MLMD file (LocalDagRunner); None for orchestrators that bring MLMD.
      serving_dir: Pusher destination (default ``<root>/serving``).
      pipeline_name: only ``[a-z0-9-]`` (Kubeflow).
    """
    example_gen = tfx.components.ImportExampleGen(
        input_base=data_root or os.path.join(root, 'data')
    )
    splitter, schema, statistics, example_validator, splits_check = validated_splits(
        example_gen, SAMPLE, schema_file, seed
    )
    balanced_input = BalancedInputGen(
        examples=splitter.outputs['examples'],
        label_feature=LABEL,
        splits=['train'],
        seed=seed,
        multi_label=SAMPLE.multi_label,
        policy=POLICY,
    )
    balanced_input.add_upstream_node(splits_check)  # train only on stratified splits
    return train_gate_and_assemble(
        SAMPLE,
        [
            example_gen,
            splitter,
            schema,
            statistics,
            example_validator,
            splits_check,
            balanced_input,
        ],
        balanced_examples=balanced_input.outputs['examples'],
        splitter=splitter,
        schema=schema,
        baseline_after=splits_check,  # the baseline too trains only on stratified splits
        pipeline_name=pipeline_name,
        root=root,
        train_steps=train_steps,
        seed=seed,
        beam_args=beam_args,
        metadata_path=metadata_path,
        serving_dir=serving_dir,
    )
