"""The properties scikit-learn's own split tests assert, on StratifiedSplit, with their data.

Ported from ``sklearn/model_selection/tests/test_split.py`` (StratifiedKFold, GroupKFold,
StratifiedGroupKFold, StratifiedShuffleSplit, ``train_test_split``): fold sizes that differ by at
most 1, class ratios within 0.02, members independent of the labels' names, a group in one fold
and no fold empty, class shares at least as close to the data's as StratifiedGroupKFold's. Where a
test pins scikit-learn's own rounding (``ceil(test_size * n)``) or random draws, the property it
stands for is checked (within 1 of the share). scikit-learn is the oracle where it is compared.
"""

import collections
import itertools

import apache_beam as beam
import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from tests.support.examples import example
from tests.support.rule import assert_exact_both_ways
from tfx_balance.core.split import exact
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

_SPLITS = {}  # row -> split, filled by the in-process runner


def _keep(pairs, key):
    _SPLITS[key] = dict(pairs)


def split_rows(labels, groups=None, seed=0, **config):
    """The split name of each row (``labels[i]``, ``groups[i]``), as StratifiedSplit puts it."""
    records = [
        example(label=label, row=i, **({} if groups is None else {'g': int(groups[i])}))
        for i, label in enumerate(labels)
    ]
    row_of = {r: i for i, r in enumerate(records)}
    key = object()
    with beam.Pipeline() as p:
        out = SplitOutputs(
            p
            | StratifiedSplit(
                lambda: beam.Create(records, reshuffle=False),
                label_feature='label',
                group_feature=None if groups is None else 'g',
                seed=seed,
                **config,
            )
        )
        tagged = [
            pcoll | f'Tag[{name}]' >> beam.Map(lambda r, n=name: (row_of[r], n))
            for name, pcoll in out.records.items()
        ]
        _ = (
            tagged
            | beam.Flatten()
            | beam.combiners.ToList()
            | beam.Map(_keep, id(key))
        )  # fmt: skip
    found = _SPLITS.pop(id(key))
    assert sorted(found) == list(range(len(labels)))  # a partition
    return [found[i] for i in range(len(labels))]


def folds_of(names, k):
    """Row indexes per fold, fold-0 first."""
    return [[i for i, n in enumerate(names) if n == f'fold-{j}'] for j in range(k)]


def table(labels, names):
    """``{class: {split: count}}``."""
    out = collections.defaultdict(collections.Counter)
    for label, name in zip(labels, names):
        out[label][name] += 1
    return out


# test_stratified_kfold_ratios' data: 1,000 rows, classes of 10%, 89% and 1%
RATIOS_Y = [4] * 100 + [0] * 890 + [1] * 10


@pytest.mark.parametrize('grouped', [False, True], ids=['StratifiedKFold', 'StratifiedGroupKFold'])
@pytest.mark.parametrize('k', [4, 5, 6, 7, 8, 9, 10])
def test_fold_sizes_differ_by_at_most_one_and_keep_the_class_ratios(k, grouped):
    y = np.array(RATIOS_Y)
    groups = np.arange(len(y)) if grouped else None  # one row per group: perfect is possible
    names = split_rows(y.tolist(), groups, folds=k)
    distr = np.bincount(y) / len(y)
    sizes = []
    for test in folds_of(names, k):
        train = np.setdiff1d(np.arange(len(y)), test)
        np.testing.assert_allclose(np.bincount(y[test], minlength=5) / len(test), distr, atol=0.02)
        np.testing.assert_allclose(
            np.bincount(y[train], minlength=5) / len(train), distr, atol=0.02
        )
        sizes.append(len(test))
    assert np.ptp(sizes) <= 1 and sum(sizes) == len(y)


def test_the_issues_thousand_rows_of_three_classes_give_eight_folds_of_125():
    y = np.random.RandomState(0).choice(3, 1000).tolist()
    names = split_rows(y, folds=8)
    assert collections.Counter(names) == {f'fold-{j}': 125 for j in range(8)}
    assert_exact_both_ways(table(y, names), dict.fromkeys(sorted(set(names)), 1))


