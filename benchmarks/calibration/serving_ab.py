"""Benchmark: what the prior correction adds to serving latency and to ``run_fn`` (issue 42 goal).

For each sample (taxi, digits, multilabel) it retrains the balanced model of the sample's
``trainer.py`` with ``run_fn`` on the artifacts of one pipeline run (as ``jobs.py``),
twice per seed, interleaved:

- **with** the correction: ``run_fn`` as shipped; its ``with_prior_correction`` call is wrapped so
  that the SavedModel ALSO carries a second signature, ``serving_uncorrected``, built from the
  same serving function by ``with_probabilities(signatures, None)``: the same parse, Transform,
  model and outputs, with ``tf.identity`` where the served signature applies the correction.
  It also carries ``serving_one_op``: the same again with one elementwise multiply of the scores
  by a constant vector where the correction was (the issue's budget, "one elementwise op", as a
  yardstick). All three live in the one SavedModel of one trained model, so they differ by the
  correction ops alone.
- **without** it: the same ``run_fn`` with ``with_prior_correction`` replaced by
  ``with_probabilities(signatures, None)`` (no plan read, no refit).

One untimed ``run_fn`` per sample first (the first of a process pays TF's one-time set-up: 13 s
of a 15 s multi-label ``run_fn`` in a trial). ``run_fn`` is timed in parts (``Model.fit`` and the trainer's ``with_prior_correction`` /
``save_serving_model`` calls are wrapped): before ``fit`` (input pipeline, model), ``fit``,
between ``fit`` and the correction call (signature functions; the multi-label trainer's scoring
pass over the eval split that its refit uses), the correction call (plan read, refit), saving.

Serving: the three signatures are called in rounds, in a random order per round (seeded), on the
same batch of serialized test examples (batch 1: the examples in turn; batch 256: the first
256), after warm-up. The machine's cores are shared, so load changes during the run; pairing and
interleaving let it hit every arm alike. Per arm: median and p90 ms; per round: the differences
(with - without, one_op - without), their medians and bootstrap 95% intervals of those medians.

Run: ``python -m benchmarks.calibration.serving_ab --runs taxi=/path/run ... --out ab.json``
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import tempfile
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

from benchmarks.calibration import jobs  # noqa: E402

UNCORRECTED = 'serving_uncorrected'
ONE_OP = 'serving_one_op'  # the budget: one elementwise op (a multiply) on the scores
BATCHES = {1: 2000, 256: 400}  # batch size -> pairs of calls


class _OneMultiply:
    """A stand-in correction of one elementwise op: the scores times a constant vector (the
    ``probabilities`` of the ``serving_one_op`` arm; a yardstick, not a correction)."""

    def apply(self, probabilities):
        import tensorflow as tf

        p = tf.convert_to_tensor(probabilities)
        return p * tf.constant([0.5] * p.shape[-1], p.dtype)


@contextlib.contextmanager
def _timed_run_fn(sample: str, corrected: bool, marks: dict):
    """Patches the sample's trainer (and ``Model.fit``) to record part times in ``marks``."""
    import tensorflow as tf

    from tfx_balance.core.balanced_input_gen.prior import with_probabilities

    trainer = importlib.import_module(f'pipelines.{sample}.trainer')
    real_wpc, real_save = trainer.with_prior_correction, trainer.save_serving_model
    real_fit = tf.keras.Model.fit

    def fit(self, *args, **kwargs):
        marks['fit_start'] = time.perf_counter()
        try:
            return real_fit(self, *args, **kwargs)
        finally:
            marks['fit_end'] = time.perf_counter()

    def wpc(signatures, *args, **kwargs):
        marks['correction_start'] = time.perf_counter()
        if corrected:
            out = real_wpc(signatures, *args, **kwargs)
            out[UNCORRECTED] = with_probabilities(signatures, None)['serving_default']
            out[ONE_OP] = with_probabilities(signatures, _OneMultiply())['serving_default']
        else:
            out = with_probabilities(signatures, None)
        marks['correction_end'] = time.perf_counter()
        return out

    def save(*args, **kwargs):
        marks['save_start'] = time.perf_counter()
        real_save(*args, **kwargs)
        marks['save_end'] = time.perf_counter()

    trainer.with_prior_correction, trainer.save_serving_model = wpc, save
    tf.keras.Model.fit = fit
    try:
        yield
    finally:
        trainer.with_prior_correction, trainer.save_serving_model = real_wpc, real_save
        tf.keras.Model.fit = real_fit


