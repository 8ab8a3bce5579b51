"""A label's exact counts in one split, counted from the serialized examples with Beam: for
``multi_label='multi_hot'`` (TFDV has no per-position statistics) and the unlabeled examples of
``'ids'``. One streaming pass: ``count_labels`` per batch, ``merge_counts``, ``to_prevalence``."""

from __future__ import annotations

import collections
import itertools
from typing import Dict, Iterable, Sequence

import apache_beam as beam

from tfx_balance.core.class_distribution_validator.counts import LabelPrevalence, sorted_counts
from tfx_balance.core.common.label_sets import check_widths, read_label_sets
from tfx_balance.core.common.labels import (
    ClassValue,
    check_label_kinds,
    example_fingerprint,
    label_kind,
)


def count_labels(
    records: Sequence[bytes], label_feature: str, multi_label: str, where: str
) -> dict:
    """Counts one batch of serialized examples (a dict; merge batches with ``merge_counts``);
    ``where`` names the split in errors. Refuses what ``label_sets.read_label_sets`` refuses; an
    all-zero multi-hot vector is no label.

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
    """Merges batch counts, checking one vector width and one label kind across them."""
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
    """The ``LabelPrevalence`` of a split's merged counts (``merge_counts``)."""
    return LabelPrevalence(
        split=split,
        counts=sorted_counts(counts['counts']),
        examples=counts['examples'],
        label_values=counts['label_values'],
        unlabeled=counts['unlabeled'],
        source='examples',
        width=counts['width'],
    )


class CountLabels(beam.PTransform):
    """Record lists -> one merged counts dict, e.g.
    ``ReadRecordBatches(files) | CountLabels('tags', 'multi_hot', "split 'train'")``."""

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
    """Writes merged counts to ``path`` (pickle: labels stay int or bytes), for the executor."""
    import pickle

    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'wb') as f:
        f.write(pickle.dumps(counts))
    return path


def load_counts(path: str) -> dict:
    import pickle

    import tensorflow as tf

    with tf.io.gfile.GFile(path, 'rb') as f:
        return pickle.loads(f.read())
