"""core.split.label_bins and StratifiedSplit with label bins: edges by the documented rank rule (exact,
or within the coarsening bound), the same for any input order and merge tree, ties in one bin,
NaN/inf/bytes labels named, and per-bin counts by the rule in splits and folds."""

import re

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from tests.support.examples import example
from tests.support.rule import assert_exact_both_ways, rule_table
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.hashing import example_key, fingerprint
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import (
    QuantileSketch,
    SketchLabels,
    bin_names,
    bin_of,
    key_values,
    order_keys,
    quantile_edges,
    read_label_values,
)
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

LOGNORMAL = np.random.default_rng(0).lognormal(0.0, 1.5, 3000).astype(np.float32).astype(float)


def rank_rule_edges(values, bins):
    """The documented edges, independently: sorted value at rank floor(j n / N), repeats and the
    minimum dropped."""
    ordered = sorted(values)
    edges = []
    for j in range(1, bins):
        value = ordered[j * len(ordered) // bins]
        if value > ordered[0] and value not in edges:
            edges.append(value)
    return tuple(edges)


def combine(fn, chunks, tree):
    """Runs the CombineFn like a runner: one accumulator per chunk, merged in ``tree`` order."""
    accs = []
    for chunk in chunks:
        acc = fn.create_accumulator()
        for batch in np.array_split(chunk, 3):
            acc = fn.add_input(acc, batch)
        accs.append(acc)
    while len(accs) > 1:
        i = tree % (len(accs) - 1)
        accs[i : i + 2] = [fn.merge_accumulators(accs[i : i + 2])]
    return fn.extract_output(accs[0])


def test_order_keys_sort_like_the_values_and_map_back():
    values = np.array([-np.inf, -3.5, -1e-300, -0.0, 0.0, 1e-300, 2.0, np.inf])
    keys = order_keys(values)
    assert (np.diff(keys.astype(object)) >= 0).all() and keys[3] == keys[4]
    assert np.array_equal(key_values(keys), values + 0.0)


def test_exact_edges_follow_the_rank_rule_and_ties_share_a_bin():
    edges = quantile_edges(QuantileSketch.of(LOGNORMAL), 10)
    assert edges.exact and edges.edges == rank_rule_edges(LOGNORMAL, 10) and len(edges.edges) == 9
    counts = np.bincount(bin_of(LOGNORMAL, edges.edges))
    assert counts.tolist() == [300] * 10  # no ties in this sample: n / N per bin
    tied = np.array([0.0] * 50 + [1.0] * 30 + [2.0] * 10 + [3.0] * 10)
    edges = quantile_edges(QuantileSketch.of(tied), 4)
    # ranks 25, 50, 75 hold 0, 1, 1: edge 0 is the minimum (dropped), 1 repeats.
    assert edges.edges == (1.0,) and np.bincount(bin_of(tied, edges.edges)).tolist() == [50, 50]
    assert bin_names(edges.edges) == ['< 1', '>= 1']


def test_an_edge_taken_from_float_labels_is_named_by_its_shortest_decimal():
    labels = np.array([0.1, 0.3, 0.3, 2000.3], np.float32).astype(np.float64)  # as read
    edges = quantile_edges(QuantileSketch.of(labels), 2)
    assert edges.edges == (float(np.float32(0.3)),)  # the value itself, 0.30000001192092896
    assert bin_names(edges.edges) == ['< 0.3', '>= 0.3']
    assert bin_names((0.1, 16777217.0)) == ['< 0.1', '[0.1, 16777217)', '>= 16777217']


@pytest.mark.parametrize('max_buckets', [65536, 64])
def test_the_sketch_is_the_same_for_any_order_sharding_and_merge_tree(max_buckets):
    fn = SketchLabels(max_buckets)
    rng = np.random.default_rng(1)
    results = []
    for trial in range(4):
        values = rng.permutation(LOGNORMAL)
        chunks = np.array_split(values, [1, 5, 7][trial % 3] + trial)
        results.append(combine(fn, chunks, tree=trial))
    first = results[0]
    for other in results[1:]:
        assert other.shift == first.shift
        assert np.array_equal(other.keys, first.keys) and np.array_equal(other.counts, first.counts)
    assert (first.shift == 0) == (max_buckets == 65536)


def test_coarsened_edges_are_data_values_within_the_documented_bound():
    sketch = QuantileSketch.of(LOGNORMAL, max_buckets=64)
    edges = quantile_edges(sketch, 10)
    assert not edges.exact and edges.coarsened_bits == sketch.shift > 0
    exact = rank_rule_edges(LOGNORMAL, 10)
    assert len(edges.edges) == len(exact)
    bound = 2.0 ** (sketch.shift - 52)
    for got, want in zip(edges.edges, exact):
        assert got in set(LOGNORMAL)
        assert abs(got - want) <= bound * want


def _labelled(values):
    return [example(y=v, x=float(i)) for i, v in enumerate(values)]


def test_label_values_are_read_for_float_and_int_labels():
    assert read_label_values(_labelled([1.5, -2.0]), 'y').tolist() == [1.5, -2.0]
    assert read_label_values(_labelled([3, 7]), 'y').tolist() == [3.0, 7.0]


@pytest.mark.parametrize(
    'bad, fragment',
    [
        (example(y=float('nan')), "label_feature 'y' in split 'train' is nan in an example"),
        (example(y=float('inf')), "label_feature 'y' in split 'train' is inf in an example"),
        (example(y='cash'), "'y' in split 'train' is a bytes (string) feature in an example"),
        (example(y=[1.0, 2.0]), "'y' in split 'train' has 2 values in an example"),
        (example(x=1.0), "label_feature 'y' not found in an example in split 'train'"),
    ],
)
def test_bad_numeric_labels_are_data_errors_naming_the_example(bad, fragment):
    from tests.support.errors import documented_errors

    with pytest.raises(DataError) as info:
        read_label_values(_labelled([1.0, 2.0]) + [bad], 'y', "split 'train'")
    message = str(info.value)
    assert fragment in message and fingerprint(example_key(bad)) in message
    assert any(re.search(p, message) for p in documented_errors()), message


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (dict(label_bins=4, label_bin_edges=[1.0]), 'label_bins=4 and label_bin_edges=[1.0] are'),
        (dict(label_bins=1), 'label_bins is 1; it must be 2 to 1000'),
        (dict(label_bins='4'), "label_bins must be an integer >= 2, got '4'"),
        (dict(label_bin_edges=[]), 'label_bin_edges must be a non-empty list'),
        (dict(label_bin_edges=[1.0, float('nan')]), 'label_bin_edges must hold finite numbers'),
        (dict(label_bin_edges=[2.0, 1.0]), 'label_bin_edges must be strictly increasing'),
    ],
)
def test_bin_arguments_are_config_errors_naming_the_argument(kwargs, message):
    from tests.support.errors import documented_errors

    with pytest.raises(ConfigError) as info:
        StratifiedSplitConfig('y', **kwargs).validate()
    assert message in str(info.value)
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


