"""'smote' neighbours (core/balanced_augmenter/knn.py): exact, equal to scikit-learn's NearestNeighbors."""

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from tfx_balance.core.balanced_augmenter.knn import NeighbourIndex


def _sklearn_sets(X, k):
    """Each row's k nearest other rows (scikit-learn, exact), as sets of positions."""
    found = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X, return_distance=False)
    return [set(row[row != i][:k].tolist()) for i, row in enumerate(found)]


def _sets(index, X, k, codes=None):
    fps = [f'{i:016x}' for i in range(len(X))]  # as the tests name rows: the source is excluded
    got = index.neighbours(X, codes if codes is not None else [None] * len(X), k, exclude=fps)
    return [set(index.rows[g].tolist()) for g in got]


def test_neighbour_sets_equal_scikit_learns_on_the_features_as_given_and_standardised():
    rng = np.random.default_rng(0)
    # Columns on very different scales, so standardising changes the neighbours.
    X = rng.normal(size=(300, 6)) * np.array([1, 10, 100, 0.1, 5, 1000])
    fps = [f'{i:016x}' for i in range(len(X))]
    for k in (1, 5, 12):
        assert _sets(NeighbourIndex(fps, X), X, k) == _sklearn_sets(X, k)
        standard = NeighbourIndex(fps, X, scale='standard')
        assert _sets(standard, X, k) == _sklearn_sets(StandardScaler().fit_transform(X), k)
    assert _sets(NeighbourIndex(fps, X), X, 5) != _sets(
        NeighbourIndex(fps, X, scale='standard'), X, 5
    )


def test_neighbours_are_nearest_first_and_do_not_depend_on_how_sources_are_batched():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 4))
    fps = [f'{i:016x}' for i in range(len(X))]
    index = NeighbourIndex(fps, X)
    together = index.neighbours(X, [None] * 500, 5, exclude=fps)
    one_by_one = [index.neighbours(X[i : i + 1], [None], 5, exclude=fps[i : i + 1])[0]
                  for i in range(500)]  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(together, one_by_one))
    for i, found in enumerate(together):
        distances = ((X[found] - X[i]) ** 2).sum(axis=1)
        assert (np.diff(distances) >= 0).all()


def test_smote_nc_distance_adds_the_median_std_squared_per_differing_category():
    """imbalanced-learn's SMOTENC distance: one-hot columns worth median_std / sqrt(2) each."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3)) * np.array([1.0, 2.0, 0.5])
    codes = rng.integers(0, 3, size=(200, 2))
    fps = [f'{i:016x}' for i in range(len(X))]
    index = NeighbourIndex(fps, X, codes)
    median = np.median(X.std(axis=0))
    assert index.median_std == median
    onehot = np.concatenate([np.eye(3)[codes[:, c]] for c in range(2)], axis=1)
    encoded = np.concatenate([X, onehot * median / np.sqrt(2)], axis=1)
    assert _sets(index, X, 5, codes.tolist()) == _sklearn_sets(encoded, 5)


def test_non_finite_examples_are_never_neighbours_and_a_nan_source_ignores_that_column():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    X[7, 1], X[8, 0] = np.nan, np.inf
    fps = [f'{i:016x}' for i in range(len(X))]
    index = NeighbourIndex(fps, X)
    assert len(index) == 58
    found = _sets(index, X, 5)
    assert all({7, 8}.isdisjoint(s) for s in found)
    # Source 7 (NaN in column 1): its neighbours by columns 0 and 2 only.
    finite = np.delete(np.arange(60), [7, 8])
    d = ((X[finite][:, [0, 2]] - X[7, [0, 2]]) ** 2).sum(axis=1)
    assert found[7] == set(finite[np.argsort(d)[:5]].tolist())


def test_duplicates_of_the_source_are_excluded_and_fewer_eligible_give_fewer_neighbours():
    X = np.array([[0.0], [0.0], [1.0], [3.0]])
    index = NeighbourIndex(['a', 'a', 'b', 'c'], X)
    got = index.neighbours(X[:1], [None], 5, exclude=['a'])[0]
    assert [index.fingerprints[i] for i in got] == ['b', 'c']
