"""The periodic sample pipeline (``make demo-periodic``): TFX's periodic training on the taxi trips,
one run per new span (``pipelines.periodic.spans``: half years, a trip's group its company), the
same definition on LocalDagRunner, Kubeflow Pipelines 2 and Vertex AI.

It is the one-shot pipeline made periodic by ``tfx_balance.periodic`` (no Resolver):

LookBack (pins the history under ``history_root``, copies the latest blessed model)
-> CsvExampleGen (the newest ``span-{SPAN}/``, one split ``all``) -> StatisticsGen
-> ClassDistributionValidator ('DriftCheck': the span's class shares against the last accepted
span's) and StratifiedSplitter (8:1:1, ``group_feature`` company; a company keeps its split over
the last ``ASSIGNMENT_SPANS`` spans) -> LeakageCheck (this span with the window's earlier key
indexes) -> BalancedInputGen (this span's ``train`` split; its plan names the window's earlier
layouts) -> Transform (``materialize=False``: it analyzes the window's layouts) and Trainer (the
window, through ``balanced_dataset``; warm-started from the latest blessed model) -> Evaluator
(this span's ``test`` split, against the latest blessed model) -> Pusher -> CommitSpan.

BalancedInputGen starts only after the drift check and LeakageCheck passed, and CommitSpan after
every task: a span whose class mix shifted stops its run, is never laid out and never enters the
history, so no later run compares with it or trains on it.

**The drift threshold, from the data.** The drift check reads the whole span (ExampleGen's one
split), not the splits: with whole companies pinned to a split, a small split's class mix follows
a few companies, which says nothing about the data. Between two consecutive real spans a class
share moves by at most 0.052 (Credit Card, span 4 to 5); the shift made on purpose in span 7
moves it by 0.29. ``MAX_DRIFT_DISTANCE`` (0.1) stops the shift, not the trend.
"""

from __future__ import annotations

import os
import posixpath

from tfx import v1 as tfx

from pipelines.common.pipeline import (
    Sample,
    assemble,
    eval_config,
    filesystem_pusher,
    sample_trainer,
)
from pipelines.periodic.spans import GROUP, LABEL
from pipelines.taxi import pipeline as taxi
from tfx_balance import (
    BalancedInputGen,
    ClassDistributionValidator,
    LeakageCheck,
    StratifiedSplitter,
    periodic,
)
from tfx_balance.metrics import CalibrationGate

PIPELINE_NAME = 'tfx-balance-periodic'
DATA_ROOT = os.path.join(taxi.REPO, 'runs', 'periodic', 'data')
SPLITS = {'train': 8, 'eval': 1, 'test': 1}
WINDOW = 3  # spans the Trainer (their layouts) and LeakageCheck read
ASSIGNMENT_SPANS = 7  # earlier spans whose assignments the splitter keeps (the whole demo)
TRAIN_STEPS = 300  # per run: the model goes on from the latest one
MAX_DRIFT_DISTANCE = 0.1  # module docstring: twice the largest real move, a third of the shift
# The gate against the model serving now: macro recall no more than 0.05 below it (the test
# split of one span has about 240 trips, its rare classes one or two), and at least MIN_MACRO_RECALL.
MIN_MACRO_RECALL = 0.3
MIN_IMPROVEMENT = -0.05
SAMPLE = Sample(
    label=LABEL,
    splits=SPLITS,
    module_dir=taxi.HERE,
    augmenter={},
    batch_size=taxi.BATCH_SIZE,
    preprocessing_function_names=('transform_features',),
    classes=taxi.CLASSES,
    min_macro_recall=MIN_MACRO_RECALL,
    min_improvement=MIN_IMPROVEMENT,
    calibration=CalibrationGate(max_ece_increase=0.05, max_log_loss_increase=0.1),
)


