"""'numeric' and 'interpolate' (core/balanced_augmenter/floats.py): vectorised copies equal per-copy jitter;
interpolate_many's copies of many sources, computed together, are byte for byte those of
interpolate_copies one source at a time."""

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import floats
from tfx_balance.core.balanced_augmenter.float_stats import FeatureStats
from tfx_balance.core.balanced_augmenter.provenance import Provenance, set_provenance
from tfx_balance.core.common.hashing import example_rng, fingerprint


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


# --- Non-finite values (NaN, +inf, -inf): they stay where they are and spread nowhere. ----------

NAN, INF = float('nan'), float('inf')
BOUNDS = FeatureStats(-1.0, 4.0, 1.5)  # statistics of the class's finite values


def _x_example(values):
    ex = example_pb2.Example()
    ex.features.feature['x'].float_list.value[:] = values
    ex.features.feature['label'].int64_list.value[:] = [1]
    return ex


def _x(record):
    return np.array(example_pb2.Example.FromString(record).features.feature['x'].float_list.value)


def test_numeric_copies_keep_a_non_finite_value_as_is_and_jitter_the_finite_ones():
    source = _x_example([0.5, NAN, INF, -INF, 3.5])
    extra = Provenance('is_synthetic', 'source_fingerprint').synthetic_features('0123456789abcdef')
    made = list(
        floats.jitter_copies(
            [floats.JitterSource(source, {'x': BOUNDS}, example_rng(2, 'fp'), 50, extra)], 0.5
        )
    )
    rng, reference = example_rng(2, 'fp'), []
    for _ in range(50):
        copy = example_pb2.Example()
        copy.CopyFrom(source)
        floats.jitter(copy, {'x': BOUNDS}, rng, 0.5)
        reference.append(
            set_provenance(copy, 'is_synthetic', True, 'source_fingerprint', '0123456789abcdef')
        )
    assert made == reference  # byte for byte: NaN keeps its bits
    x = np.stack([_x(r) for r in made])
    assert np.isnan(x[:, 1]).all()
    assert (x[:, 2] == INF).all() and (x[:, 3] == -INF).all()
    finite = x[:, [0, 4]]
    assert np.isfinite(finite).all()
    assert (finite >= -1.0).all() and (finite <= 4.0).all()
    assert len(np.unique(finite[:, 0])) == 50  # jittered: std is not poisoned


def test_interpolate_copies_take_no_non_finite_value_from_a_partner_and_keep_their_own():
    source = _x_example([1.0, NAN, INF, -INF, 2.0, 3.0, 0.0])
    fp = '0123456789abcdef'
    extra = Provenance('is_synthetic', 'source_fingerprint').synthetic_features(fp)
    partners = [
        {'x': np.array([3.0, 2.0, 2.0, 2.0, NAN, -INF, INF], np.float32)},
        {'x': np.array([-1.0, 0.0, 0.0, 0.0, 4.0, 0.0, 1.0], np.float32)},
    ]
    rngs = [example_rng(4, fp, j) for j in range(60)]
    made = list(
        floats.interpolate_copies(
            floats.InterpolateSource(source, {'x': BOUNDS}, partners, rngs, extra)
        )
    )
    reference = []
    for j in range(60):
        rng = example_rng(4, fp, j)
        copy = example_pb2.Example()
        copy.CopyFrom(source)
        floats.interpolate(copy, partners[int(rng.integers(2))], {'x': BOUNDS}, rng)
        reference.append(set_provenance(copy, 'is_synthetic', True, 'source_fingerprint', fp))
    assert made == reference  # byte for byte
    x = np.stack([_x(r) for r in made])
    assert np.isnan(x[:, 1]).all()
    assert (x[:, 2] == INF).all() and (x[:, 3] == -INF).all()
    finite = x[:, [0, 4, 5, 6]]
    assert np.isfinite(finite).all()  # partners' NaN and +-inf reach no finite value
    assert (finite >= -1.0).all() and (finite <= 4.0).all()
    # A partner's non-finite value: the source's own value is kept; a finite one: it moves.
    moved = x[:, 4] != 2.0  # partner 1 (finite there)
    assert ((x[:, 5] != 3.0) == moved).all() and ((x[:, 6] != 0.0) == moved).all()
    assert 10 < moved.sum() < 50  # partner 0 (NaN, -inf, +inf there) moves none of them


