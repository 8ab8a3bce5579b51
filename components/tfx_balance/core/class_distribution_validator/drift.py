"""TFDV's own drift comparators (L-infinity, Jensen-Shannon) on two splits' exact label counts.

The comparison runs on label-only statistics built from the exact counts, with the label as a
string feature in a label-only schema, so TFDV's comparator always sees a categorical feature
(it reports 0 for an int feature that is not marked categorical).
"""

from __future__ import annotations

from typing import Dict, Sequence

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
from tfx_balance.core.labels import ClassValue, class_name


def comparator_schema(
    label_feature: str,
    classes: Sequence[ClassValue],
    max_split_distance: float,
    jsd_threshold: float | None = None,
) -> schema_pb2.Schema:
    """Label-only schema: categorical label with its domain and drift comparators."""
    schema = schema_pb2.Schema()
    feature = schema.feature.add(name=label_feature, type=schema_pb2.BYTES)
    feature.domain = label_feature
    feature.drift_comparator.infinity_norm.threshold = max_split_distance
    if jsd_threshold is not None:
        feature.drift_comparator.jensen_shannon_divergence.threshold = jsd_threshold
    domain = schema.string_domain.add(name=label_feature)
    domain.value.extend(class_name(c) for c in classes)
    return schema


def tfdv_split_drift(
    previous: LabelDistribution,
    current: LabelDistribution,
    schema: schema_pb2.Schema,
    label_feature: str,
) -> Dict[str, float]:
    """TFDV's drift measurements (``{'L_INFTY': .., 'JENSEN_SHANNON_DIVERGENCE': ..}``)."""
    anomalies = tfdv.validate_statistics(
        _label_only_stats(current, label_feature),
        schema,
        previous_statistics=_label_only_stats(previous, label_feature),
    )
    measurements = {}
    for info in anomalies.drift_skew_info:
        for m in info.drift_measurements:
            name = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(m.type)
            measurements[name] = m.value
    return measurements


def _label_only_stats(
    dist: LabelDistribution, label_feature: str
) -> statistics_pb2.DatasetFeatureStatisticsList:
    """Label-only statistics whose label is a string feature with the exact counts."""
    result = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = result.datasets.add(name=dist.split, num_examples=dist.total)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.STRING)
    feature.path.step.append(label_feature)
    string_stats = feature.string_stats
    common = string_stats.common_stats
    common.num_non_missing = dist.total
    common.min_num_values = common.max_num_values = 1
    common.avg_num_values = 1.0
    common.tot_num_values = dist.total
    string_stats.unique = len(dist.counts)
    ordered = sorted(dist.counts.items(), key=lambda item: -item[1])
    for rank, (value, count) in enumerate(ordered):
        string_stats.top_values.add(value=class_name(value), frequency=count)
        string_stats.rank_histogram.buckets.add(
            low_rank=rank, high_rank=rank, label=class_name(value), sample_count=count
        )
    return result
