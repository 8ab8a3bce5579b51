"""Provenance features: ``provenance_feature`` (0 original, 1 synthetic), ``source_feature`` and,
on 'interpolate' and 'smote' copies, ``partner_feature`` (rules: docs/balanced_augmenter.md).
"""

from __future__ import annotations

from typing import Dict

from tensorflow.core.example import example_pb2

from tfx_balance.core.common.wire import (
    add_entries,
    bytes_feature,
    feature_entry,
    feature_key,
    int64_feature,
)


def set_provenance(
    example: example_pb2.Example,
    provenance_feature: str,
    synthetic: bool,
    source_feature: str | None = None,
    source_fingerprint: str | None = None,
) -> bytes:
    """Adds ``provenance_feature`` (and for synthetic ones the source) and serializes."""
    example.features.feature[provenance_feature].int64_list.value[:] = [int(synthetic)]
    if synthetic and source_feature:
        example.features.feature[source_feature].bytes_list.value[:] = [source_fingerprint.encode()]
    return example.SerializeToString(deterministic=True)


class Provenance:
    """Adds the provenance features to serialized examples, every input feature's bytes kept."""

    def __init__(
        self, provenance_feature: str, source_feature: str, partner_feature: str | None = None
    ):
        self._names = (provenance_feature, source_feature)
        self._partner = partner_feature
        self._keys = (feature_key(provenance_feature), feature_key(source_feature))
        self._one = int64_feature(1)
        self._original = feature_entry(provenance_feature, int64_feature(0))
        self._synthetic = feature_entry(provenance_feature, self._one)

    def original(self, record: bytes) -> bytes:
        """``record`` (a serialized original) with ``provenance_feature = 0``."""
        if self._keys[0] not in record:
            marked = add_entries(record, self._original)
            if marked is not None:
                return marked
        return set_provenance(example_pb2.Example.FromString(record), self._names[0], False)

    def copy(self, record: bytes, source_fingerprint: str) -> bytes:
        """An exact copy of ``record`` marked as synthetic, from source ``source_fingerprint``."""
        if self._keys[0] not in record and self._keys[1] not in record:
            entries = self._synthetic + feature_entry(
                self._names[1], bytes_feature(source_fingerprint.encode())
            )
            marked = add_entries(record, entries)
            if marked is not None:
                return marked
        provenance_feature, source_feature = self._names
        example = example_pb2.Example.FromString(record)
        return set_provenance(example, provenance_feature, True, source_feature, source_fingerprint)

    def synthetic(self, example: example_pb2.Example, source_fingerprint: str) -> bytes:
        """A new synthetic ``example`` with its provenance features, serialized."""
        provenance_feature, source_feature = self._names
        return set_provenance(example, provenance_feature, True, source_feature, source_fingerprint)

    def synthetic_features(
        self, source_fingerprint: str, partner: bool = False
    ) -> Dict[str, bytes]:
        """The provenance features of a synthetic example (``partner``: with a placeholder)."""
        features = {
            self._names[0]: self._one,
            self._names[1]: bytes_feature(source_fingerprint.encode()),
        }
        if partner and self._partner:
            features[self._partner] = bytes_feature(b'0' * 16)
        return features
