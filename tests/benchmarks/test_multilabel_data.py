"""The multi-label benchmark workloads: valid tf.Examples holding the drawn label sets, the same
bytes for the same seed, the stated label shares and co-occurrence, and the floor's split."""

import glob
import hashlib
import os

import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from benchmarks.common import floor
from benchmarks.common import multilabel_data as data
from tfx_balance.core.common.records import read_file_batches


def _records(path):
    files = sorted(glob.glob(os.path.join(path, 'Split-train', '*')))
    return [record for f in files for batch in read_file_batches(f) for record in batch]


def _digests(path):
    files = sorted(glob.glob(os.path.join(path, 'Split-train', '*')))
    files.append(os.path.join(path, data.LABELS_FILE))
    return [hashlib.sha256(open(f, 'rb').read()).hexdigest() for f in files]


@pytest.mark.parametrize('encoding', data.ENCODINGS)
def test_every_record_is_a_valid_example_with_its_drawn_label_set(tmp_path, encoding):
    path = data.workload('correlated', encoding, 1_500, work_dir=str(tmp_path))
    y = data.dense_labels(data.load_labels(path))
    records = _records(path)
    assert len(records) == 1_500 == len(y)
    for record, labels in zip(records, y):
        feature = example_pb2.Example.FromString(record).features.feature
        assert sorted(feature) == sorted([*[f'f{i:02d}' for i in range(20)], 'labels'])
        assert all(len(feature[f'f{i:02d}'].float_list.value) == 1 for i in range(20))
        values = list(feature['labels'].int64_list.value)
        if encoding == 'multi_hot':
            assert values == labels.astype(int).tolist()
        else:
            assert values == np.flatnonzero(labels).tolist()  # ascending ids; [] = no label
    assert (y.sum(axis=1) == 0).any() and y.sum(axis=1).max() >= 6


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    first = data.workload('independent', 'ids', 3_000, work_dir=str(tmp_path / 'a'))
    again = data.workload('independent', 'ids', 3_000, work_dir=str(tmp_path / 'b'))
    other = data.workload('independent', 'ids', 3_000, seed=1, work_dir=str(tmp_path / 'c'))
    assert _digests(first) == _digests(again)
    assert _digests(first)[0] != _digests(other)[0]


def test_label_shares_are_zipf_like_with_three_labels_per_example():
    p = data.label_shares()
    assert len(p) == 100 and abs(p.sum() - 3.0) < 1e-12
    assert np.allclose(p * np.arange(1, 101), p[0]) and round(p[0], 3) == 0.578


@pytest.mark.parametrize('kind', data.KINDS)
def test_both_kinds_keep_every_label_share(kind):
    y = data.draw_labels(kind, 200_000, np.random.default_rng(0))
    shares, p = y.mean(axis=0), data.label_shares()
    assert np.all(np.abs(shares - p) <= 4 * np.sqrt(p * (1 - p) / len(y)))
    assert abs(y.sum(axis=1).mean() - 3.0) < 0.02


def test_correlated_labels_co_occur_within_their_cluster_only():
    rng = np.random.default_rng(0)
    y = data.draw_labels('correlated', 200_000, rng).astype(float)
    independent = data.draw_labels('independent', 200_000, rng).astype(float)

    def lift(m, a, b):
        return (m[:, a] * m[:, b]).mean() / (m[:, a].mean() * m[:, b].mean())

    p = data.label_shares()
    # Labels 9 and 19 share cluster 9 (head share p_9): together 1 / p_9 = 17x more often.
    assert abs(lift(y, 9, 19) - 1 / p[9]) < 1.5
    assert abs(lift(y, 0, 10) - 1 / p[0]) < 0.05
    assert abs(lift(y, 9, 18) - 1) < 0.1  # clusters 9 and 8: independent
    assert abs(lift(independent, 9, 19) - 1) < 0.2
    # A cluster's labels never occur without its head label.
    assert not np.any((y[:, 19] == 1) & (y[:, 9] == 0))


def test_random_split_is_the_floors_hash_partition_of_each_record(tmp_path):
    path = data.workload('independent', 'ids', 1_000, work_dir=str(tmp_path))
    expected = [floor.floor_partition(r, 3) for r in _records(path)]
    assert data.load_labels(path)['random_split'].tolist() == expected
    counts, sizes = data.counts_by_split(
        data.load_labels(path), np.array(expected), ['train', 'eval', 'test']
    )
    y = data.dense_labels(data.load_labels(path))
    assert sizes == {s: expected.count(i) for i, s in enumerate(['train', 'eval', 'test'])}
    assert counts['eval'] == {
        j: int(c) for j, c in enumerate(y[np.array(expected) == 1].sum(axis=0)) if c
    }
