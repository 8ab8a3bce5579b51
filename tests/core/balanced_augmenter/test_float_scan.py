"""scan_floats (core/balanced_augmenter/float_scan.py): float values read by template are the parsed ones;
records of another layout are left to be parsed."""

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter.float_scan import float_offsets, scan_floats

from .test_floats import odd_example


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