@pytest.mark.parametrize('k', [4, 7])
def test_members_do_not_depend_on_the_labels_names_or_types(k):
    # test_stratified_kfold_label_invariance: the same folds for every permutation of the labels;
    # and labels spelt '1', '2', '3' give the folds of 1, 2, 3.
    y = [2] * 10 + [0] * 89 + [1] * 1
    base = split_rows(y, folds=k)
    for perm in itertools.permutations([0, 1, 2]):
        assert split_rows([perm[v] for v in y], folds=k) == base, perm
    assert split_rows([str(v + 1) for v in y], folds=k) == split_rows([v + 1 for v in y], folds=k)


def test_test_size_is_exact_where_the_share_is_whole_and_within_one_elsewhere():
    # test_stratified_shuffle_split_respects_test_size: 5 test rows of 15
    y = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2]
    assert collections.Counter(split_rows(y, splits={'train': 10, 'test': 5}))['test'] == 5
    # test_stratified_shuffle_split_iter's labels, test_size=0.33 (scikit-learn: ceil(0.33 n))
    ys = [
        [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
        [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2] * 2,
        [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4],
        [-1] * 800 + [1] * 50,
        [i for i in range(11) for _ in range(100 + i)],
        ['1', '1', '1', '1', '2', '2', '2', '3', '3', '3', '3', '3'],
    ]
    for y in ys:
        names = split_rows(y, splits={'train': 0.67, 'test': 0.33})
        test = [label for label, n in zip(y, names) if n == 'test']
        train = [label for label, n in zip(y, names) if n == 'train']
        assert abs(len(test) - 0.33 * len(y)) < 1, (len(test), len(y))
        assert set(train) == set(test)  # every class on both sides
        p_train = np.array([train.count(c) for c in sorted(set(y))]) / len(train)
        p_test = np.array([test.count(c) for c in sorted(set(y))]) / len(test)
        np.testing.assert_array_almost_equal(p_train, p_test, 1)


def test_group_kfold_sizes_within_five_percent_and_each_group_in_one_fold():
    # test_group_kfold: 15 groups of 1,000 rows in 5 folds, 5% tolerance
    rng = np.random.RandomState(0)
    groups = rng.randint(0, 15, 1000)
    names = split_rows([1] * 1000, groups, folds=5)
    for fold in folds_of(names, 5):
        assert abs(len(fold) - 200) <= 50
    for g in np.unique(groups):
        assert len({names[i] for i in np.flatnonzero(groups == g)}) == 1


@pytest.mark.parametrize(
    'sizes',
    [
        [208, 200, 193, 201, 198],
        [400, 200, 100, 80, 60, 50, 40, 30, 20, 10, 5, 5],
        [600, 3, 2, 1, 1],
    ],
    ids=['five-of-200', 'zipf', 'one-giant'],
)
def test_few_large_groups_leave_no_fold_empty_and_are_as_even_as_group_kfold(sizes):
    rng = np.random.RandomState(1)
    groups = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.choice(3, len(groups)).tolist()
    names = split_rows(y, groups, folds=5)
    ours = [len(f) for f in folds_of(names, 5)]
    theirs = [len(test) for _, test in GroupKFold(5).split(groups, y, groups)]
    assert min(ours) > 0
    assert np.ptp(ours) <= np.ptp(theirs), (ours, theirs)


def test_fewer_groups_than_folds_each_group_gets_its_own_fold():
    groups = np.repeat([0, 1, 2], [50, 30, 20])
    names = split_rows([0] * 100, groups, folds=5)
    assert sorted(collections.Counter(names).values()) == [20, 30, 50]


def _max_share_error(y, names, k):
    distr = np.bincount(y) / len(y)
    return max(
        np.abs(np.bincount(np.asarray(y)[f], minlength=len(distr)) / len(f) - distr).max()
        for f in folds_of(names, k)
    )


def _sklearn_max_share_error(y, groups, k):
    y = np.asarray(y)
    distr = np.bincount(y) / len(y)
    return max(
        np.abs(np.bincount(y[test], minlength=len(distr)) / len(test) - distr).max()
        for _, test in StratifiedGroupKFold(k).split(y, y, groups)
    )


@pytest.mark.parametrize(
    'y, groups',
    [
        ([1] * 6 + [0] * 12, [1, 2, 3, 4, 5, 6, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]),  # trivial
        ([1] * 6 + [0] * 12, [1, 2, 3, 3, 4, 4, 1, 1, 2, 2, 3, 4, 5, 5, 5, 6, 6, 6]),  # approx.
        ([0] * 6 + [1] * 6, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]),  # homogeneous groups
        ([0] * 9 + [1] * 3, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6]),
    ],
    ids=['trivial', 'approximate', 'homogeneous-1', 'homogeneous-2'],
)
def test_group_folds_keep_class_shares_as_close_as_stratified_group_kfold(y, groups):
    groups = np.asarray(groups)
    names = split_rows(y, groups, folds=3)
    for g in np.unique(groups):
        assert len({names[i] for i in np.flatnonzero(groups == g)}) == 1
    sizes = [len(f) for f in folds_of(names, 3)]
    assert np.ptp(sizes) <= 1
    assert _max_share_error(y, names, 3) <= _sklearn_max_share_error(y, groups, 3) + 1e-9


