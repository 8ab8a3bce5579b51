"""benchmarks/dataset/workloads.py: the vectorised tf.Example encoder writes exactly what protobuf does."""

import numpy as np
from tensorflow.core.example import example_pb2

from benchmarks.dataset import workloads


def _protobuf(floats, ints, i):
    example = example_pb2.Example()
    for name, values in floats.items():
        example.features.feature[name].float_list.value.extend(values[i].tolist())
    for name, values in ints.items():
        example.features.feature[name].int64_list.value.append(int(values[i]))
    return example


def test_encoded_examples_are_the_bytes_of_protobufs_deterministic_serialization():
    rng = np.random.default_rng(0)
    n = 300
    floats = {'pixels': rng.normal(size=(n, 64)).astype(np.float32)}
    floats.update({f'f{j:02d}': rng.normal(size=(n, 1)).astype(np.float32) for j in range(3)})
    # Labels with 1-, 2- and 3-byte varints, ids with 1 byte, zeros included.
    ints = {
        'label': rng.choice([0, 5, 127, 128, 9_999, 16_383, 16_384, 2_000_000], size=n),
        'company': rng.integers(0, 21, size=n),
    }
    records = workloads.encode_examples(floats, ints)
    assert len(records) == n
    for i, record in enumerate(records):
        expected = _protobuf(floats, ints, i)
        assert example_pb2.Example.FromString(record) == expected
        assert record == expected.SerializeToString(deterministic=True)


def test_generated_workload_has_the_planned_class_sizes(tmp_path):
    import tensorflow as tf

    w = workloads.Workload('t', 1_000, 300, 1_024, (('f00', 1), ('v', 3)), (('id', 24),))
    w = workloads.dataclasses.replace(w, sizes='zipf', shards=3)
    workloads._generate(w, str(tmp_path))
    files = sorted(str(p) for p in tmp_path.iterdir())
    assert len(files) == 3
    labels = [
        example_pb2.Example.FromString(r.numpy()).features.feature['label'].int64_list.value[0]
        for r in tf.data.TFRecordDataset(files, 'GZIP')
    ]
    assert np.bincount(labels, minlength=300).tolist() == workloads.zipf_counts(1_000, 300)
