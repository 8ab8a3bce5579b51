"""Which augmentation to try first: balanced accuracy of one classifier per resampling (issue 28).

Three datasets that ship with scikit-learn, made imbalanced (the first ``n`` rows of each class):
digits (178 ... 12), breast cancer (212 malignant, 53 benign) and wine (59, 20, 12).

Protocol (the same for every method): per seed (0-4), a stratified 5-fold cross-validation
(``StratifiedKFold(5, shuffle=True, random_state=seed)``). In each fold the 4/5 training part is
resampled to its largest class by no resampling, BalancedAugment's ``copy``, ``numeric``,
``interpolate`` and ``smote`` (k=5, the features as given), and imbalanced-learn's
``SMOTE(k_neighbors=5, random_state=run)`` (``run`` = seed x 5 + fold), and the same
imbalanced-learn SMOTE again with other random numbers (``random_state=run + 1000``: the
"other draws" column); the same classifier
(``StandardScaler`` + ``LogisticRegression``) is trained on each and predicts the held-out fold.
Every resampling runs ``DRAWS`` (10) times per fold with other random numbers (draw ``d``: our
``seed=d``, imbalanced-learn's ``random_state`` + d x 2000). A seed's score is the mean over the
draws of the balanced accuracy of its out-of-fold predictions: every example is tested exactly
once per draw, so the rarest class counts with all its examples (12 on wine), not with the 3 or 4
of a single test split. The headline is the mean over the seeds; the report adds the spread
(standard deviation over the seeds) of the ``smote`` - imbalanced-learn difference. Our
``smote`` is the same method as imbalanced-learn's (partners uniform among the 5 nearest
same-class neighbours, one ``u ~ U(0, 1)`` per example), so the two should agree within noise
(goal: within 0.01). How large that noise is on each dataset, the "other draws" column shows:
imbalanced-learn's SMOTE against itself, on the same folds, with only its random numbers changed.
With one draw per fold, that noise is about 0.01 on wine (91 examples) at 5 seeds: the draws
average it out, so that the table compares the methods, not one run's random numbers.

All the training parts of a dataset (seeds x folds) go through one Beam pipeline per draw (two
draws at a time, in two processes): BalancedAugment rebalances every class separately, so the
runs are its classes, labelled ``run x C + class`` (``C`` classes), with a dict target (each
run's largest class). A run's classes are then rebalanced exactly as that run's training part
alone would be, with its own random draws: they come from each example's content, label
included, and the draw's ``seed``.

Run alone: ``python -m benchmarks.smote_quality.jobs [seeds [dataset ...]]`` (seeds 0 .. n-1,
datasets by name prefix; the environment variable ``DRAWS`` sets the draws; about 8 minutes at
the defaults on 2 cores, two in-process DirectRunners at a time); ``make bench`` runs
``quality_job`` in a fresh process (section ``smote_quality``; goal
``report.SMOTE_QUALITY_GOAL``). imbalanced-learn is a dev (benchmark) dependency only.

Example::

    python -m benchmarks.smote_quality.jobs 20 wine  # wine alone, seeds 0-19
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import tempfile

import numpy as np

IMBLEARN, IMBLEARN_AGAIN = 'imblearn SMOTE', 'imblearn SMOTE, other draws'
METHODS = ('none', 'copy', 'numeric', 'interpolate', 'smote', IMBLEARN, IMBLEARN_AGAIN)
AGAIN_OFFSET = 1_000  # IMBLEARN_AGAIN's random_state: run + this (the runs stay below it)
DRAW_STRIDE = 2 * AGAIN_OFFSET  # draw d of a run: imbalanced-learn's random_state + d x this
AUGMENTATIONS = ('copy', 'numeric', 'interpolate', 'smote')
SEEDS = (0, 1, 2, 3, 4)
FOLDS = 5
DRAWS = 10  # resampling draws per fold: a seed's score is their mean
WORKERS = 2  # processes the draws' pipelines run in (this machine's cores)


def datasets(only=None) -> dict:
    """``{name: (X, y)}``: scikit-learn's bundled datasets, imbalanced (first n rows per class);
    ``only``: the names starting with one of these (e.g. ``['wine']``), or None for all."""
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine

    out = {}
    X, y = load_digits(return_X_y=True)
    out['digits (178 ... 12)'] = _first(
        X, y, dict(enumerate([178, 150, 125, 100, 80, 60, 45, 30, 20, 12]))
    )
    X, y = load_breast_cancer(return_X_y=True)
    out['breast cancer (212, 53)'] = _first(X, y, {0: 212, 1: 53})
    X, y = load_wine(return_X_y=True)
    out['wine (59, 20, 12)'] = _first(X, y, {0: 59, 1: 20, 2: 12})
    return {k: v for k, v in out.items() if only is None or k.startswith(tuple(only))}


def _first(X, y, counts):
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in counts.items()])
    return X[keep], y[keep]


def runs(y, seeds) -> list:
    """``[(seed, fold, train indices, test indices)]``: the folds of every seed, seed-major."""
    from sklearn.model_selection import StratifiedKFold

    out = []
    for seed in seeds:
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
        split = folds.split(np.zeros(len(y)), y)
        out += [(seed, fold, train, test) for fold, (train, test) in enumerate(split)]
    return out


def _records(X, y) -> list:
    from tensorflow.core.example import example_pb2

    out = []
    for x, label in zip(X, y):
        ex = example_pb2.Example()
        for i, value in enumerate(x.tolist()):  # one feature per column ('numeric' scales each)
            ex.features.feature[_column(i)].float_list.value[:] = [value]
        ex.features.feature['label'].int64_list.value[:] = [int(label)]
        out.append(ex.SerializeToString())
    return out


def _column(i: int) -> str:
    return f'x{i:02d}'


def _augmented(X, y, folds, work: str, draws: int = 1) -> dict:
    """``{augmentation: [[(X, y) per run] per draw]}``: each run's training part rebalanced to
    its largest class, all runs in one pipeline per draw (their classes relabelled ``run x C +
    class``), draw ``d`` with ``seed=d``; with several draws, WORKERS pipelines at a time, each
    in a process of its own."""
    import tensorflow as tf

    width = int(y.max()) + 1
    labels = [r * width + y[train] for r, (_, _, train, _) in enumerate(folds)]
    records = _records(
        np.concatenate([X[train] for _, _, train, _ in folds]), np.concatenate(labels)
    )
    target = {}
    for r, (_, _, train, _) in enumerate(folds):
        counts = np.bincount(y[train], minlength=width)
        target.update({r * width + int(c): int(counts.max()) for c in np.flatnonzero(counts)})
    source = os.path.join(work, 'input')
    with tf.io.TFRecordWriter(source) as writer:  # read from a file: a Create would pickle them
        for record in records:
            writer.write(record)
    if draws == 1:
        _draw(source, target, work, 0)
    else:  # one pipeline per draw, two at a time: the in-process runner uses one core
        spawn = multiprocessing.get_context('spawn')  # a fresh interpreter, not a forked TF
        with concurrent.futures.ProcessPoolExecutor(WORKERS, mp_context=spawn) as pool:
            list(pool.map(_draw, *zip(*[(source, target, work, d) for d in range(draws)])))
    result = {name: [] for name in AUGMENTATIONS}
    for name in AUGMENTATIONS:
        for draw in range(draws):
            rows, label = _read(os.path.join(work, f'{name}-{draw}'), X.shape[1])
            result[name].append(
                [
                    _sorted(rows[label // width == r], label[label // width == r] % width)
                    for r in range(len(folds))
                ]
            )
    return result


def _draw(source: str, target: dict, work: str, draw: int) -> None:
    """One draw: every augmentation of ``source`` with ``seed=draw``, written to
    ``<work>/<augmentation>-<draw>``, in one in-process pipeline."""
    import apache_beam as beam

    from tfx_balance.core.balanced_augmenter import RECORDS, BalancedAugment

    with beam.Pipeline() as p:
        for name in AUGMENTATIONS:
            out = p | f'Run[{name}]' >> BalancedAugment(
                lambda: beam.io.ReadFromTFRecord(source),
                label_feature='label',
                target=target,
                augmentation=name,
                seed=draw,
            )
            path = os.path.join(work, f'{name}-{draw}')
            _ = out[RECORDS] | f'Write[{name}]' >> beam.io.WriteToTFRecord(
                path, shard_name_template=''
            )


def _read(path: str, width: int) -> tuple:
    """The float columns and labels of the records in ``path`` (parsed in batches)."""
    import tensorflow as tf

    spec = {_column(i): tf.io.FixedLenFeature([], tf.float32) for i in range(width)}
    spec['label'] = tf.io.FixedLenFeature([], tf.int64)
    rows, labels = [], []
    for batch in tf.data.TFRecordDataset(path).batch(4096):
        parsed = tf.io.parse_example(batch, spec)
        rows.append(np.stack([parsed[_column(i)].numpy() for i in range(width)], axis=1))
        labels.append(parsed['label'].numpy())
    return np.concatenate(rows).astype(np.float64), np.concatenate(labels)


def _sorted(X, y) -> tuple:
    """Rows in a fixed order (by label, then values): the classifier sees the same input
    whatever order the pipeline wrote them in."""
    order = np.lexsort(tuple(X.T[::-1]) + (y,))
    return X[order], y[order]


def _predict(X_train, y_train, X_test) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(X_train, y_train)
    return model.predict(X_test)


def run(seeds=SEEDS, only=None, draws: int = DRAWS, per_draw: dict | None = None) -> dict:
    """``{dataset: {method: [balanced accuracy per seed]}}`` (``only``: see ``datasets``).

    Every resampling runs ``draws`` times per fold with other random numbers (ours ``seed`` =
    draw; imbalanced-learn's ``random_state`` = run + draw x DRAW_STRIDE), and a seed's score is
    the mean over the draws of its out-of-fold balanced accuracy. ``per_draw``, if given, gets
    ``{dataset: {method: [[score per seed] per draw]}}`` (no resampling: one draw)."""
    from imblearn.over_sampling import SMOTE
    from sklearn.metrics import balanced_accuracy_score

    table = {}
    for name, (X, y) in datasets(only).items():
        X = X.astype(np.float32).astype(np.float64)  # the values tf.Examples hold
        folds = runs(y, seeds)
        with tempfile.TemporaryDirectory() as work:
            ours = _augmented(X, y, folds, work, draws)
        scores = {m: [] for m in METHODS}
        for draw in range(draws):
            methods = METHODS if draw == 0 else METHODS[1:]  # 'none' draws no random numbers
            predicted = {m: {seed: np.full_like(y, -1) for seed in seeds} for m in methods}
            for r, (seed, fold, train, test) in enumerate(folds):
                state = seed * FOLDS + fold
                assert state < AGAIN_OFFSET, 'the imbalanced-learn draws must not share a state'
                fits = {method: ours[method][draw][r] for method in AUGMENTATIONS}
                if draw == 0:
                    fits['none'] = (X[train], y[train])
                for method, offset in ((IMBLEARN, 0), (IMBLEARN_AGAIN, AGAIN_OFFSET)):
                    smote = SMOTE(k_neighbors=5, random_state=state + offset + draw * DRAW_STRIDE)
                    fits[method] = smote.fit_resample(X[train], y[train])
                for method, (Xt, yt) in fits.items():
                    predicted[method][seed][test] = _predict(Xt, yt, X[test])
            for m in methods:
                scores[m].append(
                    [float(balanced_accuracy_score(y, predicted[m][seed])) for seed in seeds]
                )
        table[name] = {m: [float(v) for v in np.mean(scores[m], axis=0)] for m in METHODS}
        if per_draw is not None:
            per_draw[name] = scores
        print(markdown({name: table[name]}).splitlines()[-1], file=sys.stderr, flush=True)
    return table


def quality_job(seeds=SEEDS, only=None, draws: int = DRAWS) -> dict:
    """``run`` as a benchmark job: its wall time, the table (means), the scores per seed
    (mean over the draws) and per draw."""
    from benchmarks import harness

    out, per_draw = {}, {}
    seconds = harness.timed(lambda: out.update(run(tuple(seeds), only, draws, per_draw)))
    steps = {name: one_example(y, len(seeds)) for name, (_, y) in datasets(only).items()}
    return {
        'seconds': seconds,
        'examples_written': 0,
        'table': {
            name: {m: float(np.mean(v)) for m, v in row.items()} for name, row in out.items()
        },
        'per_seed': out,
        'per_draw': per_draw,
        'seeds': list(seeds),
        'folds': FOLDS,
        'draws': draws,
        'one_example': steps,
    }


def one_example(y, seeds: int) -> float:
    """How much one example of the rarest class moves the mean balanced accuracy over ``seeds``
    seeds (balanced accuracy is the mean of per-class recalls; every example is tested once per
    seed)."""
    counts = np.bincount(y)
    counts = counts[counts > 0]
    return 1.0 / (len(counts) * counts.min()) / seeds


def difference(scores: dict, method: str = 'smote') -> tuple:
    """``(mean, std)`` over the seeds of ``method`` (our ``smote``, or ``IMBLEARN_AGAIN``: the
    same-method reference) - imbalanced-learn's SMOTE (std None with one seed; ddof 1)."""
    diff = np.subtract(scores[method], scores[IMBLEARN])
    return float(diff.mean()), float(diff.std(ddof=1)) if len(diff) > 1 else None


def gaps(scores: dict) -> list:
    """The two differences the tables show, each ``'+0.010 (0.028)'`` (mean, std over seeds):
    our ``smote`` - imbalanced-learn's SMOTE, and imbalanced-learn's SMOTE with other draws -
    the same (``'—'`` for results measured before that column)."""
    out = []
    for method in ('smote', IMBLEARN_AGAIN):
        if method not in scores:
            out.append('—')
            continue
        mean, std = difference(scores, method)
        out.append(f'{mean:+.3f}' + ('' if std is None else f' ({std:.3f})'))
    return out


def markdown(per_seed: dict) -> str:
    """The table of means, with the two differences of ``gaps`` (mean and spread)."""
    lines = [
        '| data (class counts) | ' + ' | '.join(METHODS) + ' | smote - imblearn (std) | '
        'imblearn other draws - imblearn (std) |'
    ]
    lines.append('|---|' + '---:|' * (len(METHODS) + 2))
    for name, scores in per_seed.items():
        row = ' | '.join(f'{np.mean(scores[m]):.3f}' for m in METHODS)
        lines.append(f'| {name} | {row} | ' + ' | '.join(gaps(scores)) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    draws = int(os.environ.get('DRAWS', DRAWS))
    seeds = SEEDS if len(sys.argv) < 2 else tuple(range(int(sys.argv[1])))
    print(markdown(run(seeds, sys.argv[2:] or None, draws)))
