"""Which augmentation to try first: balanced accuracy of one classifier per resampling (issue 28).

Three datasets that ship with scikit-learn, made imbalanced (the first ``n`` rows of each class):
digits (178 ... 12), breast cancer (212 malignant, 53 benign) and wine (59, 20, 12). Per seed
(0-4): a stratified 70/30 train/test split; the train split resampled to the largest class by
no resampling, BalancedAugment's ``copy``, ``numeric``, ``interpolate`` and ``smote`` (k=5, the
features as given), and imbalanced-learn's ``SMOTE(k_neighbors=5)``; the same classifier
(``StandardScaler`` + ``LogisticRegression``) trained on each and scored by balanced accuracy on
the untouched test split. The table is the mean over the seeds. Our ``smote`` is the same method
as imbalanced-learn's, so the two should agree within noise (goal: within 0.01).

Run alone: ``python -m benchmarks.bench_smote_quality [seeds]`` (about 3 minutes on 2 shared
cores; in-process DirectRunner, one Beam pipeline per dataset and seed); ``make bench`` runs
:func:`quality_job` in a fresh process (section ``smote_quality``; goal
``goals.SMOTE_QUALITY_GOAL``). imbalanced-learn is a dev (benchmark) dependency only.
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

METHODS = ('none', 'copy', 'numeric', 'interpolate', 'smote', 'imblearn SMOTE')
AUGMENTATIONS = ('copy', 'numeric', 'interpolate', 'smote')
SEEDS = (0, 1, 2, 3, 4)


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


def _augmented(X, y, seed: int, work: str) -> dict:
    """``{augmentation: (X, y)}``: the train split rebalanced to its largest class."""
    import apache_beam as beam
    import tensorflow as tf
    from tensorflow.core.example import example_pb2

    from tfx_balance.core.augment import RECORDS, BalancedAugment

    records = _records(X, y)
    with beam.Pipeline() as p:
        for name in AUGMENTATIONS:
            out = p | f'Run[{name}]' >> BalancedAugment(
                lambda: beam.Create(records),
                label_feature='label',
                target='max',
                augmentation=name,
                seed=seed,
            )
            path = os.path.join(work, name)
            _ = out[RECORDS] | f'Write[{name}]' >> beam.io.WriteToTFRecord(
                path, shard_name_template=''
            )
    result = {}
    for name in AUGMENTATIONS:
        rows, labels = [], []
        for r in tf.data.TFRecordDataset(os.path.join(work, name)):
            f = example_pb2.Example.FromString(r.numpy()).features.feature
            rows.append(np.array([f[_column(i)].float_list.value[0] for i in range(X.shape[1])]))
            labels.append(f['label'].int64_list.value[0])
        result[name] = (np.stack(rows), np.array(labels))
    return result


def _score(X_train, y_train, X_test, y_test) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(X_train, y_train)
    return balanced_accuracy_score(y_test, model.predict(X_test))


def run(seeds=SEEDS, only=None) -> dict:
    """``{dataset: {method: mean balanced accuracy}}`` (``only``: see :func:`datasets`)."""
    from imblearn.over_sampling import SMOTE
    from sklearn.model_selection import train_test_split

    table = {}
    for name, (X, y) in datasets(only).items():
        X = X.astype(np.float32).astype(np.float64)  # the values tf.Examples hold
        scores = {m: [] for m in METHODS}
        for seed in seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed
            )
            scores['none'].append(_score(X_tr, y_tr, X_te, y_te))
            with tempfile.TemporaryDirectory() as work:
                for method, (Xa, ya) in _augmented(X_tr, y_tr, seed, work).items():
                    scores[method].append(_score(Xa, ya, X_te, y_te))
            Xs, ys = SMOTE(k_neighbors=5, random_state=seed).fit_resample(X_tr, y_tr)
            scores['imblearn SMOTE'].append(_score(Xs, ys, X_te, y_te))
        table[name] = {m: float(np.mean(v)) for m, v in scores.items()}
        print(markdown({name: table[name]}).splitlines()[-1], file=sys.stderr, flush=True)
    return table


def quality_job(seeds=SEEDS, only=None) -> dict:
    """:func:`run` as a benchmark job: its wall time, the table and the seeds."""
    from benchmarks import common

    out = {}
    seconds = common.timed(lambda: out.update(run(tuple(seeds), only)))
    steps = {name: one_example(y, len(seeds)) for name, (_, y) in datasets(only).items()}
    return {
        'seconds': seconds,
        'examples_written': 0,
        'table': out,
        'seeds': list(seeds),
        'one_example': steps,
    }


def one_example(y, seeds: int) -> float:
    """How much one test example of the rarest class moves the mean balanced accuracy over
    ``seeds`` seeds (balanced accuracy is the mean of per-class recalls)."""
    from sklearn.model_selection import train_test_split

    _, y_test = train_test_split(y, test_size=0.3, stratify=y, random_state=0)
    counts = np.bincount(y_test)
    counts = counts[counts > 0]
    return 1.0 / (len(counts) * counts.min()) / seeds


def markdown(table: dict) -> str:
    lines = ['| data (class counts) | ' + ' | '.join(METHODS) + ' |']
    lines.append('|---|' + '---:|' * len(METHODS))
    for name, row in table.items():
        lines.append(f'| {name} | ' + ' | '.join(f'{row[m]:.3f}' for m in METHODS) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    seeds = SEEDS if len(sys.argv) < 2 else tuple(range(int(sys.argv[1])))
    print(markdown(run(seeds)))
