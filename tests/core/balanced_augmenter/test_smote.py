"""'smote' (core/balanced_augmenter/smote.py): neighbours exact, equal to scikit-learn's NearestNeighbors;
in BalancedAugment, partners among the k nearest same-class neighbours (scikit-learn's sets),
copies on the segment, SMOTE-NC modes, the sample above ``exact_limit``, and the errors; with
variant='borderline-1', the sources are exactly the examples imbalanced-learn's BorderlineSMOTE
finds in danger, counts exact, partners SMOTE's."""

import collections
import re

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from imblearn.over_sampling import BorderlineSMOTE
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from tensorflow.core.example import example_pb2

from tests.core.balanced_augmenter.test_config import assert_documented
from tests.core.balanced_augmenter.test_transform import WINE
from tfx_balance.core.balanced_augmenter import RECORDS, AugmentConfig, BalancedAugment
from tfx_balance.core.balanced_augmenter.profile import _RESERVOIR_SALT
from tfx_balance.core.balanced_augmenter.smote import NeighbourIndex, in_danger
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import example_keys, fingerprint, seeded_hash


def _runs(tmp_path, cases):
    """Runs one pipeline with a BalancedAugment branch per ``{name: (records, kwargs)}``; returns
    ``{name: output records}``."""
    with beam.Pipeline() as p:
        for name, (records, kwargs) in cases.items():
            out = p | f'Run[{name}]' >> BalancedAugment(
                lambda r=records: beam.Create(r), label_feature='label', **kwargs
            )
            _ = out[RECORDS] | f'Write[{name}]' >> beam.io.WriteToTFRecord(
                str(tmp_path / name), shard_name_template=''
            )
    return {
        name: [bytes(r.numpy()) for r in tf.data.TFRecordDataset(str(tmp_path / name))]
        for name in cases
    }


def _originals(records):
    """``{fingerprint: parsed example}`` of the input."""
    return {
        fingerprint(key): example_pb2.Example.FromString(r)
        for r, key in zip(records, example_keys(records))
    }


def _floats(example, name='x'):
    return np.array(example.features.feature[name].float_list.value, np.float64)


def _label(example):
    return example.features.feature['label'].int64_list.value[0]


def _synthetic(records):
    """``[(example, source fingerprint, partner fingerprint)]`` of the generated records."""
    out = []
    for r in records:
        ex = example_pb2.Example.FromString(r)
        f = ex.features.feature
        if f['is_synthetic'].int64_list.value[0]:
            source = f['source_fingerprint'].bytes_list.value[0].decode()
            out.append((ex, source, f['partner_fingerprint'].bytes_list.value[0].decode()))
        else:
            assert 'partner_fingerprint' not in f and 'source_fingerprint' not in f
    return out


def _sklearn_neighbours(members, k, X=None):
    """``{fingerprint: set of its k nearest other members' fingerprints}`` (scikit-learn)."""
    fps = list(members)
    X = np.stack([_floats(members[fp]) for fp in fps]) if X is None else X
    found = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X, return_distance=False)
    return {fp: {fps[j] for j in row if j != i} for i, (fp, row) in enumerate(zip(fps, found))}


def _on_segment(new, x, p):
    """``u`` with ``new == x + u (p - x)`` for every value (float32 rounding), else None."""
    gap = p - x
    if not gap.any():
        return 0.0 if np.allclose(new, x) else None
    u = float(np.dot(new - x, gap) / np.dot(gap, gap))
    ok = np.allclose(new, x + u * gap, rtol=1e-6, atol=1e-5 * np.abs(x).max()) and -1e-6 <= u <= 1
    return u if ok else None


def _check_partners_and_segments(records, originals, neighbours):
    partners_per_source = collections.defaultdict(set)
    for ex, source, partner in _synthetic(records):
        assert partner in neighbours[source], (source, partner)
        x, p = _floats(originals[source]), _floats(originals[partner])
        assert _on_segment(_floats(ex), x, p) is not None
        partners_per_source[source].add(partner)
    return partners_per_source


def test_every_partner_is_one_of_the_k_nearest_same_class_neighbours_and_copies_lie_on_the_segment(
    tmp_path,
):
    """Wine (13 floats, classes of 59, 20 and 7): k = 5 and 3, the features as given and
    standardised, against scikit-learn's NearestNeighbors on the same class's values."""
    cases = {
        'k5': (WINE, dict(augmentation='smote', options={'categorical_features': []}, seed=1)),
        'k3-standard': (
            WINE,
            dict(
                augmentation='smote',
                options={'k': 3, 'scale': 'standard', 'categorical_features': []},
                seed=2,
            ),
        ),
    }
    out = _runs(tmp_path, cases)
    originals = _originals(WINE)
    by_class = collections.defaultdict(dict)
    for fp, ex in originals.items():
        by_class[_label(ex)][fp] = ex
    for name, k, standard in (('k5', 5, False), ('k3-standard', 3, True)):
        neighbours = {}
        for members in by_class.values():
            X = np.stack([_floats(ex) for ex in members.values()])
            X = StandardScaler().fit_transform(X) if standard else X
            neighbours.update(_sklearn_neighbours(members, k, X))
        synthetic = _synthetic(out[name])
        assert collections.Counter(_label(ex) for ex, _, _ in synthetic) == {1: 39, 2: 52}
        partners = _check_partners_and_segments(out[name], originals, neighbours)
        # Class 2's 7 sources make 7 or 8 copies each, from several of their k neighbours.
        assert all(len(partners[fp]) > 1 for fp in by_class[2])
        for ex, source, _ in synthetic:  # int64 and bytes features are copied (none categorical)
            src = originals[source].features.feature
            assert (
                ex.features.feature['row'] == src['row']
                and ex.features.feature['tag'] == src['tag']
            )
    assert out['k5'] != out['k3-standard']