def train(sample: str, root: str, seed: int, out_dir: str, corrected: bool) -> dict:
    """``run_fn`` of the balanced model; its parts in seconds."""
    marks = {}
    with _timed_run_fn(sample, corrected, marks):
        total = jobs.retrain(sample, root, 'balanced', seed, out_dir)
    return {
        'run_fn': total,
        'fit': marks['fit_end'] - marks['fit_start'],
        'after_fit_before_correction': marks['correction_start'] - marks['fit_end'],
        'correction_call': marks['correction_end'] - marks['correction_start'],
        'save': marks['save_end'] - marks['save_start'],
    }


def _quantile(values, q: float) -> float:
    import numpy as np

    return float(np.quantile(np.asarray(values), q))


def time_signatures(model_dir: str, serialized, seed: int = 0) -> dict:
    """Interleaved calls of ``serving_default`` (with), ``serving_uncorrected`` (without) and,
    where the model has it, ``serving_one_op``: each round calls every arm once, in a random
    order; each arm's difference to ``without`` is paired by round."""
    import numpy as np
    import tensorflow as tf

    loaded = tf.saved_model.load(model_dir)
    arms = {'with': loaded.signatures['serving_default'], 'without': loaded.signatures[UNCORRECTED]}
    if ONE_OP in loaded.signatures:
        arms['one_op'] = loaded.signatures[ONE_OP]
    rng = random.Random(seed)
    out = {}
    for batch, pairs in BATCHES.items():
        inputs = (
            [serialized[i : i + 1] for i in range(len(serialized))]
            if batch == 1
            else [serialized[:batch]]
        )
        for fn in arms.values():
            for _ in range(20):
                fn(examples=inputs[0])
        times = {arm: [] for arm in arms}
        for i in range(pairs):
            x = inputs[i % len(inputs)]
            order = list(arms)
            rng.shuffle(order)
            for arm in order:
                start = time.perf_counter()
                result = arms[arm](examples=x)
                result['probabilities'].numpy()
                times[arm].append(1000 * (time.perf_counter() - start))
        row = {
            'pairs': pairs,
            **{
                f'{arm}_{stat}_ms': _quantile(times[arm], q)
                for arm in times
                for stat, q in (('median', 0.5), ('p90', 0.9))
            },
        }
        boot = np.random.default_rng(seed)
        for arm, prefix in (('with', 'diff'), ('one_op', 'one_op_diff')):
            if arm not in times:
                continue
            diff = np.asarray(times[arm]) - np.asarray(times['without'])
            medians = [np.median(boot.choice(diff, len(diff))) for _ in range(1000)]
            row[f'{prefix}_median_ms'] = float(np.median(diff))
            row[f'{prefix}_ci95_ms'] = [_quantile(medians, 0.025), _quantile(medians, 0.975)]
            row[f'{prefix}_p10_p90_ms'] = [_quantile(diff, 0.1), _quantile(diff, 0.9)]
        out[str(min(batch, len(serialized)))] = row
    return out


def run(runs: dict, seeds=(0,), out: str | None = None) -> dict:
    """``{sample: {'seeds': {seed: {'with': parts, 'without': parts, 'serving': {...}}}}}``
    (written to ``out`` after each sample, when given)."""
    results = {}
    for sample, root in runs.items():
        serialized, _ = jobs.read_test_split(sample, root)
        with tempfile.TemporaryDirectory() as out_dir:  # warm-up: the first run_fn of a process
            train(sample, root, seeds[0], out_dir, True)  # pays TF's one-time set-up
        per_seed = {}
        for seed in seeds:
            row = {'load_average_start': os.getloadavg()[0]}
            # Alternate which arm trains first, so a load change hits both alike over seeds.
            arms = (True, False) if seed % 2 == 0 else (False, True)
            for corrected in arms:
                with tempfile.TemporaryDirectory() as out_dir:
                    row['with' if corrected else 'without'] = train(
                        sample, root, seed, out_dir, corrected
                    )
                    if corrected:
                        row['serving'] = time_signatures(out_dir, serialized, seed)
            row['load_average_end'] = os.getloadavg()[0]
            per_seed[str(seed)] = row
            print(sample, seed, json.dumps(row), flush=True)
        results[sample] = {'run': root, 'when': time.strftime('%Y-%m-%d'), 'seeds': per_seed}
        if out:
            with open(out, 'w') as f:
                json.dump(results, f, indent=1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True, help='sample=run folder')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--out', default=None, help='write the results JSON here')
    args = parser.parse_args()
    run(dict(item.split('=', 1) for item in args.runs), args.seeds, args.out)


if __name__ == '__main__':
    main()
