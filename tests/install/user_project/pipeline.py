"""A user's own TFX project using an installed tfx-balance (run by tests/install/test_wheel.py).

Run as ``python pipeline.py <work_dir>`` in a venv where the tfx-balance wheel is installed, from a
folder outside the tfx-balance repository. It writes a CSV of its own (2,000 rows, 4 imbalanced
int classes, numeric features), runs

  CsvExampleGen -> StratifiedSplitter -> BalancedAugmenter -> StatisticsGen -> SchemaGen
  -> ClassDistributionValidator -> BalancedInputGen

under LocalDagRunner, reads the balanced train split with ``balanced_dataset``, compiles the
pipeline for Kubeflow with ``tfx_balance.orchestration.kubeflow.compile_pipeline`` and prints what it found as
one JSON line starting with ``RESULT ``.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import sys

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')  # TFX 1.16 needs Keras 2, before TF loads

from tfx_balance.orchestration import logs  # noqa: E402 (imports no TensorFlow)

logs.quiet()  # tfx-balance's own summaries; no TF/TFX/Beam noise; before TF is imported

# At module level, not inside functions: some libraries keep the frames of their first import.
import tensorflow as tf  # noqa: E402
import tensorflow_data_validation as tfdv  # noqa: E402
from tfx import v1 as tfx  # noqa: E402

import tfx_balance  # noqa: E402
from tfx_balance import (  # noqa: E402
    BalancedAugmenter,
    BalancedInputGen,
    ClassDistributionValidator,
    StratifiedSplitter,
    balanced_dataset,
    label_stats_options,
)
from tfx_balance.orchestration.kubeflow import compile_pipeline  # noqa: E402

CLASS_COUNTS = {0: 1000, 1: 600, 2: 300, 3: 100}
LABEL = 'label'
BATCH_SIZE = 8
IMAGE = 'registry.example.com/my-project/pipeline:1.0'


def write_csv(data_dir: str) -> None:
    """Deterministic rows: class ``c`` row ``i`` has features near ``c``."""
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, 'data.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['x0', 'x1', 'x2', LABEL])
        for c, n in CLASS_COUNTS.items():
            for i in range(n):
                writer.writerow([f'{c + (i % 97) / 100:.2f}', f'{(i * 7 % 13) / 10:.1f}', i, c])


def create_pipeline(root: str, data_dir: str):
    example_gen = tfx.components.CsvExampleGen(input_base=data_dir)
    split = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature=LABEL,
        splits={'train': 8, 'eval': 1, 'test': 1},
        seed=0,
    )
    augmented = BalancedAugmenter(
        examples=split.outputs['examples'],
        label_feature=LABEL,
        target='max',
        augmentation='numeric',
        splits=['train'],
        seed=0,
    )
    statistics = tfx.components.StatisticsGen(
        examples=augmented.outputs['examples'], stats_options=label_stats_options(LABEL)
    )
    schema = tfx.components.SchemaGen(statistics=statistics.outputs['statistics'])
    validator = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'],
        label_feature=LABEL,
        compare_splits=['eval', 'test'],
        targets={'train': 'uniform'},
    )
    balanced = BalancedInputGen(
        examples=augmented.outputs['examples'], label_feature=LABEL, splits=['train'], seed=0
    )
    balanced.add_upstream_node(validator)  # lay out only data that passed the check
    return tfx.dsl.Pipeline(
        pipeline_name='my-balanced-project',
        pipeline_root=os.path.join(root, 'pipeline_root'),
        components=[example_gen, split, augmented, statistics, schema, validator, balanced],
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, 'metadata.db')
        ),
        beam_pipeline_args=['--direct_num_workers=1'],
    )


def output_dir(root: str, component: str, output: str) -> str:
    (path,) = glob.glob(os.path.join(root, 'pipeline_root', component, output, '*'))
    return path


def label_counts(files, label: str = LABEL) -> dict:
    counts = {}
    for record in tf.data.TFRecordDataset(files, compression_type='GZIP'):
        example = tf.train.Example.FromString(record.numpy())
        value = example.features.feature[label].int64_list.value[0]
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def main(work_dir: str) -> None:
    data_dir = os.path.join(work_dir, 'data')
    write_csv(data_dir)
    tfx.orchestration.LocalDagRunner().run(create_pipeline(work_dir, data_dir))

    split_dir = output_dir(work_dir, 'StratifiedSplitter', 'examples')
    augmented_dir = output_dir(work_dir, 'BalancedAugmenter', 'examples')
    balanced_dir = output_dir(work_dir, 'BalancedInputGen', 'examples')
    schema_dir = output_dir(work_dir, 'SchemaGen', 'schema')
    validator_dir = output_dir(work_dir, 'ClassDistributionValidator', 'anomalies')

    schema = tfdv.load_schema_text(os.path.join(schema_dir, 'schema.pbtxt'))
    dataset = balanced_dataset(
        [os.path.join(balanced_dir, 'Split-train', '*')],
        label_feature=LABEL,
        batch_size=BATCH_SIZE,
        schema=schema,
        seed=0,
    )
    batches = []
    synthetic = 0
    feature_names = []
    for features, labels in dataset.take(50):
        feature_names = sorted(features)
        batches.append(sorted(int(v) for v in labels.numpy().reshape(-1)))
        synthetic += int(features['is_synthetic'].numpy().sum())

    compiled_dir = os.path.join(work_dir, 'kubeflow')
    compile_pipeline(
        create_pipeline(os.path.join(work_dir, 'kubeflow_root'), data_dir),
        compiled_dir,
        image=IMAGE,
    )

    with open(os.path.join(validator_dir, 'class_distribution.json')) as f:
        validation = json.load(f)
    result = {
        'package_file': tfx_balance.__file__,
        'sys_path': sys.path,
        'split_counts': {
            s: label_counts(glob.glob(os.path.join(split_dir, f'Split-{s}', '*')))
            for s in ('train', 'eval', 'test')
        },
        'augmented_train_counts': label_counts(
            glob.glob(os.path.join(augmented_dir, 'Split-train', '*'))
        ),
        'validation': validation,
        'feature_names': feature_names,
        'batches': batches,
        'synthetic_in_batches': synthetic,
        'compiled_files': sorted(os.listdir(compiled_dir)),
    }
    print('RESULT ' + json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    try:
        main(sys.argv[1])
    except Exception as error:
        raise SystemExit(logs.error_message(error)) from None
