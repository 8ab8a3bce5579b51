"""TFDV's drift comparators (L-infinity, Jensen-Shannon) on two label distributions' exact counts.

``measure`` runs them on label-only statistics built from the exact counts (the label a string
feature, so TFDV always sees it as categorical) and checks both values against the counts.

Example:
    >>> round(jensen_shannon({0: 946, 1: 54}, {0: 899, 1: 101}), 6)  # a doubled minority share
    0.005654
    >>> jensen_shannon({'a': 1}, {'b': 1})  # disjoint: the largest divergence
    1.0
    >>> round(sampling_noise(0.05, 210, 210), 4)  # a 5% share in splits of 210: moves ~0.02
    0.0213
"""

from __future__ import annotations

import math
from typing import Dict, Mapping, Sequence

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import ClassValue, class_name, sorted_classes

L_INFTY = 'L_INFTY'  # TFDV's names of its drift measurements (anomalies_pb2.DriftSkewInfo)
JENSEN_SHANNON = 'JENSEN_SHANNON_DIVERGENCE'


def jensen_shannon(a: Mapping[ClassValue, int], b: Mapping[ClassValue, int]) -> float:
    """TFDV's Jensen-Shannon divergence of two count maps, as its anomalies/metrics.cc computes it
    for a categorical feature (log base 2, capped at 1.0); a class absent from one map counts 0."""
    a_total, b_total = sum(a.values()), sum(b.values())
    kl_sum = 0.0
    for c in sorted_classes(list(a) + list(b)):
        p, q = a.get(c, 0) / a_total, b.get(c, 0) / b_total
        m = (p + q) / 2
        kl_sum += (p * math.log2(p / m) if p else 0.0) + (q * math.log2(q / m) if q else 0.0)
    return min(kl_sum / 2, 1.0)


def sampling_noise(share: float, n: int, n_baseline: int) -> float:
    """One standard deviation of the difference of two shares of true share ``share``, on ``n`` and
    ``n_baseline`` independent examples: sqrt(p (1 - p) (1/n + 1/n_baseline))."""
    return math.sqrt(share * (1 - share) * (1 / n + 1 / n_baseline))


def measure(
    previous: LabelDistribution,
    current: LabelDistribution,
    schema: schema_pb2.Schema,
    label_feature: str,
    what: str,
) -> Dict[str, float]:
    """TFDV's ``{'linf', 'jensen_shannon_divergence'}`` of two distributions, or a ``DataError``
    when they disagree with the exact counts (``what`` names the two)."""
    measured = tfdv_split_drift(previous, current, schema, label_feature)
    ours = {
        L_INFTY: max(
            (
                abs(previous.share(c) - current.share(c))
                for c in {**previous.counts, **current.counts}
            ),
            default=0.0,
        ),
        JENSEN_SHANNON: jensen_shannon(previous.counts, current.counts),
    }
    for name, value in ours.items():
        theirs = measured.get(name, value)
        if abs(theirs - value) > 1e-9:
            raise DataError(
                f'TFDV measured {name} {theirs} between {what} of label {label_feature!r}, but '
                f'their exact counts give {value}; the distance cannot be trusted. Report this '
                'with the statistics of both.'
            )
    return {
        'linf': measured.get(L_INFTY, ours[L_INFTY]),
        'jensen_shannon_divergence': measured.get(JENSEN_SHANNON),
    }


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