@pytest.mark.parametrize('cls_distr', [(0.4, 0.6), (0.2, 0.8)])
@pytest.mark.parametrize('n_groups', [5, 30, 70])
def test_group_folds_are_stratified_at_least_as_well_as_stratified_group_kfold(cls_distr, n_groups):
    # test_stratified_group_kfold_against_group_kfold's data and measure (mean relative entropy
    # of the test folds' class shares), against StratifiedGroupKFold itself
    rng = np.random.RandomState(0)
    y = rng.choice(2, size=1000, p=cls_distr)
    groups = rng.choice(n_groups, 1000)
    names = split_rows(y.tolist(), groups, folds=5)
    ours = np.mean(
        [
            stats.entropy(np.bincount(y[f], minlength=2) / len(f), qk=cls_distr)
            for f in folds_of(names, 5)
        ]
    )
    theirs = np.mean(
        [
            stats.entropy(np.bincount(y[test], minlength=2) / len(test), qk=cls_distr)
            for _, test in StratifiedGroupKFold(5).split(y, y, groups)
        ]
    )
    assert ours <= theirs + 1e-9, (ours, theirs)


def test_a_thousand_rare_classes_stay_exact_both_ways_and_fill_every_fold():
    # 1,200 classes of 1-3 rows beside a class of 2,000: every class in min(n, 5) folds, every
    # count within 1 of its share, every fold within 1 of a fifth.
    rng = np.random.RandomState(3)
    y = [0] * 2000 + [c for c in range(1, 1201) for _ in range(rng.randint(1, 4))]
    names = split_rows(y, folds=5)
    counts = table(y, names)
    assert_exact_both_ways(counts, {f'fold-{j}': 1 for j in range(5)})
    assert all(len(+row) == min(sum(row.values()), 5) for row in counts.values())


@pytest.mark.parametrize('few', [1000, 0], ids=['placed-one-by-one', 'ranked'])
def test_groups_of_tied_classes_do_not_depend_on_the_labels_names(few, monkeypatch):
    # Groups of two examples of two classes: the class a group counts for is the one of its
    # least inputs, not the least label, so renaming the labels moves no group (all groups
    # placed one by one, or all ranked by hash within their class).
    monkeypatch.setattr(exact, 'FEW_GROUPS', few)
    y = [i % 3 for i in range(300)]
    groups = np.arange(300) // 2
    base = split_rows(y, groups, folds=4)
    assert split_rows([(v + 1) % 3 for v in y], groups, folds=4) == base
    assert split_rows([f'c{v}' for v in y], groups, folds=4) == base
