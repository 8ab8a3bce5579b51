"""Per-class float statistics (core/balanced_augmenter/float_stats.py): float values read by template
are the parsed ones (records of another layout are left to be parsed); the statistics are exact,
and over finite values only."""

import dataclasses
import math

import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter.float_stats import (
    FeatureStats,
    feature_stats,
    float_offsets,
    merge_stats,
    scan_floats,
    stats_row,
)

from .test_floats import odd_example

NAN, INF = math.nan, math.inf


def _stats(values):
    return feature_stats(stats_row(np.array(values, np.float32)))


@pytest.mark.parametrize('size', [7, 100], ids=['loop', 'vectorised'])
def test_statistics_are_those_of_the_finite_values_and_count_nan_and_inf(size):
    finite = np.linspace(-3.0, 5.0, size).astype(np.float32)
    values = finite.copy()
    values[[1, 3]] = NAN
    values[2] = INF
    values[4] = -INF
    kept = np.delete(finite, [1, 2, 3, 4])
    expected = dataclasses.replace(_stats(kept), nan=2, posinf=1, neginf=1)
    got = _stats(values)
    assert got == expected
    assert math.isfinite(got.std) and got.std > 0
    assert (got.min, got.max) == (float(kept.min()), float(kept.max()))
    assert got.nonfinite == 4


def test_merging_a_part_with_nan_gives_the_same_statistics_in_either_order():
    with_nan = stats_row(np.array([NAN, 9.0, -INF], np.float32))
    only_nan = stats_row(np.array([NAN, NAN], np.float32))
    finite = stats_row(np.array([1.0, 2.0, 4.0], np.float32))
    expected = dataclasses.replace(_stats([1.0, 2.0, 4.0, 9.0]), nan=3, neginf=1)
    for parts in ([with_nan, only_nan, finite], [finite, only_nan, with_nan]):
        row = parts[0]
        for part in parts[1:]:
            row = merge_stats(row, part)
        assert feature_stats(row) == expected


def test_a_feature_without_any_finite_value_has_no_statistics():
    assert _stats([NAN, INF, -INF]) is None
    parts = [stats_row(np.array([v], np.float32)) for v in (NAN, INF)]
    assert feature_stats(merge_stats(*parts)) is None


def test_finite_values_give_the_statistics_they_always_gave():
    assert _stats([1.0, 3.0, 5.0]) == FeatureStats(1.0, 5.0, 1.632993161855452)
    assert _stats([2.5]) == FeatureStats(2.5, 2.5, 0.0)


def _parsed(record):
    features = example_pb2.Example.FromString(record).features.feature
    return {n: list(f.float_list.value) for n, f in features.items() if f.float_list.value}


def test_scanned_values_are_the_parsed_values_and_odd_records_are_left_out():
    rng = np.random.default_rng(0)
    records = []
    for i in range(40):
        ex = odd_example() if i % 5 == 0 else example_pb2.Example()
        for f in range(3):
            ex.features.feature[f'f{f}'].float_list.value[:] = rng.normal(size=f + 1).tolist()
        ex.features.feature['f1'].float_list.value[0] = [np.nan, np.inf, -0.0, 1e-45][i % 4]
        ex.features.feature['label'].int64_list.value[:] = [i % 3]
        records.append(ex.SerializeToString(deterministic=True))
    unpacked = b'\n\x0e\n\x0c\n\x01u\x12\x07\x12\x05\r\x00\x00\x80?'  # u: [1.0], one value unpacked
    assert _parsed(unpacked) == {'u': [1.0]} and float_offsets(unpacked) is None
    merged = records[1] + records[1]  # the features field twice: protobuf merges them
    records += [unpacked, merged, b'']
    found, rest = scan_floats(records)
    assert rest == [40, 41]  # not the plain layout: parsed by the caller
    seen = {}
    for name, positions, values in found:
        for position, row in zip(positions.tolist(), values):
            assert name not in seen.setdefault(position, {})
            seen[position][name] = row.tolist()
    for i, record in enumerate(records):
        if i not in rest:
            expected = _parsed(record)
            got = seen.get(i, {})
            assert sorted(got) == sorted(expected)
            for name, values in expected.items():
                np.testing.assert_array_equal(np.float32(got[name]), np.float32(values))