def test_interpolate_copies_with_given_draws_write_each_copys_partner_fingerprint():
    """'smote' draws (partner, u) itself; every copy names its partner in partner_feature."""
    source = _x_example([1.0, 2.0])
    provenance = Provenance('is_synthetic', 'source_fingerprint', 'partner_fingerprint')
    extra = provenance.synthetic_features('0123456789abcdef', partner=True)
    partners = [{'x': np.array([3.0, 3.0], np.float32)}, {'x': np.array([0.0, 0.0], np.float32)}]
    fps = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']
    draws = [(1, 0.5), (0, 0.25), (1, 0.0)]
    made = floats.interpolate_copies(
        floats.InterpolateSource(
            source, {'x': BOUNDS}, partners, (), extra, None, draws, 'partner_fingerprint', fps
        )
    )
    for record, (k, u) in zip(made, draws):
        ex = example_pb2.Example.FromString(record)
        assert record == ex.SerializeToString(deterministic=True)
        f = ex.features.feature
        assert f['partner_fingerprint'].bytes_list.value == [fps[k].encode()]
        assert f['source_fingerprint'].bytes_list.value == [b'0123456789abcdef']
        expected = np.float32([1.0, 2.0]) + np.float32(u) * (partners[k]['x'] - np.float32([1, 2]))
        assert np.array_equal(_x(record), expected)


STATS = {f'f{i}': FeatureStats(-1.0, 1.0, 0.5) for i in range(3)}


def _example(values, label=1, extra=None):
    ex = example_pb2.Example()
    for i, v in enumerate(values):
        ex.features.feature[f'f{i}'].float_list.value[:] = [v]
    ex.features.feature['label'].int64_list.value[:] = [label]
    if extra:
        ex.features.feature['tag'].bytes_list.value[:] = [extra]
    return ex


def _sources(partner_feature):
    """Sources of three layouts (and one without any float to move), with non-finite values in
    sources and partners, draws from each source's Generators."""
    provenance = Provenance('is_synthetic', 'source_fingerprint', partner_feature)
    nan, inf = float('nan'), float('inf')
    partners = [
        floats.float_features(_example(v)) for v in ([0.5, -0.5, 2.0], [nan, 0.25, -inf], [1, 1, 1])
    ]
    partners.append(floats.float_features(odd_example()))
    partner_fps = [f'{i:016x}' for i in range(len(partners))]
    examples = [_example(v) for v in ([0.1, 0.2, 0.3], [nan, -0.9, inf], [0.0, 0.0, 0.0])]
    examples += [_example([0.3, 0.1, -0.2], label=7, extra=b'longer tag'), odd_example()]
    examples.append(example_pb2.Example())  # nothing to move: copies of the source itself
    aligned = {}
    for i, example in enumerate(examples):
        fp = fingerprint(example.SerializeToString(deterministic=True))
        rngs = [example_rng(3, fp, j) for j in range(i + 1)]
        yield floats.InterpolateSource(
            example=example,
            stats=ODD_STATS if i == 4 else STATS,
            partners=partners,
            rngs=rngs,
            extra=provenance.synthetic_features(fp, partner=True),
            aligned=aligned,
            draws=[(int(r.integers(len(partners))), r.random()) for r in rngs],
            partner_feature=partner_feature,
            partner_fingerprints=partner_fps,
        )


def test_interpolate_many_equals_interpolate_copies_source_by_source():
    for partner_feature in ('partner_fingerprint', None):
        one_by_one = [
            record
            for source in _sources(partner_feature)
            for record in floats.interpolate_copies(source)
        ]
        together = list(floats.interpolate_many(_sources(partner_feature)))
        assert len(one_by_one) == 21  # 1 + 2 + ... + 6 copies
        assert together == one_by_one
        parsed = example_pb2.Example.FromString(together[1])  # the second source's first copy
        assert np.isnan(parsed.features.feature['f0'].float_list.value[0])  # its NaN kept


def test_interpolate_many_in_small_steps_makes_the_same_copies(monkeypatch):
    expected = list(floats.interpolate_many(_sources('partner_fingerprint')))
    monkeypatch.setattr(floats, 'STEP_COPIES', 4)  # steps of 1, 2, 3, 4, 5, 6 copies
    assert list(floats.interpolate_many(_sources('partner_fingerprint'))) == expected
