"""benchmarks/smote_quality/jobs.py: every cross-validation run of a dataset goes through one
pipeline, its classes relabelled per run; each run must come out as that run alone would."""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from benchmarks.smote_quality import jobs as bench


def test_each_run_is_rebalanced_from_its_own_training_part_only(tmp_path):
    X, y = bench.datasets(['wine'])['wine (59, 20, 12)']
    X = X.astype(np.float32).astype(np.float64)
    folds = bench.runs(y, [0])
    assert [fold for _, fold, _, _ in folds] == list(range(bench.FOLDS))
    tested = np.sort(np.concatenate([test for _, _, _, test in folds]))
    assert tested.tolist() == list(range(len(y)))  # every example tested once per seed

    out = bench._augmented(X, y, folds, str(tmp_path), draws=2)
    for r, (_, _, train, _) in enumerate(folds):
        counts = np.bincount(y[train])
        for name in bench.AUGMENTATIONS:
            for draw in (0, 1):
                Xa, ya = out[name][draw][r]
                assert np.bincount(ya).tolist() == [counts.max()] * 3, (name, draw, r)
        # The second draw (seed 1) has other random numbers: other synthetic rows.
        assert not np.array_equal(out['smote'][0][r][0], out['smote'][1][r][0])
        # 'copy': every row is one of this run's training rows, of its class.
        Xc, yc = out['copy'][0][r]
        own = {(row.tobytes(), label) for row, label in zip(X[train], y[train])}
        assert all((row.tobytes(), label) in own for row, label in zip(Xc, yc))
        # 'smote': every new row lies between a training row of this run and class and one of
        # that row's 5 nearest same-class neighbours in this run (imbalanced-learn's rule).
        Xs, ys = out['smote'][1][r]
        for c in (1, 2):
            part = X[train][y[train] == c]
            near = NearestNeighbors(n_neighbors=6).fit(part).kneighbors(part)[1][:, 1:]
            new = [row for row in Xs[ys == c] if not (part == row).all(axis=1).any()]
            assert len(new) == counts.max() - counts[c]
            for row in new:
                gap = part[near] - part[:, None, :]  # (sources, 5, features)
                u = np.einsum('skf,skf->sk', row - part[:, None, :], gap) / (gap**2).sum(-1)
                off = np.abs(part[:, None, :] + u[..., None] * gap - row).max(-1)
                assert off.min() < 1e-3 * max(1.0, np.abs(row).max()), (r, c)
                assert -1e-6 <= u.flat[off.argmin()] <= 1 + 1e-6


def test_a_seeds_score_is_the_mean_over_its_draws():
    per_draw = {}
    table = bench.run((0,), ['wine'], draws=2, per_draw=per_draw)
    scores, draws = table['wine (59, 20, 12)'], per_draw['wine (59, 20, 12)']
    assert len(draws['none']) == 1  # no resampling draws no random numbers
    for method in bench.METHODS:
        assert len(draws[method]) == (1 if method == 'none' else 2), method
        assert scores[method] == [float(np.mean([d[0] for d in draws[method]]))], method


def test_markdown_shows_the_mean_and_spread_of_the_smote_difference():
    row = {m: [0.9, 0.9] for m in bench.METHODS}
    scores = {**row, 'smote': [0.96, 0.92], 'imblearn SMOTE': [0.93, 0.93]}
    scores[bench.IMBLEARN_AGAIN] = [0.92, 0.92]
    table = bench.markdown({'wine': scores})
    assert table.splitlines()[-1] == (
        '| wine | 0.900 | 0.900 | 0.900 | 0.900 | 0.940 | 0.930 | 0.920 | +0.010 (0.028) '
        '| -0.010 (0.000) |'
    )
    del scores[bench.IMBLEARN_AGAIN]  # results measured before that column
    assert bench.gaps(scores) == ['+0.010 (0.028)', '—']
    assert bench.one_example(np.array([0] * 59 + [1] * 20 + [2] * 12), 5) == 1 / 36 / 5
