"""Benchmark: ``model.fit`` steps per second fed by balanced_dataset vs by the best plain read.

What users feel is training speed. For each workload of ``benchmarks.dataset.workloads``, one model is
fitted twice per run, once per input, alternating run by run: the plain read (unbalanced; the
recipe that read fastest for that workload in the balanced_dataset benchmark) and
balanced_dataset (uniform, exact batches). Each fit is one pass of the data (``total / batch``
steps, one epoch, timed from step ``WARM_STEPS``) after a warm-up fit of a quarter pass that
traces the model and the input; runs alternate in forward then reverse order. Models:

- ``tabular``: one softmax layer over the 20 features (so small that the input dominates);
- ``digits``: ``pipelines/digits/trainer.build_model`` (Dense 32 relu, Dense 10 softmax on the
  64 pixels);
- ``taxi``: ``pipelines/taxi/trainer.build_model`` (one-hot categoricals, Dense 32, Dense 7).

Both inputs go through the same feature mapping before the model (scalars squeezed where the
model takes shape ``()``), so the comparison is of the inputs alone.

Run: ``python -m benchmarks.dataset.training [--smoke] [--runs N]``; ``run(...)`` returns a dict.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

from benchmarks.common import WORK_DIR  # noqa: E402
from benchmarks.dataset import reads  # noqa: E402
from benchmarks.dataset.workloads import DIGITS, TAXI, WORKLOADS, Workload, prepare  # noqa: E402
from benchmarks.dataset.workloads import smoke as smoke_of  # noqa: E402

RUNS = 5
MODELS = {'tabular': 'one softmax layer', 'digits': 'digits trainer', 'taxi': 'taxi trainer'}


def one_softmax_layer(workload: Workload):
    """The tabular model: one softmax layer over the workload's float features."""
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    inputs = {name: keras.layers.Input(shape=(1,), name=name) for name, _ in workload.floats}
    outputs = keras.layers.Dense(workload.classes, activation='softmax')(
        keras.layers.Concatenate()(list(inputs.values()))
    )
    model = keras.Model(inputs, outputs)
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')
    return model


def _model_and_features(workload: Workload):
    """``(model, features_fn)``: the workload's model and the map from parsed features to its
    inputs (the same for both inputs)."""
    import tensorflow as tf

    if workload.name == DIGITS.name:
        from pipelines.digits import trainer

        return trainer.build_model(0), lambda f, y: ({'pixels': f['pixels']}, y)
    if workload.name == TAXI.name:
        from pipelines.taxi import trainer

        def squeeze(features, label):
            return {k: tf.squeeze(features[k], -1) for k in trainer.FEATURE_KEYS}, label

        return trainer.build_model(0), squeeze
    return one_softmax_layer(workload), lambda f, y: (f, y)


WARM_STEPS = 20  # steps of each fit before the clock starts (the input's first windows)


def _fit_seconds(model, dataset, steps: int) -> float:
    """Seconds of steps ``WARM_STEPS`` ... ``steps`` of one ``model.fit`` epoch: the steady rate
    of training, without the input's start-up (both inputs open their files and fill their first
    buffers then; balanced_dataset reads a window of each class)."""
    import tf_keras as keras

    marks = {}

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 in (WARM_STEPS, steps):
                marks[batch + 1] = time.perf_counter()

    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[Clock()])
    return marks[steps] - marks[WARM_STEPS]


