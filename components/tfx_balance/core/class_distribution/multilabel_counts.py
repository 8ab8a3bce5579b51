"""Per-label prevalence of a multi-label feature in one split: from TFDV statistics or the examples.

A multi-label feature holds a set of labels per example (``multi_label='ids'``: 0..n int64 ids or
bytes names, no value = no label; ``'multi_hot'``: a fixed-length int64 0/1 vector, label i =
position i). A label's **prevalence** in a split is the share of the split's examples that carry
it; the **label cardinality** is the mean number of labels per example (examples with no label
count as 0). Rules: docs/class_distribution_validator.md#multi-label.

Sources:

- :func:`prevalence_from_statistics` (``'ids'`` only): ``string_stats`` of the feature (bytes
  names, and int ids StatisticsGen treated as categorical, e.g. with
  :func:`~tfx_balance.core.class_distribution.label_stats_options`): the rank histogram (or top
  values) counts value **occurrences**, which are the examples carrying each label when no example
  lists a label twice (StatisticsGen cannot tell; :func:`count_labels` can). The split's
  ``num_examples`` and the feature's ``tot_num_values`` give the cardinality exactly. Examples with
  no label are ``num_missing`` plus the examples with an empty list, whose number TFDV keeps only
  in a quantile sketch: exact when no example has an empty list (``min_num_values`` >= 1) or none
  has two labels, else unknown (``None``; count from the examples for it). A truncated histogram,
  TFDV's merged placeholder names, and numeric-only statistics of int ids are refused.
- :func:`count_labels` / :class:`CountLabels` (``'ids'`` and ``'multi_hot'``): exact counts from
  the serialized examples, one pass, streaming (a bounded table per batch: one count per label).
  TFDV has no per-position statistics of a vector, so this is the path of ``'multi_hot'``.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, List, Sequence

import apache_beam as beam
from tensorflow.core.example import example_pb2
from tensorflow_metadata.proto.v0 import statistics_pb2

from tfx_balance.core.class_distribution.label_counts import (
    _check_no_merged_values,
    _find_feature,
    _single_dataset,
)
from tfx_balance.core.class_distribution.multilabel_decode import fast_counts
from tfx_balance.core.errors import DataError
from tfx_balance.core.labels import ClassValue, class_name, example_fingerprint, sorted_classes


@dataclasses.dataclass(frozen=True)
class LabelPrevalence:
    """Exact per-label example counts of a multi-label feature in one split.

    Quacks like :class:`~tfx_balance.core.class_distribution.LabelDistribution` (``counts``,
    ``total``, ``share``) so the missing-label check and the report treat both alike; ``total``
    is the number of examples, so ``share`` is the prevalence.
    """

    split: str
    counts: Dict[ClassValue, int]  # examples carrying each label (sorted, only counts > 0)
    examples: int
    label_values: int  # labels over all examples (sum of counts)
    unlabeled: int | None  # examples with no label; None when the statistics cannot tell
    source: str  # 'rank_histogram' | 'top_values' | 'examples'
    width: int | None = None  # 'multi_hot': the vector length

    @property
    def total(self) -> int:
        return self.examples

    def share(self, value: ClassValue) -> float:
        return self.counts.get(value, 0) / self.examples if self.examples else 0.0

    @property
    def cardinality(self) -> float:
        return self.label_values / self.examples if self.examples else 0.0


def prevalence_from_statistics(stats, label_feature: str, split: str) -> LabelPrevalence:
    """The prevalence of a multi-label ``'ids'`` feature from one split's TFDV statistics.

    ``stats`` is a ``DatasetFeatureStatistics`` (or a list holding one dataset).

    Example (``label_stats_options('tags')`` for int ids)::

        stats = tfdv.generate_statistics_from_tfrecord('train.tfrecord')
        prevalence_from_statistics(stats, 'tags', 'train').share(b'cat')  # e.g. 0.25
    """
    stats = _single_dataset(stats, split)
    feature = _find_feature(stats, label_feature, split)
    kind = feature.WhichOneof('stats')
    is_int = feature.type == statistics_pb2.FeatureNameStatistics.INT
    if kind != 'string_stats':
        int_fix = (
            'StatisticsGen(stats_options=tfx_balance.label_stats_options('
            f"'{label_feature}')), or a schema with int_domain {{ is_categorical: true }} on it "
            f"(tfx_balance.label_schema('{label_feature}')) as StatisticsGen's schema; or pass "
            'examples= to the validator to count the ids from the examples'
        )
        raise DataError(
            f"the statistics of multi-label feature '{label_feature}' in split '{split}' are "
            f'{kind or "empty"} (feature type '
            f'{statistics_pb2.FeatureNameStatistics.Type.Name(feature.type)}), which hold no '
            "per-label counts; multi_label='ids' needs string statistics (bytes label names, or "
            f'int ids StatisticsGen treated as categorical). Fix: {int_fix}.'
        )
    string_stats = feature.string_stats
    common = string_stats.common_stats
    total = int(common.tot_num_values) or int(round(common.num_non_missing * common.avg_num_values))
    candidates = [
        (
            'rank_histogram',
            [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets],
        ),
        ('top_values', [(v.value, v.frequency) for v in string_stats.top_values]),
    ]
    _check_no_merged_values(
        string_stats, [name for _, pairs in candidates for name, _ in pairs], label_feature, split
    )
    for source, pairs in candidates:
        if int(round(sum(count for _, count in pairs))) == total:
            counts = {
                (int(name) if is_int else name.encode('utf-8')): int(round(count))
                for name, count in pairs
            }
            return LabelPrevalence(
                split=split,
                counts=_sorted_counts(counts),
                examples=int(stats.num_examples),
                label_values=total,
                unlabeled=_unlabeled(common),
                source=source,
            )
    raise DataError(
        f"the statistics of split '{split}' list only part of multi-label feature "
        f"'{label_feature}': the rank histogram and top values cover fewer than its {total} "
        f'label values in about {string_stats.unique} labels, so the per-label prevalence cannot '
        'be recovered. Give StatisticsGen stats_options=tfdv.StatsOptions('
        'num_rank_histogram_buckets=<more than the number of labels>), or pass examples= to the '
        'validator to count the labels from the examples.'
    )


def _unlabeled(common) -> int | None:
    """Examples with no label value, when the statistics determine it exactly."""
    non_missing, values = int(common.num_non_missing), int(common.tot_num_values)
    if non_missing == 0 or common.min_num_values >= 1:
        empty = 0
    elif common.max_num_values <= 1:
        empty = non_missing - values  # every present list holds 0 or 1 value
    else:
        return None  # empty lists and longer lists: only a quantile sketch counts the empties
    return int(common.num_missing) + empty


def _sorted_counts(counts) -> Dict[ClassValue, int]:
    return {value: counts[value] for value in sorted_classes(counts) if counts[value] > 0}


# --- Counting from the examples (Beam, streaming). ---------------------------------------------


def _values_of(record: bytes, label_feature: str, multi_label: str, where: str) -> List:
    """The label values of one serialized example (ids: as stored; multi-hot: the vector)."""
    feature = example_pb2.Example.FromString(record).features.feature.get(label_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    if kind == 'float_list' or (multi_label == 'multi_hot' and kind == 'bytes_list'):
        expected = 'int64 0/1 vector' if multi_label == 'multi_hot' else 'int64 ids or bytes names'
        raise DataError(
            f"multi-label feature '{label_feature}' is a {kind.split('_')[0]} feature in an "
            f'example of {where} (example fingerprint {example_fingerprint(record)}); '
            f"multi_label='{multi_label}' expects {expected}. Convert the labels upstream (e.g. "
            'in ExampleGen or a preprocessing step).'
        )
    if kind == 'bytes_list':
        return list(feature.bytes_list.value)
    return list(feature.int64_list.value) if kind == 'int64_list' else []


def count_labels(
    records: Sequence[bytes], label_feature: str, multi_label: str, where: str
) -> dict:
    """Counts of one batch of serialized examples: ``{'examples', 'label_values', 'unlabeled',
    'counts': {label: examples}, 'width', 'kinds': {kind: fingerprint}}`` (merge batches with
    :func:`merge_counts`). ``where`` names the split in errors (e.g. ``"split 'train'"``).

    ``'ids'``: a label listed twice in one example is a ``DataError`` (counted once it would hide
    a data bug; counted twice it would not be a prevalence). ``'multi_hot'``: entries must be 0 or
    1, and every vector of the split must have the same length >= 1 (:func:`merge_counts` checks
    it across batches); an all-zero vector is no label (an absent or empty vector is an error).

    Example:
        >>> from tensorflow.core.example import example_pb2
        >>> ex = example_pb2.Example()
        >>> ex.features.feature['tags'].int64_list.value.extend([0, 1, 1])
        >>> counts = count_labels([ex.SerializeToString()] * 2, 'tags', 'multi_hot', 'x')
        >>> to_prevalence(counts, 'train').counts
        {1: 2, 2: 2}

    A clean batch is decoded in C++ (:func:`~.multilabel_decode.fast_counts`, ~20x faster); any
    other is counted record by record (:func:`count_labels_per_record`), which names the example
    at fault.
    """
    fast = fast_counts(records, label_feature, multi_label)
    return (
        fast
        if fast is not None
        else count_labels_per_record(records, label_feature, multi_label, where)
    )


def count_labels_per_record(
    records: Sequence[bytes], label_feature: str, multi_label: str, where: str
) -> dict:
    """:func:`count_labels`, parsing each record with protobuf (raises on a bad example)."""
    counts: Dict[ClassValue, int] = {}
    result = {'examples': 0, 'label_values': 0, 'unlabeled': 0, 'width': None, 'first': None}
    result['kinds'] = {}
    for record in records:
        values = _values_of(record, label_feature, multi_label, where)
        result['examples'] += 1
        if multi_label == 'multi_hot':
            labels = _multi_hot_labels(values, record, label_feature, where, result)
        else:
            labels = values
            if len(set(labels)) != len(labels):
                twice = sorted_classes(v for v in labels if labels.count(v) > 1)[0]
                raise DataError(
                    f"multi-label feature '{label_feature}' lists label {class_name(twice)!r} "
                    f'{labels.count(twice)} times in an example of {where} (example fingerprint '
                    f'{example_fingerprint(record)}); each label may appear at most once per '
                    'example. Remove the repeated labels upstream (e.g. in ExampleGen or a '
                    'preprocessing step).'
                )
            if labels:
                kind = 'bytes' if isinstance(labels[0], bytes) else 'int64'
                if kind not in result['kinds']:  # fingerprint one example per kind, not each
                    result['kinds'][kind] = example_fingerprint(record)
        result['label_values'] += len(labels)
        result['unlabeled'] += not labels
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    result['counts'] = counts
    return result


def _multi_hot_labels(values, record, label_feature: str, where: str, result: dict) -> List[int]:
    if not values:
        raise DataError(
            f"multi-hot feature '{label_feature}' is missing or empty in an example of {where} "
            f"(example fingerprint {example_fingerprint(record)}); multi_label='multi_hot' needs "
            'a vector of one fixed length >= 1 in every example (position i = label i). Write an '
            'all-zero vector for an example with no label.'
        )
    if result['width'] is None:
        result['width'], result['first'] = len(values), example_fingerprint(record)
    elif len(values) != result['width']:
        other = (len(values), example_fingerprint(record))
        _raise_width(label_feature, where, (result['width'], result['first']), other)
    bad = [v for v in values if v not in (0, 1)]
    if bad:
        raise DataError(
            f"multi-hot feature '{label_feature}' has the entry {bad[0]} in an example of {where} "
            f'(example fingerprint {example_fingerprint(record)}); entries must be 0 or 1 '
            "(position i = label i). Fix the vectors upstream, or use multi_label='ids' if the "
            'feature lists label ids.'
        )
    return [i for i, v in enumerate(values) if v]


def _raise_width(label_feature: str, where: str, one: tuple, other: tuple):
    """``one`` and ``other``: ``(length, example fingerprint)`` of two vectors that differ."""
    raise DataError(
        f"multi-hot feature '{label_feature}' has vectors of length {one[0]} (example "
        f'fingerprint {one[1]}) and {other[0]} (example fingerprint {other[1]}) in {where}; '
        "multi_label='multi_hot' needs one fixed length (position i = label i). Pad or fix "
        "the vectors upstream, or use multi_label='ids' for label lists."
    )


def merge_counts(parts: Iterable[dict], label_feature: str, where: str) -> dict:
    """Merges the counts of batches (:func:`count_labels`); checks one width and one kind."""
    merged = {'examples': 0, 'label_values': 0, 'unlabeled': 0, 'width': None, 'first': None}
    merged['kinds'] = {}
    counts: Dict[ClassValue, int] = {}
    for part in parts:
        for key in ('examples', 'label_values', 'unlabeled'):
            merged[key] += part[key]
        if part['width'] is not None:
            if merged['width'] is not None and part['width'] != merged['width']:
                _raise_width(
                    label_feature,
                    where,
                    (merged['width'], merged['first']),
                    (part['width'], part['first']),
                )
            merged['width'], merged['first'] = part['width'], part['first']
        for kind, fingerprint in part['kinds'].items():
            merged['kinds'].setdefault(kind, fingerprint)
        for label, n in part['counts'].items():
            counts[label] = counts.get(label, 0) + n
    if len(merged['kinds']) > 1:
        raise DataError(
            f"multi-label feature '{label_feature}' mixes int64 and bytes labels in {where}: "
            f'example {merged["kinds"]["int64"]} has int64 labels and example '
            f'{merged["kinds"]["bytes"]} bytes labels. A label must have one type in every '
            "example (1 and b'1' would be two labels with one name); convert it to one type "
            'upstream, e.g. in ExampleGen or with a Transform.'
        )
    merged['counts'] = counts
    return merged


class _MergeLabelCounts(beam.CombineFn):
    """Sums batch counts: the accumulator is one table of label -> count (bounded by labels)."""

    def __init__(self, label_feature: str, where: str):
        self._label_feature, self._where = label_feature, where

    def create_accumulator(self):
        return merge_counts([], self._label_feature, self._where)

    def add_input(self, accumulator, batch_counts):
        return merge_counts([accumulator, batch_counts], self._label_feature, self._where)

    def merge_accumulators(self, accumulators):
        return merge_counts(accumulators, self._label_feature, self._where)

    def extract_output(self, accumulator):
        return accumulator


def to_prevalence(counts: dict, split: str) -> LabelPrevalence:
    """The :class:`LabelPrevalence` of a split's merged counts (:func:`merge_counts`)."""
    return LabelPrevalence(
        split=split,
        counts=_sorted_counts(counts['counts']),
        examples=counts['examples'],
        label_values=counts['label_values'],
        unlabeled=counts['unlabeled'],
        source='examples',
        width=counts['width'],
    )