def _mixed_records():
    """Class 0: 40 examples; class 1: 16; floats x (2 values), int64 'color' (0-2), bytes 'shape'
    ('a'/'b') loosely tied to x, so neighbours share categories more often than not."""
    rng = np.random.default_rng(5)
    records = []
    for label, n in ((0, 40), (1, 16)):
        for i in range(n):
            x = rng.normal(size=2) * np.array([1.0, 3.0]) + 4 * label
            ex = example_pb2.Example()
            ex.features.feature['x'].float_list.value[:] = x.tolist()
            ex.features.feature['color'].int64_list.value[:] = [
                int(x[0] > 4 * label) + (i % 5 == 0)
            ]
            ex.features.feature['shape'].bytes_list.value[:] = [(b'a', b'b')[int(x[1] > 4 * label)]]
            ex.features.feature['label'].int64_list.value[:] = [label]
            records.append(ex.SerializeToString())
    return records


def test_smote_nc_categoricals_are_the_neighbours_mode_with_the_smotenc_distance(tmp_path):
    records = _mixed_records()
    out = _runs(tmp_path, {'nc': (records, dict(augmentation='smote', seed=4))})['nc']
    originals = _originals(records)
    members = {fp: ex for fp, ex in originals.items() if _label(ex) == 1}
    # imbalanced-learn's SMOTENC encoding: one-hot columns worth median_std / sqrt(2) each.
    X = np.stack([_floats(ex) for ex in members.values()])
    median = np.median(X.std(axis=0))
    cats = [
        (
            ex.features.feature['color'].int64_list.value[0],
            ex.features.feature['shape'].bytes_list.value[0],
        )
        for ex in members.values()
    ]
    onehot = np.array(
        [[c == v for v in (0, 1, 2)] + [s == v for v in (b'a', b'b')] for c, s in cats]
    )
    neighbours = _sklearn_neighbours(members, 5, np.hstack([X, onehot * median / np.sqrt(2)]))
    _check_partners_and_segments(out, originals, neighbours)
    replaced = 0
    for ex, source, _ in _synthetic(out):
        for name, kind in (('color', 'int64_list'), ('shape', 'bytes_list')):
            values = [
                getattr(members[n].features.feature[name], kind).value[0]
                for n in neighbours[source]
            ]
            counts = collections.Counter(values)
            top = max(counts.values())
            got = getattr(ex.features.feature[name], kind).value[0]
            assert counts[got] == top, (name, got, counts)
            replaced += got != getattr(originals[source].features.feature[name], kind).value[0]
    assert len(_synthetic(out)) == 24
    assert replaced > 0  # the mode is the neighbours', not the source's


def test_above_exact_limit_neighbours_are_the_nearest_within_the_seeded_class_sample(tmp_path):
    """exact_limit=10: class 1 (20 examples) uses its bottom-10 sample by seeded hash (the same
    for any input order); class 2 (7) fits and is exact."""
    seed, k = 3, 3
    options = {'k': k, 'exact_limit': 10, 'categorical_features': []}
    out = _runs(
        tmp_path, {'approx': (WINE, dict(augmentation='smote', options=options, seed=seed))}
    )['approx']
    originals = _originals(WINE)
    keys = dict(zip((fingerprint(key) for key in example_keys(WINE)), example_keys(WINE)))
    members = {fp: ex for fp, ex in originals.items() if _label(ex) == 1}
    sample = sorted(members, key=lambda fp: (seeded_hash(seed, _RESERVOIR_SALT + keys[fp]), fp))[
        :10
    ]
    X = np.stack([_floats(originals[fp]) for fp in sample])
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    neighbours = {}
    for fp in members:
        found = nn.kneighbors(_floats(originals[fp])[None], return_distance=False)[0]
        neighbours[fp] = {sample[j] for j in found if sample[j] != fp}
        assert len(neighbours[fp]) >= k
        if fp not in sample:  # the 4th nearest only stands in for the source itself
            neighbours[fp] = {sample[j] for j in found[:k]}
    exact = {fp: ex for fp, ex in originals.items() if _label(ex) == 2}
    neighbours.update(_sklearn_neighbours(exact, k))
    partners = _check_partners_and_segments(out, originals, neighbours)
    assert set().union(*(partners[fp] for fp in members)) <= set(sample)
    assert any(fp not in sample for fp in partners)  # sources outside the sample too


