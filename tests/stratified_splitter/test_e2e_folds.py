"""StratifiedSplitter with folds (and label bins) under LocalDagRunner on the taxi CSV: the fold
splits in MLMD, exact per-class and per-bin counts by the rule, and a partition of the input."""

import collections
import csv
import os
from fractions import Fraction

import numpy as np
import pytest

from tests.core.split.test_label_bins import rank_rule_edges
from tests.support.rule import assert_exact_both_ways

pytestmark = pytest.mark.e2e

FOLD_SPLITS = ['test', 'fold-0', 'fold-1', 'fold-2', 'fold-3', 'fold-4']
TAXI_SIZES = {
    'Cash': 9909, 'Credit Card': 4975, 'No Charge': 81, 'Unknown': 29, 'Dispute': 4, 'Pcard': 3,
    'Prcard': 1,
}  # fmt: skip


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.local_dag import run_local
    from tfx_balance import StratifiedSplitter

    example_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)
    folds = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='payment_type',
        folds=5,
        holdout={'test': 0.1},
    ).with_id('folds')
    fare_bins = StratifiedSplitter(
        examples=example_gen.outputs['examples'], label_feature='fare', folds=3, label_bins=10
    ).with_id('fare_bins')
    root = str(tmp_path_factory.mktemp('splitter_folds_e2e'))
    return run_local('splitter-folds-e2e', root, [example_gen, folds, fare_bins])


def test_fold_splits_are_in_mlmd_and_counts_follow_the_rule(run):
    from tfx.types import artifact_utils

    from tests.support.artifacts import label_counts, read_json, read_split

    out = run.output('folds')
    artifact = run.mlmd_artifacts()[out]
    names = artifact_utils.decode_split_names(artifact.properties['split_names'].string_value)
    assert names == FOLD_SPLITS
    exact = [Fraction(1, 10)] + [Fraction(9, 50)] * 5
    report = read_json(os.path.join(out, 'split_counts.json'))
    expected = report['counts']
    assert report == {'counts': expected, 'folds': FOLD_SPLITS[1:], 'holdout': {'test': 0.1}}
    assert {c: sum(row.values()) for c, row in expected.items()} == TAXI_SIZES
    assert_exact_both_ways(expected, dict(zip(FOLD_SPLITS, exact)))
    splits = {s: read_split(out, s) for s in FOLD_SPLITS}
    for s, records in splits.items():
        measured = label_counts(records, 'payment_type')
        assert {c: measured.get(c, 0) for c in TAXI_SIZES} == {
            c: expected[c][s] for c in TAXI_SIZES
        }
    source = run.output('CsvExampleGen')
    inputs = collections.Counter(read_split(source, 'train') + read_split(source, 'eval'))
    assert collections.Counter(r for rs in splits.values() for r in rs) == inputs


def test_fare_bins_are_the_rank_rule_quantiles_and_each_bin_is_split_by_the_rule(run):
    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.artifacts import read_json

    with open(os.path.join(DATA_DIR, 'data.csv')) as f:
        fares = np.array([float(row['fare']) for row in csv.DictReader(f)], np.float32)
    fares = fares.astype(np.float64)  # a float feature is float32 in a tf.Example
    edges = rank_rule_edges(fares, 10)
    per_bin = np.bincount(np.searchsorted(edges, fares, side='right'))
    report = read_json(os.path.join(run.output('fare_bins'), 'split_counts.json'))
    assert report['label_bins']['edges'] == list(edges) and report['label_bins']['exact']
    assert len(edges) == 9 and per_bin.sum() == 15002
    folds = ['fold-0', 'fold-1', 'fold-2']
    assert {b: sum(row.values()) for b, row in report['counts'].items()} == {
        str(b): int(n) for b, n in enumerate(per_bin)
    }
    assert_exact_both_ways(report['counts'], dict.fromkeys(folds, 1))
