"""The periodic sample pipeline (``make demo-periodic``): TFX's periodic training on the taxi trips,
one run per new span (``pipelines.periodic.spans``: half years, a trip's group its company).

Each run:

CsvExampleGen (the newest ``span-{SPAN}/``, as one split ``all``) -> StatisticsGen
-> ClassDistributionValidator ('DriftCheck': the span's class shares against the previous
span's, ``PreviousSpanStrategy``) and StratifiedSplitter (8:1:1, ``group_feature`` company, the
earlier spans' ``assignments`` from a Resolver: a company keeps its split in every span)
-> LeakageCheck over the last ``WINDOW`` spans (no company or trip in two splits: this span's
examples with the key indexes of the earlier runs' LeakageCheck, ``PreviousSpanStrategy``)
-> BalancedInputGen (this span's ``train`` split, raw: each span is laid out once, by its own
run) -> Transform (its analyzers over the ``train`` splits of the window's layouts, from the
'layout_window' Resolver; ``materialize=False``) and Trainer (``examples``: the same window of
layouts; ``balanced_dataset`` merges their plans when it reads them and applies the Transform
graph to the raw examples; warm-started from the latest blessed model) -> Evaluator (this
span's ``test`` split, against the latest blessed model) -> Pusher.

A run's cost does not grow with the window, except for Transform's analysis: BalancedInputGen
reads one span, the Trainer reads the window's layouts as they are, and Transform writes no
examples (its vocabularies and scales are of the window, as in TFX's periodic design).

BalancedInputGen, and so Transform and the Trainer, start only after the drift check and
LeakageCheck passed: a span whose class mix shifted stops its run before training and is never
laid out, so no later window analyzes or trains on it (the run script records the verdict and
goes on to the next span). The Trainer and Transform modules are the taxi sample's
(``pipelines/taxi``).

**The drift threshold, from the data.** The drift check reads the whole span (ExampleGen's one
split), not the splits: with whole companies pinned to a split, a small split's class mix follows
a few companies (eval's Credit Card share moved by 0.15 between two real spans), which says
nothing about the data. Between two consecutive real spans a class share moves by at most 0.052
(Credit Card, span 4 to 5); the shift made on purpose in span 7 moves it by 0.29.
``MAX_DRIFT_DISTANCE`` (0.1) stops the shift, not the trend: about twice the largest real move.

**On Vertex AI Pipelines** (``kubeflow_v2=True``, ``run_kubeflow.py``; open-source Kubeflow
Pipelines 2 runs neither Resolvers nor ExampleGen's span driver) TFX's V2 compiler compiles
only LatestArtifactStrategy (one artifact) and LatestBlessedModelStrategy: the earlier
assignments are the previous run's only (a company absent from that span may move), the drift
baseline is the newest statistics before this run's, and there is no window (LeakageCheck reads
this span, Transform and the Trainer this run's layout; it still goes on from the latest
blessed model). docs/continuous_training.md, "Kubeflow Pipelines", says why.
"""

from __future__ import annotations

import os

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
    PreviousSpanStrategy,
    SplitAssignments,
    StratifiedSplitter,
)
from tfx_balance.metrics import CalibrationGate

PIPELINE_NAME = 'tfx-balance-periodic'
DATA_ROOT = os.path.join(taxi.REPO, 'runs', 'periodic', 'data')
SPLITS = {'train': 8, 'eval': 1, 'test': 1}
WINDOW = 3  # spans Transform and the Trainer (their layouts) and LeakageCheck read
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