def create_pipeline(
    root: str,
    data_root: str | None = None,
    schema_file: str = taxi.SCHEMA_FILE,
    train_steps: int = TRAIN_STEPS,
    seed: int = 0,
    beam_args: list | None = None,
    metadata_path: str | None = None,
    serving_dir: str | None = None,
    pipeline_name: str = PIPELINE_NAME,
    window: int = WINDOW,
    history_root: str | None = None,
    training: bool = True,
) -> tfx.dsl.Pipeline:
    """Builds one run of the periodic pipeline (the same object every run: ExampleGen ingests the
    newest span under ``data_root``).

    Args:
      root: pipeline root (local path, gs:// or s3://).
      data_root: folder of ``span-<n>/`` folders (``pipelines.periodic.spans.write_span``;
        default ``DATA_ROOT``, where ``make demo-periodic`` writes them).
      schema_file: curated TFDV schema of the raw taxi data.
      train_steps: training steps per run.
      seed: seed of every component that has one.
      beam_args: Beam pipeline args (default: in-process DirectRunner).
      metadata_path: SQLite MLMD file (LocalDagRunner); None for orchestrators that bring MLMD.
      serving_dir: Pusher destination (default ``<root>/serving``).
      pipeline_name: only ``[a-z0-9-]`` (Kubeflow).
      window: spans LeakageCheck and the Trainer read, this run's included.
      history_root: the history's folder (default ``<root>/history``); never delete under it.
      training: False leaves out Transform, the Trainer, the Evaluator and the Pusher (the
        checks, the split and the layouts only: tests/orchestration/kubeflow/test_kfp_local.py).
    """
    example_gen = tfx.components.CsvExampleGen(
        input_base=data_root or DATA_ROOT,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
        output_config=tfx.proto.Output(  # one split, the span: the splitter splits it
            split_config=tfx.proto.SplitConfig(
                splits=[tfx.proto.SplitConfig.Split(name='all', hash_buckets=1)]
            )
        ),
    )
    schema = tfx.components.ImportSchemaGen(schema_file=schema_file)
    statistics = tfx.components.StatisticsGen(
        examples=example_gen.outputs['examples'], schema=schema.outputs['schema']
    )
    drift_check = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'],
        label_feature=LABEL,
        compare_splits=[],  # one split: the span
        max_drift_distance=MAX_DRIFT_DISTANCE,
    ).with_id('DriftCheck')
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature=LABEL,
        splits=SPLITS,
        group_feature=GROUP,
        seed=seed,
    )
    leakage = LeakageCheck(examples=splitter.outputs['examples'], group_feature=GROUP)
    # BalancedInputGen lays out this span only, after the checks: a span they stopped is never
    # laid out, and never in a later run's window.
    layout = BalancedInputGen(
        examples=splitter.outputs['examples'],
        label_feature=LABEL,
        splits=['train'],
        seed=seed,
    )
    layout.add_upstream_node(drift_check)
    layout.add_upstream_node(leakage)
    # Transform writes no examples: the Trainer applies its graph to the raw layouts.
    transform = tfx.components.Transform(
        examples=layout.outputs['examples'],
        schema=schema.outputs['schema'],
        module_file=os.path.join(SAMPLE.module_dir, 'preprocessing.py'),
        materialize=False,
        disable_statistics=True,  # nothing reads them (a fifth of its CPU time)
    )
    trainer = sample_trainer(
        SAMPLE,
        'Trainer',
        layout.outputs['examples'],
        'balanced',
        schema=schema,
        train_steps=train_steps,
        seed=seed,
        transform=transform,
    )
    evaluator = tfx.components.Evaluator(
        examples=splitter.outputs['examples'],
        example_splits=['test'],
        model=trainer.outputs['model'],
        eval_config=eval_config(SAMPLE),
    )
    pusher = filesystem_pusher(
        trainer.outputs['model'], evaluator.outputs['blessing'], root, serving_dir
    )
    components = [example_gen, schema, statistics, drift_check, splitter, leakage, layout]
    if training:
        components += [transform, trainer, evaluator, pusher]
    return assemble(
        pipeline_name,
        root,
        periodic(
            components,
            history_root=history_root or posixpath.join(root, 'history'),
            pipeline_name=pipeline_name,
            horizon=ASSIGNMENT_SPANS,
            window=window,
        ),
        metadata_path,
        beam_args,
    )
