"""Provenance features (core/balanced_augmenter/provenance.py): appended, original bytes kept."""

from tensorflow.core.example import example_pb2

from tests.core.balanced_augmenter.test_floats import odd_example
from tests.support.examples import example
from tfx_balance.core.balanced_augmenter.provenance import Provenance


def test_provenance_is_appended_and_every_original_feature_keeps_its_bytes():
    provenance = Provenance('is_synthetic', 'source_fingerprint')
    source = odd_example()
    record = source.SerializeToString()

    def with_features(**values):
        ex = example_pb2.Example()
        ex.CopyFrom(source)
        for name, value in values.items():
            feature = ex.features.feature[name]
            if isinstance(value, int):
                feature.int64_list.value[:] = [value]
            else:
                feature.bytes_list.value[:] = [value]
        return ex

    original = provenance.original(record)
    assert example_pb2.Example.FromString(original) == with_features(is_synthetic=0)
    assert record[3:] in original  # the input's features, byte for byte (after its 3-byte header)
    copy = provenance.copy(record, '0123456789abcdef')
    expected = with_features(is_synthetic=1, source_fingerprint=b'0123456789abcdef')
    assert example_pb2.Example.FromString(copy) == expected
    # An input that already has source_feature gets it replaced, not repeated.
    again = provenance.copy(copy, 'fedcba9876543210')
    expected = with_features(is_synthetic=1, source_fingerprint=b'fedcba9876543210')
    assert again == expected.SerializeToString(deterministic=True)
    # Records that are not one features field (empty, or two merged messages) are parsed.
    for unusual in (b'', record + example(x=[1.0], label=2)):
        expected = example_pb2.Example.FromString(unusual)
        expected.features.feature['is_synthetic'].int64_list.value[:] = [0]
        assert example_pb2.Example.FromString(provenance.original(unusual)) == expected