def last_spans(producer, num_spans: int, resolver_id: str):
    """A Resolver (id ``resolver_id``) of the newest ``examples`` of each of the last
    ``num_spans`` spans of ``producer`` (``PreviousSpanStrategy``, ``skip_newest=False``),
    resolved after ``producer`` ran in this run, so that the window ends with this run's span. A
    span laid out twice (a re-run) is in the window once, by its newest layout: TFX's
    SpanRangeStrategy would hand over both, and the Trainer would read the span twice."""
    window = tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        config={'num_spans': num_spans, 'skip_newest': False},
        examples=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.Examples,
            producer_component_id=producer.id,
            output_key='examples',
        ),
    ).with_id(resolver_id)
    window.add_upstream_node(producer)
    return window


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
    kubeflow_v2: bool = False,
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
      window: spans Transform and the Trainer (their layouts) and LeakageCheck read.
      kubeflow_v2: build for TFX's Kubeflow V2 compiler, which compiles only two Resolver
        strategies, LatestArtifactStrategy (one artifact) and LatestBlessedModelStrategy: the
        earlier assignments and the drift baseline are the latest artifacts, Transform and the
        Trainer read this run's layout (``window`` is ignored; see the module docstring).
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
    if kubeflow_v2:  # the newest statistics before this run's (after a stopped run: its span's)
        previous_span = tfx.dsl.Resolver(
            strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
            statistics=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ExampleStatistics),
        )
    else:
        previous_span = tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            statistics=tfx.dsl.Channel(
                type=tfx.types.standard_artifacts.ExampleStatistics,
                producer_component_id=statistics.id,
                output_key='statistics',
            ),
        )
        previous_span.add_upstream_node(statistics)  # this run's span is the newest: skipped
    previous_span = previous_span.with_id('previous_span_statistics')
    drift_check = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'],
        baseline_statistics=previous_span.outputs['statistics'],
        label_feature=LABEL,
        compare_splits=[],  # one split: the span
        max_drift_distance=MAX_DRIFT_DISTANCE,
    ).with_id('DriftCheck')
    # Earlier runs' assignments, resolved before the splitter runs (so every span found is an
    # earlier run's; a re-run of a span finds its own, which it must keep).
    assignments = tfx.dsl.Channel(
        type=SplitAssignments, producer_component_id='StratifiedSplitter', output_key='assignments'
    )
    if kubeflow_v2:
        earlier = tfx.dsl.Resolver(
            strategy_class=tfx.dsl.experimental.LatestArtifactStrategy, assignments=assignments
        )
    else:
        earlier = tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            config={'num_spans': ASSIGNMENT_SPANS, 'skip_newest': False},
            assignments=assignments,
        )
    earlier = earlier.with_id('previous_assignments')
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        previous_assignments=earlier.outputs['assignments'],
        label_feature=LABEL,
        splits=SPLITS,
        group_feature=GROUP,
        seed=seed,
    )
    if kubeflow_v2 or window == 1:
        earlier_checks, key_indexes = None, None
    else:  # the key indexes of the window's earlier spans, in their LeakageCheck anomalies
        earlier_checks = tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            config={'num_spans': window - 1, 'skip_newest': False},
            anomalies=tfx.dsl.Channel(
                type=tfx.types.standard_artifacts.ExampleAnomalies,
                producer_component_id='LeakageCheck',
                output_key='anomalies',
            ),
        ).with_id('previous_key_index')
        key_indexes = earlier_checks.outputs['anomalies']
    leakage = LeakageCheck(
        examples=splitter.outputs['examples'],  # this span, with the window's earlier key indexes
        group_feature=GROUP,
        previous_key_index=key_indexes,
    )
    # BalancedInputGen lays out this span only, after the checks: a span they stopped is never
    # laid out. Transform and the Trainer read the window of the layouts, so each span is laid
    # out once, by its own run, and no later window analyzes or trains on a stopped span.
    layout = BalancedInputGen(
        examples=splitter.outputs['examples'],
        label_feature=LABEL,
        splits=['train'],
        seed=seed,
    )
    layout.add_upstream_node(drift_check)
    layout.add_upstream_node(leakage)
    layout_window = None if kubeflow_v2 else last_spans(layout, window, 'layout_window')
    # Transform analyzes the window's train splits as laid out (the raw examples, grouped by
    # class), so its vocabularies and scales are the window's, and writes no examples: the
    # Trainer applies its graph to the raw layouts (balanced_dataset).
    transform = tfx.components.Transform(
        examples=(layout if kubeflow_v2 else layout_window).outputs['examples'],
        schema=schema.outputs['schema'],
        module_file=os.path.join(SAMPLE.module_dir, 'preprocessing.py'),
        materialize=False,
        # No TFDV statistics of the window before and after the transform: StatisticsGen has the
        # span's, and nothing here reads Transform's (they were a fifth of its CPU time).
        disable_statistics=True,
    )
    latest_blessed = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.Model, producer_component_id='Trainer'
        ),
        model_blessing=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ModelBlessing, producer_component_id='Evaluator'
        ),
    ).with_id('latest_blessed_model')
    trainer = sample_trainer(
        SAMPLE,
        'Trainer',
        (layout if kubeflow_v2 else layout_window).outputs['examples'],
        'balanced',
        schema=schema,
        train_steps=train_steps,
        seed=seed,
        transform=transform,
        base_model=latest_blessed.outputs['model'],
    )
    evaluator = tfx.components.Evaluator(
        examples=splitter.outputs['examples'],
        example_splits=['test'],
        model=trainer.outputs['model'],
        baseline_model=latest_blessed.outputs['model'],
        eval_config=eval_config(SAMPLE),
    )
    pusher = filesystem_pusher(
        trainer.outputs['model'], evaluator.outputs['blessing'], root, serving_dir
    )
    return assemble(
        pipeline_name,
        root,
        [
            example_gen,
            schema,
            statistics,
            previous_span,
            drift_check,
            earlier,
            splitter,
            *([earlier_checks] if earlier_checks else []),
            leakage,
            layout,
            *([layout_window] if layout_window else []),
            transform,
            latest_blessed,
            trainer,
            evaluator,
            pusher,
        ],
        metadata_path,
        beam_args,
    )
