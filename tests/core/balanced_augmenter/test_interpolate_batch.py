"""interpolate_many (core/balanced_augmenter/interpolate_batch.py): the copies of many sources, computed
together, are byte for byte those of interpolate_copies one source at a time."""

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import floats, interpolate_batch
from tfx_balance.core.balanced_augmenter.float_stats import FeatureStats
from tfx_balance.core.balanced_augmenter.interpolate_batch import interpolate_many
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.hashing import example_rng, fingerprint

from .test_floats import ODD_STATS, odd_example

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
        together = list(interpolate_many(_sources(partner_feature)))
        assert len(one_by_one) == 21  # 1 + 2 + ... + 6 copies
        assert together == one_by_one
        parsed = example_pb2.Example.FromString(together[1])  # the second source's first copy
        assert np.isnan(parsed.features.feature['f0'].float_list.value[0])  # its NaN kept


def test_interpolate_many_in_small_steps_makes_the_same_copies(monkeypatch):
    expected = list(interpolate_many(_sources('partner_fingerprint')))
    monkeypatch.setattr(interpolate_batch, 'STEP_COPIES', 4)  # steps of 1, 2, 3, 4, 5, 6 copies
    assert list(interpolate_many(_sources('partner_fingerprint'))) == expected