def _split(records, config, check):
    with beam.Pipeline() as p:
        out = SplitOutputs(
            p | StratifiedSplit(lambda: beam.Create(records, reshuffle=False), config=config)
        )
        check(out)


@pytest.mark.parametrize('folds', [None, 3])
def test_label_bins_stratify_a_skewed_target_by_the_rule_in_splits_and_folds(folds):
    values = LOGNORMAL[:1000]
    records = _labelled(values.tolist())
    splits = None if folds else {'train': 8, 'eval': 1, 'test': 1}
    config = StratifiedSplitConfig('y', splits=splits, folds=folds, label_bins=5, seed=2).validate()
    edges = rank_rule_edges(values, 5)
    per_bin = np.bincount(bin_of(values, edges)).tolist()
    assert per_bin == [200] * 5
    table = rule_table(
        records, bin_of(values, edges).tolist(), config.splits.values(), seed=2, label_feature='y'
    )
    counts = {str(b): dict(zip(config.splits, table[b])) for b in range(len(per_bin))}
    assert_exact_both_ways(counts, config.splits)
    bins = {
        'label_feature': 'y', 'edges': list(edges), 'bins': bin_names(edges),
        'requested_bins': 5, 'exact': True, 'coarsened_bits': 0,
    }  # fmt: skip
    report = {'counts': counts, 'label_bins': bins}
    if folds:
        report.update(folds=['fold-0', 'fold-1', 'fold-2'], holdout={})
    bin_of_record = dict(zip(records, bin_of(values, edges).tolist()))

    def check(out):
        assert_that(out.report, equal_to([report]), label='Report')
        for name in config.splits:
            per_record_bin = out.records[name] | f'Bin[{name}]' >> beam.Map(bin_of_record.get)
            want = [b for b, row in enumerate(counts.values()) for _ in range(row[name])]
            assert_that(per_record_bin, equal_to(want), label=f'Bins[{name}]')

    _split(records, config, check)


def test_given_edges_keep_empty_bins_in_the_report():
    records = _labelled([0.5, 1.5, 2.5, 2.5, 9.0, 9.5])
    config = StratifiedSplitConfig(
        'y', splits={'a': 1, 'b': 1}, label_bin_edges=[1, 3, 5]
    ).validate()  # fmt: skip
    # 6 examples in two equal splits: 3 each (bin 0's one example in 'b', so bin 1's extra in 'a')
    counts = {'0': {'a': 0, 'b': 1}, '1': {'a': 2, 'b': 1}, '2': {'a': 0, 'b': 0}}
    counts['3'] = {'a': 1, 'b': 1}
    bins = {
        'label_feature': 'y', 'edges': [1.0, 3.0, 5.0], 'bins': ['< 1', '[1, 3)', '[3, 5)', '>= 5'],
        'requested_bins': None, 'exact': True, 'coarsened_bits': 0,
    }  # fmt: skip
    _split(
        records,
        config,
        lambda out: assert_that(out.report, equal_to([{'counts': counts, 'label_bins': bins}])),
    )


def test_label_bins_with_groups_keep_every_group_in_one_split():
    values = LOGNORMAL[:240].tolist()
    records = [example(y=v, user=f'u{i % 19}', x=float(i)) for i, v in enumerate(values)]
    group_of = {r: f'u{i % 19}' for i, r in enumerate(records)}
    config = StratifiedSplitConfig(
        'y', splits={'a': 1, 'b': 1}, label_bins=3, group_feature='user'
    ).validate()  # fmt: skip

    def check(out):
        a = out.records['a'] | 'GroupsA' >> beam.Map(group_of.get)
        b = out.records['b'] | 'GroupsB' >> beam.Map(group_of.get)
        everything = (out.records['a'], out.records['b']) | beam.Flatten()
        assert_that(everything, equal_to(records), label='Partition')

        def disjoint(groups):
            in_a, in_b = set(groups[0]), set(groups[1])
            assert not in_a & in_b and in_a | in_b == set(group_of.values()), (in_a, in_b)

        both = (
            (a | 'ListA' >> beam.combiners.ToList(), b | 'ListB' >> beam.combiners.ToList())
            | 'Both' >> beam.Flatten()
            | 'Pair' >> beam.combiners.ToList()
            | 'Order' >> beam.Map(lambda lists: sorted(lists, key=len))
        )
        assert_that(both, lambda items: disjoint(items[0]), label='Disjoint')

    _split(records, config, check)
