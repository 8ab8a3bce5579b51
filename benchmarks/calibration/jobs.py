"""Benchmark: calibration of the served ``probabilities`` (prior correction) vs the baseline model.

For each sample (taxi, digits, multilabel) it takes the artifacts of ONE pipeline run (the
splits, Transform graph, BalancedInputGen layout and schema) and retrains both models of the
sample's ``trainer.py`` (``run_fn``, the same call the Trainer makes) with training seeds 0, 1, 2
(default), at the sample's default steps. Each model serves raw tf.Examples; on the untouched
test split it records, per seed:

- log loss and ECE (top-label, 15 bins; multi-label: every (example, label) pair, binned by its
  score) of the balanced model's ``probabilities`` (prior-corrected), of its
  ``balanced_probabilities`` (uncorrected) and of the baseline's ``probabilities``;
- macro recall (single-label: over the classes with test examples, argmax; multi-label: over the
  labels with a positive example, score >= 0.5) of each output (``balanced_probabilities`` is the
  model's own output passed through ``tf.identity``: the decision the gate measures, unchanged);
- the time of one call of the served signature on the whole test split, of the correction op
  alone on the same scores (what the correction adds to serving), of reading the plan in
  ``run_fn`` (after training), and of each ``run_fn``.

Run: ``python -m benchmarks.calibration.jobs --runs taxi=/path/run digits=... multilabel=...``
(a run folder is what ``make demo-taxi`` etc. write: ``<root>/pipeline_root/...``).
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import tempfile
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

SEEDS = (0, 1, 2)
SAMPLES = ('taxi', 'digits', 'multilabel')


def _latest(pipeline_root: str, component: str, key: str) -> str | None:
    dirs = [
        d for d in glob.glob(os.path.join(pipeline_root, component, key, '*')) if d[-1].isdigit()
    ]
    return max(dirs, key=lambda d: int(os.path.basename(d))) if dirs else None


def _data_accessor(uri: str):
    from tfx.components.trainer import fn_args_utils
    from tfx.components.util import tfxio_utils
    from tfx.types import standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = uri
    artifact.split_names = '["train", "eval", "test"]'
    return fn_args_utils.DataAccessor(
        tf_dataset_factory=tfxio_utils.get_tf_dataset_factory_from_artifact([artifact], []),
        record_batch_factory=tfxio_utils.get_record_batch_factory_from_artifact([artifact], []),
        data_view_decode_fn=None,
    )


def retrain(sample: str, root: str, kind: str, seed: int, out_dir: str) -> float:
    """Runs the sample's ``run_fn`` (``kind`` 'balanced' or 'plain') on the run's artifacts into
    ``out_dir``; returns the seconds it took."""
    from tfx.components.trainer.fn_args_utils import FnArgs

    pipeline = importlib.import_module(f'pipelines.{sample}.pipeline')
    trainer = importlib.import_module(f'pipelines.{sample}.trainer')
    spec = pipeline.sample() if hasattr(pipeline, 'sample') else pipeline.SAMPLE
    pr = os.path.join(root, 'pipeline_root')
    examples = _latest(
        pr, 'BalancedInputGen' if kind == 'balanced' else 'StratifiedSplitter', 'examples'
    )
    transform = _latest(pr, 'Transform', 'transform_graph')
    schema_dir = _latest(pr, 'ImportSchemaGen', 'schema')
    fn_args = FnArgs(
        train_files=[os.path.join(examples, 'Split-train', '*')],
        eval_files=[os.path.join(examples, 'Split-eval', '*')],
        transform_output=transform,
        transform_graph_path=transform,
        schema_path=glob.glob(os.path.join(schema_dir, '*.pbtxt'))[0],
        serving_model_dir=out_dir,
        train_steps=pipeline.TRAIN_STEPS,
        eval_steps=0,
        custom_config={
            'input': kind,
            'seed': seed,
            'batch_size': spec.batch_size,
            'class_names': list(spec.classes),
        },
        data_accessor=_data_accessor(examples),
    )
    start = time.perf_counter()
    trainer.run_fn(fn_args)
    return time.perf_counter() - start


def read_test_split(sample: str, root: str):
    """``(serialized test examples, labels)``: int class ids, or an [n, L] multi-hot matrix."""
    import numpy as np
    import tensorflow as tf

    pipeline = importlib.import_module(f'pipelines.{sample}.pipeline')
    spec = pipeline.sample() if hasattr(pipeline, 'sample') else pipeline.SAMPLE
    split = _latest(os.path.join(root, 'pipeline_root'), 'StratifiedSplitter', 'examples')
    files = sorted(glob.glob(os.path.join(split, 'Split-test', '*')))
    records = [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type='GZIP')]
    labels = []
    for record in records:
        feature = tf.train.Example.FromString(record).features.feature[spec.label]
        values = list(feature.int64_list.value) or [v.decode() for v in feature.bytes_list.value]
        if spec.multi_label == 'multi_hot':
            labels.append(values)
        elif spec.multi_label:
            labels.append([int(str(v) in values or v in values) for v in spec.classes])
        else:
            labels.append(list(spec.classes).index(str(values[0])))
    return tf.constant(records), np.asarray(labels)


def macro_recall(scores, labels) -> float:
    import numpy as np

    if labels.ndim == 1:
        predicted = scores.argmax(axis=1)
        return float(np.mean([(predicted[labels == k] == k).mean() for k in np.unique(labels)]))
    hits = ((scores >= 0.5) & (labels == 1)).sum(axis=0)
    positives = (labels == 1).sum(axis=0)
    return float(np.mean(hits[positives > 0] / positives[positives > 0]))


def evaluate(model_dir: str, serialized, labels) -> dict:
    import tensorflow as tf

    from tfx_balance.core.calibration import log_loss_and_ece
    from tfx_balance.core.common import keys

    loaded = tf.saved_model.load(model_dir)
    serve = loaded.signatures['serving_default']
    serve(examples=serialized[:2])  # warm up
    start = time.perf_counter()
    out = {k: v.numpy() for k, v in serve(examples=serialized).items()}
    serve_seconds = time.perf_counter() - start
    row = {'serve_ms': 1000 * serve_seconds}
    for output in (keys.PROBABILITIES, keys.BALANCED_PROBABILITIES):
        loss, ece = log_loss_and_ece(out[output], labels)
        row[output] = {
            'log_loss': loss,
            'ece': ece,
            'macro_recall': macro_recall(out[output], labels),
        }
    return row, out


def run(runs: dict, seeds=SEEDS) -> dict:
    """``{sample: {'run': folder, 'seeds': {seed: {'balanced': row, 'baseline': row}}}}``."""
    import numpy as np

    from tfx_balance.core.balanced_input_gen.prior import prior_correction

    results = {}
    for sample, root in runs.items():
        serialized, labels = read_test_split(sample, root)
        per_seed = {}
        for seed in seeds:
            rows = {}
            for kind, name in (('balanced', 'balanced'), ('plain', 'baseline')):
                with tempfile.TemporaryDirectory() as out_dir:
                    seconds = retrain(sample, root, kind, seed, out_dir)
                    row, out = evaluate(out_dir, serialized, labels)
                    row['train_seconds'] = seconds
                    if kind == 'balanced':
                        pipeline = importlib.import_module(f'pipelines.{sample}.pipeline')
                        spec = pipeline.sample() if hasattr(pipeline, 'sample') else pipeline.SAMPLE
                        examples = _latest(
                            os.path.join(root, 'pipeline_root'), 'BalancedInputGen', 'examples'
                        )
                        start = time.perf_counter()
                        correction = prior_correction(
                            os.path.join(examples, 'Split-train', '*'),
                            class_names=list(spec.classes) if not spec.multi_label else None,
                        )
                        row['plan_read_ms'] = 1000 * (time.perf_counter() - start)
                        scores = out['balanced_probabilities']
                        correction.apply(scores)  # trace once
                        start = time.perf_counter()
                        correction.apply(scores).numpy()
                        row['correction_ms'] = 1000 * (time.perf_counter() - start)
                        same = np.allclose(
                            correction.apply_numpy(scores), out['probabilities'], atol=1e-5
                        )
                        row['served_equals_correction'] = bool(same)
                    rows[name] = row
            per_seed[str(seed)] = rows
            print(sample, seed, json.dumps(rows), flush=True)
        results[sample] = {'run': root, 'test_examples': int(len(labels)), 'seeds': per_seed}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True, help='sample=run folder')
    parser.add_argument('--seeds', type=int, nargs='+', default=list(SEEDS))
    parser.add_argument('--out', default=None, help='write the results JSON here')
    args = parser.parse_args()
    runs = dict(item.split('=', 1) for item in args.runs)
    results = run(runs, args.seeds)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