def test_bad_smote_options_are_documented_config_errors():
    for options, message in (
        ({'k': 0}, "augmentation_options 'k' must be an int >= 1, got 0"),
        ({'k': 2.5}, "augmentation_options 'k' must be an int >= 1, got 2.5"),
        ({'scale': 'minmax'}, "augmentation_options 'scale' must be 'none'"),
        ({'exact_limit': 5}, r"augmentation_options 'exact_limit' must be an int > k \(5\)"),
        ({'categorical_features': 'color'}, "'categorical_features' must be a list of feature"),
        ({'neighbours': 5}, r"unknown 'smote' option\(s\) \['neighbours'\]"),
    ):
        config = AugmentConfig('label', augmentation='smote', options=options)
        with pytest.raises(ConfigError, match=message):
            config.validate()
        assert_documented(config.validate)


def test_a_grown_class_smaller_than_k_plus_one_is_a_data_error_naming_it():
    from tests.support.errors import documented_errors

    with pytest.raises(Exception) as info:
        with beam.Pipeline() as p:
            _ = p | BalancedAugment(
                lambda: beam.Create(WINE), label_feature='label', augmentation='smote',
                options={'k': 7},
            )  # fmt: skip
    message = str(info.value)
    assert "class '2' has 7 example(s); augmentation='smote' with k=7 needs at least" in message
    assert "Set augmentation_options 'k' below 7" in message
    assert any(__import__('re').search(p, message) for p in documented_errors()), message


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


def _blobs():
    """Two overlapping 2-d blobs: class 0 (60 examples) around 0, class 1 (15) around 1.5."""
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(0.0, 1.0, (60, 2)), rng.normal(1.5, 1.0, (15, 2))])
    X = X.astype(np.float32).astype(np.float64)  # the values the examples hold
    y = np.array([0] * 60 + [1] * 15)
    records = []
    for x, label in zip(X, y):
        ex = example_pb2.Example()
        ex.features.feature['x'].float_list.value[:] = x.tolist()
        ex.features.feature['label'].int64_list.value[:] = [int(label)]
        records.append(ex.SerializeToString())
    return X, y, records


def test_borderline_sources_are_imbalanced_learns_examples_in_danger(tmp_path):
    X, y, records = _blobs()
    fps = [fingerprint(key) for key in example_keys(records)]
    sampler = BorderlineSMOTE(k_neighbors=3, m_neighbors=6, kind='borderline-1', random_state=0)
    sampler.fit_resample(X, y)
    danger = {fps[i] for i in sampler.in_danger_indices[1]}
    assert 2 <= len(danger) < 15  # the case tests a real restriction
    options = {'k': 3, 'variant': 'borderline-1', 'm': 6}
    out = _runs(tmp_path, {'b1': (records, dict(augmentation='smote', options=options, seed=2))})
    synthetic = _synthetic(out['b1'])
    assert len(synthetic) == 45 and len(out['b1']) == 120
    copies = collections.Counter(source for _, source, _ in synthetic)
    assert set(copies) == danger
    assert set(copies.values()) <= {45 // len(danger), -(-45 // len(danger))}
    originals = _originals(records)
    members = {
        fp: ex
        for fp, ex in originals.items()
        if ex.features.feature['label'].int64_list.value[0] == 1
    }
    _check_partners_and_segments(out['b1'], originals, _sklearn_neighbours(members, 3))


def test_danger_rule_and_variant_options():
    assert [in_danger(other, 6) for other in range(7)] == [False] * 3 + [True] * 3 + [False]
    for options, message in (
        ({'variant': 'adasyn'}, "'variant' must be None .* or 'borderline-1', got 'adasyn'"),
        ({'variant': 'borderline-1', 'm': 0}, "augmentation_options 'm' must be an int >= 1"),
    ):
        with pytest.raises(ConfigError, match=message):
            AugmentConfig('label', augmentation='smote', options=options).validate()


def test_a_grown_class_above_exact_limit_is_a_documented_data_error_for_borderline():
    from tests.support.errors import documented_errors
    from tfx_balance.core.balanced_augmenter.plan import AUGMENT, ClassRebalance
    from tfx_balance.core.balanced_augmenter.smote import SmoteOptions, danger_sources
    from tfx_balance.core.common.errors import DataError

    classes = {b'rare': ClassRebalance(b'rare', 20, 30, 30, AUGMENT)}
    options = SmoteOptions.from_dict({'variant': 'borderline-1', 'exact_limit': 10, 'k': 3})
    with pytest.raises(DataError) as info:
        danger_sources({b'rare': []}, classes, options, "split 'train'")
    message = str(info.value)
    assert "split 'train', class 'rare' has 20 examples" in message
    assert "Raise augmentation_options 'exact_limit' above 19" in message
    assert any(re.search(p, message) for p in documented_errors()), message