def timed_fits(
    inputs: dict, model_and_dataset, steps: int, runs: int, what: str, warm_up: bool = True
) -> dict:
    """``{input name: {'steps_per_s': median, 'runs_steps_per_s': [...]}}``: per input (name ->
    dataset maker), ``model_and_dataset(maker)`` gives a model and its dataset, warmed up with
    one fit; then ``runs`` rounds of one timed fit of ``steps`` each, in alternating order.
    Smoke runs pass ``warm_up=False``: each model's one fit then also traces it (before its
    clock starts at step ``WARM_STEPS``).

    Example::

        rows = timed_fits({'plain read': make_plain}, lambda make: (model(), make()), 200, 3, 'x')
    """
    timed = steps - WARM_STEPS
    models, datasets, seconds = {}, {}, {name: [] for name in inputs}
    for name, make in inputs.items():
        models[name], datasets[name] = model_and_dataset(make)
        if warm_up:  # tracing, and the first fit's slower steps (the first timed fit of a model
            # ran up to 30% slower after a 40-step warm-up)
            _fit_seconds(models[name], datasets[name], max(2 * WARM_STEPS, steps // 4))
    for run in range(runs):
        for name in reads.alternate(list(inputs), run):
            seconds[name].append(_fit_seconds(models[name], datasets[name], steps))
            print(f'{what} fit on {name}: {timed / seconds[name][-1]:.0f} steps/s')
    return {
        name: {
            'steps_per_s': timed / statistics.median(s),
            'runs_steps_per_s': [timed / x for x in s],
        }
        for name, s in seconds.items()
    }


def measure_workload(
    workload: Workload,
    plain_name: str,
    runs: int,
    steps: int | None = None,
    work_dir: str = WORK_DIR,
    warm_up: bool = True,
):
    raw_files, pattern = prepare(workload, work_dir)
    steps = steps or workload.total // workload.batch
    plain_read = reads.PLAIN_READS[plain_name]
    inputs = {
        'plain read': lambda: plain_read(raw_files, workload),
        'balanced_dataset': lambda: reads.balanced(pattern, workload),
    }

    def model_and_dataset(make):
        model, features = _model_and_features(workload)
        return model, make().map(features)

    rows = timed_fits(inputs, model_and_dataset, steps, runs, workload.name, warm_up)
    return {
        'workload': workload.name,
        'model': MODELS[workload.name],
        'plain_read': plain_name,
        'steps': steps,
        'batch_size': workload.batch,
        'rows': rows,
        'ratio': rows['balanced_dataset']['steps_per_s'] / rows['plain read']['steps_per_s'],
        'runs': runs,
    }


def run(
    smoke: bool = False,
    runs: int = RUNS,
    best_plain: dict | None = None,
    work_dir: str = WORK_DIR,
) -> dict:
    """``best_plain``: ``{workload name: plain read name}`` from the balanced_dataset benchmark
    (default: the one-reader, 10-batch parse); the workloads are under ``work_dir``."""
    workloads = [smoke_of(w) for w in WORKLOADS] if smoke else list(WORKLOADS)
    default = 'plain read: one reader, parse 10 batches at once'
    results = [
        measure_workload(
            w,
            (best_plain or {}).get(w.name, default),
            1 if smoke else runs,
            30 if smoke else None,
            work_dir,
            warm_up=not smoke,
        )
        for w in workloads
    ]
    lines = [
        f'`model.fit` steps per second, one epoch of one pass of the data per run, timed from '
        f"step {WARM_STEPS} to the end (the steady rate, without the input's start-up); median "
        f'of {results[0]["runs"]} runs alternating between the inputs (forward then reverse '
        'order), after a warm-up fit of a quarter pass of each. The plain input is the '
        "workload's fastest plain read in the table above.",
        '',
        '| workload | model | batch | steps | plain read steps/s | balanced_dataset steps/s '
        '| balanced vs plain |',
        '|---|---|---:|---:|---:|---:|---:|',
    ]
    for r in results:
        plain, ours = r['rows']['plain read'], r['rows']['balanced_dataset']
        lines.append(
            f'| {r["workload"]} | {r["model"]} | {r["batch_size"]} | {r["steps"]:,} '
            f'| {plain["steps_per_s"]:,.0f} | {ours["steps_per_s"]:,.0f} | {r["ratio"]:.2f}x |'
        )
    return {'name': 'training', 'workloads': results, 'markdown': '\n'.join(lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, finishes in seconds')
    parser.add_argument('--runs', type=int, default=RUNS, help='fits per input')
    args = parser.parse_args()
    print(run(args.smoke, args.runs)['markdown'])


if __name__ == '__main__':
    main()
