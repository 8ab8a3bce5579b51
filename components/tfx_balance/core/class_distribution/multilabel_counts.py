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

import collections
import dataclasses
import itertools
from typing import Dict, Iterable, Sequence

import apache_beam as beam
from tensorflow_metadata.proto.v0 import statistics_pb2

from tfx_balance.core.class_distribution.label_counts import (
    _check_no_merged_values,
    _find_feature,
    _single_dataset,
    check_no_empty_name,
)
from tfx_balance.core.errors import DataError
from tfx_balance.core.label_sets import check_widths, read_label_sets
from tfx_balance.core.labels import (
    ClassValue,
    check_label_kinds,
    example_fingerprint,
    label_kind,
    sorted_classes,
)


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
    check_no_empty_name(candidates, label_feature, split, 'ids')
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


def count_labels(
    records: Sequence[bytes], label_feature: str, multi_label: str, where: str
) -> dict:
    """Counts of one batch of serialized examples: ``{'examples', 'label_values', 'unlabeled',
    'counts': {label: examples}, 'width', 'first', 'kinds': {kind: (fingerprint, label)}}``
    (merge batches with :func:`merge_counts`). ``where`` names the split in errors (e.g.
    ``"split 'train'"``).

    Labels are read by :func:`~tfx_balance.core.label_sets.read_label_sets`, the one
    reader of every multi-label component, so its rules (and errors) are the splitter's and
    BalancedInputGen's: ``'ids'``: an empty name, a float feature or a label listed twice in one
    example is a ``DataError``; ``'multi_hot'``: entries must be 0 or 1 and every vector of the
    split the same length >= 1 (:func:`merge_counts` checks it across batches); an all-zero
    vector is no label.

    Example:
        >>> from tensorflow.core.example import example_pb2
        >>> ex = example_pb2.Example()
        >>> ex.features.feature['tags'].int64_list.value.extend([0, 1, 1])
        >>> counts = count_labels([ex.SerializeToString()] * 2, 'tags', 'multi_hot', 'x')
        >>> to_prevalence(counts, 'train').counts
        {1: 2, 2: 2}
    """
    read = read_label_sets(records, label_feature, multi_label, where)
    counts = collections.Counter(itertools.chain.from_iterable(read.sets))
    width = read.width
    return {
        'examples': len(records),
        'label_values': sum(counts.values()),
        'unlabeled': sum(not labels for labels in read.sets),
        'counts': dict(counts),
        'width': width[0] if width else None,
        'first': example_fingerprint(records[width[1]]) if width else None,
        'kinds': {
            label_kind(label): (example_fingerprint(records[i]), label)
            for label, i in read.kinds.items()
        },
    }


def merge_counts(parts: Iterable[dict], label_feature: str, where: str) -> dict:
    """Merges the counts of batches (:func:`count_labels`); checks one width and one kind, with
    the errors of every component (:func:`~tfx_balance.core.label_sets.check_widths`,
    :func:`~tfx_balance.core.labels.check_label_kinds`)."""
    merged = {'examples': 0, 'label_values': 0, 'unlabeled': 0, 'width': None, 'first': None}
    merged['kinds'] = {}
    counts: Dict[ClassValue, int] = {}
    for part in parts:
        for key in ('examples', 'label_values', 'unlabeled'):
            merged[key] += part[key]
        if part['width'] is not None:
            if merged['width'] is not None and part['width'] != merged['width']:
                widths = [(merged['width'], merged['first']), (part['width'], part['first'])]
                check_widths(widths, label_feature, where)
            merged['width'], merged['first'] = part['width'], part['first']
        for kind, found in part['kinds'].items():
            merged['kinds'].setdefault(kind, found)
        for label, n in part['counts'].items():
            counts[label] = counts.get(label, 0) + n
    if len(merged['kinds']) > 1:
        found = {label: fp for fp, label in merged['kinds'].values()}
        check_label_kinds(found, label_feature, where)
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
