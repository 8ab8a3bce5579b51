"""'numeric' and 'interpolate' (core/augment/floats.py): vectorised copies equal per-copy jitter."""

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.augment import floats
from tfx_balance.core.augment.float_stats import FeatureStats
from tfx_balance.core.augment.provenance import Provenance, set_provenance
from tfx_balance.core.hashing import example_rng


def odd_example():
    """Float features with and without statistics, empty and kindless features, a 200-character
    name (two-byte lengths), negative ints and bytes values."""
    ex = example_pb2.Example()
    f = ex.features.feature
    f['b'].float_list.value[:] = [1.5, -2.0, 3.25]
    f['a'].float_list.value[:] = [0.5]
    f['z' * 200].float_list.value[:] = np.linspace(-1, 1, 50).tolist()
    f['empty'].float_list.value[:] = []
    f['no_stats'].float_list.value[:] = [7.0]
    f['label'].int64_list.value[:] = [-3]
    f['tag'].bytes_list.value[:] = [b'x' * 300, b'']
    f['kindless'].Clear()
    return ex


ODD_STATS = {
    'a': FeatureStats(0.0, 1.0, 0.3),
    'b': FeatureStats(-2.0, 3.0, 1.2),
    'z' * 200: FeatureStats(-0.9, 0.9, 0.5),
    'empty': FeatureStats(0.0, 1.0, 1.0),
}


def test_numeric_copies_are_successive_jitter_calls_serialized_deterministically():
    source = odd_example()
    label_only = example_pb2.Example()
    label_only.features.feature['label'].int64_list.value[:] = [1]  # nothing to jitter
    provenance = Provenance('is_synthetic', 'source_fingerprint')
    extra = provenance.synthetic_features('0123456789abcdef')

    def reference(example, fp, copies):
        rng, out = example_rng(4, fp), []
        for _ in range(copies):
            copy = example_pb2.Example()
            copy.CopyFrom(example)
            floats.jitter(copy, ODD_STATS, rng, 0.1)
            out.append(
                set_provenance(copy, 'is_synthetic', True, 'source_fingerprint', '0123456789abcdef')
            )
        return out

    # 6,000 copies of 54 values take several vectorised steps.
    plan = [(source, 'a', 3), (label_only, 'b', 2), (source, 'c', 6000), (source, 'd', 1)]
    made = list(
        floats.jitter_copies(
            (
                floats.JitterSource(ex, ODD_STATS, example_rng(4, fp), n, extra)
                for ex, fp, n in plan
            ),
            0.1,
        )
    )
    expected = [r for ex, fp, n in plan for r in reference(ex, fp, n)]
    assert made == expected  # byte for byte
    assert len(set(made[:3] + made[5:])) == 3 + 6001  # every jittered copy differs


def test_interpolate_copies_are_per_copy_interpolate_calls_serialized_deterministically():
    source = odd_example()
    fp = '0123456789abcdef'
    extra = Provenance('is_synthetic', 'source_fingerprint').synthetic_features(fp)
    partners = [
        {'a': np.array([0.25], np.float32), 'b': np.array([3.0, 3.0, -2.0], np.float32)},
        {'b': np.array([1.0, 2.0], np.float32)},  # other length: 'b' copied
        {'z' * 200: np.linspace(1, -1, 50).astype(np.float32), 'no_stats': np.ones(1, np.float32)},
    ]

    def reference(copies):
        out = []
        for j in range(copies):
            rng = example_rng(4, fp, j)
            copy = example_pb2.Example()
            copy.CopyFrom(source)
            partner = partners[int(rng.integers(len(partners)))]
            floats.interpolate(copy, partner, ODD_STATS, rng)
            out.append(set_provenance(copy, 'is_synthetic', True, 'source_fingerprint', fp))
        return out

    made = list(
        floats.interpolate_copies(
            floats.InterpolateSource(
                source, ODD_STATS, partners, [example_rng(4, fp, j) for j in range(40)], extra
            )
        )
    )
    assert made == reference(40)  # byte for byte
    assert len(set(made)) > 20  # partner 1 changes nothing: its copies are all alike
    label_only = example_pb2.Example()
    label_only.features.feature['label'].int64_list.value[:] = [1]  # nothing to interpolate
    source = label_only
    made = floats.interpolate_copies(
        floats.InterpolateSource(source, ODD_STATS, partners, [example_rng(4, fp, 0)], extra)
    )
    assert list(made) == reference(1)
