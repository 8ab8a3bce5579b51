"""The label's schema: what StatisticsGen needs for exact int counts, and what a schema expects."""

from __future__ import annotations

from typing import List

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import ClassValue

MAX_DOMAIN_CLASSES = 100_000  # largest int_domain min..max range read as expected classes


def label_schema(label_feature: str, is_int: bool = True) -> schema_pb2.Schema:
    """A schema holding only ``label_feature``, marked categorical when ``is_int``."""
    schema = schema_pb2.Schema()
    feature = schema.feature.add(name=label_feature)
    if is_int:
        feature.type = schema_pb2.INT
        feature.int_domain.is_categorical = True
    else:
        feature.type = schema_pb2.BYTES
    return schema


def label_stats_options(label_feature: str, **kwargs) -> tfdv.StatsOptions:
    """``StatsOptions`` for StatisticsGen that give an int label exact per-class counts.

    Example:
        StatisticsGen(examples=..., stats_options=label_stats_options('label'))
    """
    return tfdv.StatsOptions(schema=label_schema(label_feature), **kwargs)


def schema_label_info(schema: schema_pb2.Schema, label_feature: str):
    """``(expected_classes, jsd_threshold)`` of a schema's label (``((), None)`` without one):
    classes from a string domain, or a categorical int domain with min and max."""
    for feature in schema.feature:
        if feature.name == label_feature:
            jsd = None
            if feature.drift_comparator.HasField('jensen_shannon_divergence'):
                jsd = feature.drift_comparator.jensen_shannon_divergence.threshold
            return _domain_classes(schema, feature, label_feature), jsd
    return (), None


def _domain_classes(schema, feature, label_feature: str) -> List[ClassValue]:
    domain = None
    if feature.HasField('string_domain'):
        domain = feature.string_domain
    elif feature.HasField('domain'):
        domain = next((d for d in schema.string_domain if d.name == feature.domain), None)
    if domain is not None:
        return [v.encode('utf-8') for v in domain.value]
    int_domain = feature.int_domain
    if not (
        feature.HasField('int_domain')
        and int_domain.is_categorical
        and int_domain.HasField('min')
        and int_domain.HasField('max')
    ):
        return []
    size = int_domain.max - int_domain.min + 1
    if size > MAX_DOMAIN_CLASSES:
        raise DataError(
            f"the schema's int_domain of label '{label_feature}' spans {size} values "
            f'({int_domain.min}..{int_domain.max}), more than {MAX_DOMAIN_CLASSES} expected '
            'classes; set min and max to the class ids, or pass no schema to the validator.'
        )
    return list(range(int_domain.min, int_domain.max + 1))
