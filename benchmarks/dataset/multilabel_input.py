"""Benchmark: multi-label balanced_dataset vs the best-tuned plain read, and ``model.fit`` with each.

The data: ``benchmarks.common.multilabel_data`` (``correlated`` label clusters, ``multi_hot``
encoding: 20 floats and a 100-label 0/1 vector with Zipf-like label frequencies from 58% down to
0.6%), laid out once by ``BalancedLayout`` (what ``BalancedInputGen(multi_label='multi_hot')``
writes) with each policy. Compared, as for single-label (``benchmarks.dataset.reads``
and ``benchmarks.dataset.training``), runs alternating between the methods in forward then
reverse order:

- read rate: the three ``PLAIN_READS`` recipes (unbalanced, the label parsed as ``[B, 100]``
  int64) and ``balanced_dataset`` with each policy (label: dense int64 multi-hot ``[B, 100]``),
  one pass of the data per run, consumed in graph mode; every stream's per-label frequency is
  compared with the plan's expected frequency (largest absolute difference reported);
- ``model.fit`` steps/s (one sigmoid layer over the 20 floats, binary cross-entropy) fed by the
  best plain read and by ``balanced_dataset`` (``POLICY``, the package's default policy), one
  pass per fit.

The goals (``benchmarks/dataset/report.py``) are judged on ``POLICY``; the other policies' read
rates are reported beside it.

Run: ``python -m benchmarks.dataset.multilabel_input [--smoke] [--n N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

from benchmarks import common  # noqa: E402
from benchmarks.common import multilabel_data  # noqa: E402
from benchmarks.dataset import (
    reads,  # noqa: E402
    training,  # noqa: E402
)

N = 100_000
SMOKE_N = 2_000
BATCH = 100
RUNS = 3
# the package's default multi-label policy (core/balanced_input_gen/policies.py DEFAULT_POLICY),
# what the goals are judged on; the others are measured beside it
POLICY = 'floored_label_balanced'
POLICIES = (POLICY, 'label_balanced', 'repeat_factor')


@dataclasses.dataclass(frozen=True)
class MultiLabelWorkload:
    """What the plain-read recipes need of a workload (batch, parse spec, label feature)."""

    total: int
    batch: int = BATCH
    name: str = 'multi-label'
    label_feature: str = multilabel_data.LABEL_FEATURE
    labels: int = multilabel_data.NUM_LABELS

    def feature_spec(self) -> dict:
        import tensorflow as tf

        spec = {n: tf.io.FixedLenFeature([1], tf.float32) for n in common.FLOAT_NAMES}
        spec[self.label_feature] = tf.io.FixedLenFeature([self.labels], tf.int64)
        return spec

    def schema(self):
        from tensorflow_transform.tf_metadata import schema_utils

        return schema_utils.schema_from_feature_spec(self.feature_spec())


def prepare(n: int, policy: str, work_dir: str = common.WORK_DIR) -> tuple:
    """(raw files, laid-out pattern): the workload, laid out once per policy."""
    import glob

    import apache_beam as beam

    from tfx_balance.core.balanced_input_gen import (
        PLAN_FILE,
        BalancedLayout,
        LayoutConfig,
        plans_to_json,
    )
    from tfx_balance.core.common.records import ReadRecordBatches, unbatch

    data = multilabel_data.workload('correlated', 'multi_hot', n, work_dir=work_dir)
    raw = sorted(glob.glob(os.path.join(data, f'Split-{common.SPLIT}', '*.gz')))
    root = os.path.join(work_dir, 'data', f'{os.path.basename(data)}-input-{policy}')
    done = os.path.join(root, 'DONE')
    if not os.path.exists(done):
        config = LayoutConfig(
            multilabel_data.LABEL_FEATURE, multi_label='multi_hot', policy=policy
        ).validate()

        def write_plan(plans):
            with open(os.path.join(root, PLAN_FILE), 'w') as f:
                json.dump(plans_to_json(plans), f)

        started = time.time()
        with beam.Pipeline(argv=['--direct_num_workers=1']) as p:
            _ = (
                p
                | ReadRecordBatches(raw)
                | beam.FlatMap(unbatch)
                | BalancedLayout(os.path.join(root, 'Split-train'), 'train', config=config)
                | beam.combiners.ToList()
                | beam.Map(write_plan)
            )
        open(done, 'w').close()
        common.log(
            f'  laid out {n:,} multi-label examples ({policy}) in {time.time() - started:.1f} s'
        )
    return raw, os.path.join(root, 'Split-train', '*')


def balanced(pattern: str, workload: MultiLabelWorkload):
    from tfx_balance.core.balanced_input_gen import balanced_dataset

    return balanced_dataset(
        pattern, workload.label_feature, workload.batch, schema=workload.schema(), seed=0
    )


def _consumer():
    """A ``tf.function`` pulling ``n`` batches in graph mode; returns the label sums ``[L]``."""
    import tensorflow as tf

    @tf.function
    def take(iterator, n):
        total = tf.zeros([multilabel_data.NUM_LABELS], tf.int64)
        for _ in tf.range(n):
            _, labels = iterator.get_next()
            total += tf.reduce_sum(tf.cast(labels, tf.int64), axis=0)
        return total

    return take


def measure(make, batches: int, seconds: float) -> tuple:
    """(examples/s, examples per CPU-second, label sums) over ``batches`` batches (or
    ``seconds``), after a warm-up chunk, ``reads.CHUNK`` batches per graph-mode call."""
    import numpy as np

    take = _consumer()
    chunk = min(reads.CHUNK, batches) if seconds > 1e6 else 5
    iterator = iter(make())
    take(iterator, chunk)
    sums, n = np.zeros(multilabel_data.NUM_LABELS, dtype=np.int64), 0
    start, cpu = time.perf_counter(), time.process_time()
    while n < batches and time.perf_counter() - start < seconds:
        step = min(chunk, batches - n)
        sums += take(iterator, step).numpy()
        n += step
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n * BATCH / wall, n * BATCH / max(cpu, 1e-9), sums / (n * BATCH)


def _plan_frequencies(pattern: str):
    from tfx_balance.core.balanced_input_gen import load_plans

    ((_, plan),) = load_plans(pattern)
    return plan.expected_frequencies()


def measure_reads(n: int, runs: int, work_dir: str, policies=POLICIES) -> dict:
    import numpy as np

    workload = MultiLabelWorkload(n)
    batches = n // BATCH
    raw = None
    cases, expected = {}, {}
    for policy in policies:
        raw, pattern = prepare(n, policy, work_dir)
        cases[f'balanced_dataset ({policy})'] = lambda p=pattern: balanced(p, workload)
        expected[f'balanced_dataset ({policy})'] = _plan_frequencies(pattern)
    plain = {name: (lambda f=f: f(raw, workload)) for name, f in reads.PLAIN_READS.items()}
    cases = {**plain, **cases}
    rates = {name: [] for name in cases}
    deviation = {}
    for run in range(runs):
        for name in reads.alternate(list(cases), run):
            bound = reads.PARALLEL_READS_SECONDS if name == reads.PARALLEL_READS else 1e9
            rate, cpu_rate, freq = measure(cases[name], batches, bound)
            rates[name].append((rate, cpu_rate))
            if name in expected:
                deviation[name] = float(np.abs(freq - np.asarray(expected[name])).max())
            print(f'multi-label {name}: {rate:,.0f} examples/s', flush=True)
    rows = [reads.result_row(name, rates[name]) for name in cases]
    best = max(rows[: len(plain)], key=lambda r: r['examples_per_s'])
    for row in rows:
        row['ratio_vs_best_plain'] = row['examples_per_s'] / best['examples_per_s']
        row['cpu_ratio_vs_best_plain'] = row['examples_per_cpu_s'] / best['examples_per_cpu_s']
        row['max_frequency_deviation'] = deviation.get(row['method'])
    return {'best_plain': best['method'], 'rows': rows, 'examples': n, 'runs': runs}


def _sigmoid_model():
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    inputs = {name: keras.layers.Input(shape=(1,), name=name) for name in common.FLOAT_NAMES}
    outputs = keras.layers.Dense(multilabel_data.NUM_LABELS, activation='sigmoid')(
        keras.layers.Concatenate()(list(inputs.values()))
    )
    model = keras.Model(inputs, outputs)
    model.compile(optimizer='adam', loss='binary_crossentropy')
    return model


def measure_training(
    n: int, plain_name: str, runs: int, work_dir: str, steps=None, policy=POLICY, warm_up=True
) -> dict:
    workload = MultiLabelWorkload(n)
    raw, pattern = prepare(n, policy, work_dir)
    steps = steps or n // BATCH
    inputs = {
        'plain read': lambda: reads.PLAIN_READS[plain_name](raw, workload),
        'balanced_dataset': lambda: balanced(pattern, workload),
    }
    rows = training.timed_fits(
        inputs, lambda make: (_sigmoid_model(), make()), steps, runs, 'multi-label', warm_up
    )
    return {
        'workload': 'multi-label',
        'model': 'one sigmoid layer',
        'plain_read': plain_name,
        'policy': policy,
        'steps': steps,
        'batch_size': BATCH,
        'rows': rows,
        'ratio': rows['balanced_dataset']['steps_per_s'] / rows['plain read']['steps_per_s'],
        'runs': runs,
    }


def _markdown(result: dict) -> str:
    reads_, fit = result['reads'], result['training']
    lines = [
        f'{reads_["examples"]:,} examples of the correlated multi-label workload (20 floats, '
        f'{multilabel_data.NUM_LABELS}-label multi-hot vector, label frequencies 58% down to '
        f'0.6%), batch {BATCH}, laid out per group (rarest label) with each policy. Plain reads '
        'as in the single-label table (unbalanced, label parsed as `[B, 100]`); one pass per '
        f'run, median of {reads_["runs"]} runs alternating between the methods. "max |freq - '
        'plan|": the largest difference between a label\'s frequency in the timed stream and '
        "the plan's expected frequency.",
        '',
        '| method | examples/s | vs best plain read | examples/CPU-s | vs best plain (CPU) '
        '| max \\|freq - plan\\| |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    for row in reads_['rows']:
        label = row['method'] + (' (best plain)' if row['method'] == reads_['best_plain'] else '')
        dev = row['max_frequency_deviation']
        lines.append(
            f'| {label} | {row["examples_per_s"]:,.0f} | {row["ratio_vs_best_plain"]:.2f}x '
            f'| {row["examples_per_cpu_s"]:,.0f} | {row["cpu_ratio_vs_best_plain"]:.2f}x '
            f'| {"" if dev is None else f"{dev:.4f}"} |'
        )
    plain, ours = fit['rows']['plain read'], fit['rows']['balanced_dataset']
    lines += [
        '',
        f'`model.fit` ({fit["model"]}, binary cross-entropy), {fit["steps"]:,} steps per fit '
        f'timed from step {training.WARM_STEPS}, median of {fit["runs"]} fits per input; the '
        f'plain input is the best plain read above ({fit["plain_read"]}).',
        '',
        '| input | steps/s | vs plain |',
        '|---|---:|---:|',
        f'| plain read | {plain["steps_per_s"]:,.0f} | 1.00x |',
        f'| balanced_dataset ({fit["policy"]}) | {ours["steps_per_s"]:,.0f} '
        f'| {fit["ratio"]:.2f}x |',
    ]
    return '\n'.join(lines)


def run(
    smoke: bool = False,
    runs: int = RUNS,
    training_runs: int = RUNS,
    n: int | None = None,
    work_dir: str = common.WORK_DIR,
) -> dict:
    """Both measurements; returns ``{'reads': ..., 'training': ..., 'ratio', 'training_ratio',
    'markdown'}``."""
    import tensorflow as tf

    tf.get_logger().setLevel('ERROR')
    n = n or (SMOKE_N if smoke else N)
    runs, training_runs = (1, 1) if smoke else (runs, training_runs)
    result = {'name': 'multilabel_input', 'smoke': smoke}
    result['reads'] = measure_reads(n, runs, work_dir)
    best = result['reads']['best_plain']
    steps = 30 if smoke else None
    result['training'] = measure_training(
        n, best, training_runs, work_dir, steps, warm_up=not smoke
    )
    ratios = {
        policy: next(
            r['ratio_vs_best_plain']
            for r in result['reads']['rows']
            if r['method'] == f'balanced_dataset ({policy})'
        )
        for policy in POLICIES
    }
    result['policy'] = POLICY
    result['ratio'] = ratios[POLICY]
    result['policy_ratios'] = ratios
    result['training_ratio'] = result['training']['ratio']
    result['markdown'] = _markdown(result)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, finishes in seconds')
    parser.add_argument('--n', type=int, default=None, help=f'examples (default {N:,})')
    parser.add_argument('--runs', type=int, default=RUNS, help='runs per method and input')
    args = parser.parse_args()
    print(run(args.smoke, args.runs, args.runs, args.n)['markdown'])


if __name__ == '__main__':
    main()