class CountLabels(beam.PTransform):
    """Counts the labels of a split's batches of serialized examples into one merged dict.

    Apply to a PCollection of record lists (e.g. :class:`~tfx_balance.core.records.
    ReadRecordBatches`); the output holds one dict (:func:`merge_counts`; an empty split gives
    zero counts); :func:`to_prevalence` turns it into a :class:`LabelPrevalence`.

    Example::

        with beam.Pipeline() as p:
            counts = (p | ReadRecordBatches(files)
                        | CountLabels('tags', 'multi_hot', "split 'train'"))
    """

    def __init__(self, label_feature: str, multi_label: str, where: str):
        super().__init__()
        self._label_feature, self._multi_label, self._where = label_feature, multi_label, where

    def expand(self, batches):
        return (
            batches
            | 'CountBatch'
            >> beam.Map(count_labels, self._label_feature, self._multi_label, self._where)
            | 'Merge' >> beam.CombineGlobally(_MergeLabelCounts(self._label_feature, self._where))
        )


def save_counts(counts: dict, path: str) -> str:
    """Writes one split's merged counts to ``path`` (pickle; labels stay int or bytes), so the
    executor reads them back after its Beam job: ``beam.Map(save_counts, path)``."""
    import pickle

    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'wb') as f:
        f.write(pickle.dumps(counts))
    return path


def load_counts(path: str) -> dict:
    """The counts :func:`save_counts` wrote."""
    import pickle

    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'rb') as f:
        return pickle.loads(f.read())
