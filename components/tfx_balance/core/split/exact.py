"""The exact per-class strategy: one label per example, each class cut at its rule's counts.

1. **Histogram pass.** ``class_histograms`` counts a batch's units (``units.ToUnits``) per class
   and hash bucket (a group counts its size); ``MergeHistograms`` merges them into
   ``Histograms``, which also keep one example fingerprint per label value so that a label that
   is int64 in some examples and bytes in others is rejected, with both examples named
   (``labels.check_label_kinds``).
2. **Plan.** Per class, ``allocation.exact_counts`` gives the count per split and
   ``placement.cut`` its ``ClassSplitPlan``: ordering the class's units by hash, split ``i`` takes
   ranks ``[start_i, end_i)``, and only the (at most ``#splits - 1``) boundary buckets that
   straddle a cut need ranking. With ``label_bins`` or ``label_bin_edges`` the classes are quantile bins of a
numeric label (``label_bins.py``). The rest of the pipeline is ``stratified.StratifiedSplit``'s.

Example:
    >>> from tfx_balance.core.split.config import StratifiedSplitConfig
    >>> strategy = ExactStrategy(StratifiedSplitConfig(label_feature='label'), bucket_bits=16)
    >>> strategy.table([((0, 'a'), 8), ((1, 'a'), 1)], ['train', 'eval'])
    {'a': {'train': 8, 'eval': 1}}
"""

from __future__ import annotations

from typing import Dict, NamedTuple

import apache_beam as beam

from tfx_balance.core.combine import MergeInputs
from tfx_balance.core.hashing import fingerprint
from tfx_balance.core.labels import check_distinct_names, check_label_kinds, example_fingerprint
from tfx_balance.core.ranking import bucket_of
from tfx_balance.core.split.allocation import exact_counts
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import BinEdges, SketchLabels, quantile_edges
from tfx_balance.core.split.placement import PlaceUnits, cut
from tfx_balance.core.split.report import (
    class_table,
    count_class,
    format_report,
    group_terms,
    merge_group_terms,
    split_report,
)
from tfx_balance.core.split.units import ToUnits, batch_label_values, check_not_empty, input_batches


class Histograms(NamedTuple):
    """``{class: {bucket: units}}``, and ``{label: 'fingerprint[ in where]'}`` of one example per
    label value (each example's own label: with groups, not only the classes units count for)."""

    buckets: Dict[object, Dict[int, int]]
    examples: Dict[object, str]


def class_histograms(batch, to_units, bucket_bits: int, edges=None) -> Histograms:
    """The ``Histograms`` of one input batch."""
    where = '' if to_units.grouped else (batch[0] if isinstance(batch, tuple) else '')
    buckets, first = {}, {}
    for unit in to_units(batch, edges):
        hist = buckets.get(unit.label)
        if hist is None:
            hist = buckets[unit.label] = {}
            if not to_units.grouped:  # named by the content key already computed
                first[unit.label] = fingerprint(unit.key)
        bucket = bucket_of(unit.hash, bucket_bits)
        hist[bucket] = hist.get(bucket, 0) + unit.size
        if to_units.grouped:  # a group may hold labels other than the class it counts for
            for label, record in zip(unit.labels, unit.records):
                if label not in first:
                    first[label] = example_fingerprint(record)
    in_where = f' in {where}' if where else ''
    examples = {label: name + in_where for label, name in first.items()}
    return Histograms(buckets, examples)


class MergeHistograms(MergeInputs):
    """Merges per-batch ``Histograms`` into one (of the examples the batches kept for a label,
    the one with the least fingerprint)."""

    def create_accumulator(self):
        return Histograms({}, {})

    def add_input(self, acc, item):
        for label, hist in item.buckets.items():
            merged = acc.buckets.setdefault(label, {})
            for bucket, size in hist.items():
                merged[bucket] = merged.get(bucket, 0) + size
        for label, example in item.examples.items():
            if label not in acc.examples or example < acc.examples[label]:
                acc.examples[label] = example
        return acc


def _size(unit) -> int:
    return unit.size  # a class's plan counts examples: a group takes as many ranks


def _build_plans(histograms, weights, bucket_bits: int, label_feature: str):
    check_not_empty(bool(histograms.buckets))
    check_label_kinds(histograms.examples, label_feature)
    check_distinct_names(histograms.buckets, label_feature)
    buckets = histograms.buckets
    counts = exact_counts({label: sum(hist.values()) for label, hist in buckets.items()}, weights)
    return {label: cut(counts[label], hist, bucket_bits) for label, hist in buckets.items()}


class ExactStrategy:
    """One label per example (or a label bin): each class split by the exact rule."""

    place_units = PlaceUnits  # the assignment pass's DoFn
    count = staticmethod(count_class)  # a placed example's count key: (split, class)
    weight = staticmethod(_size)  # ranks a unit takes in a boundary bucket
    table = staticmethod(class_table)
    format_report = staticmethod(format_report)

    def __init__(self, config: StratifiedSplitConfig, bucket_bits: int):
        self.config, self.bucket_bits = config, bucket_bits

    def to_units(self) -> ToUnits:
        config = self.config
        return ToUnits(config.label_feature, config.seed, config.group_feature is not None)

    def prepare(self, pipeline, source, batched):
        """``(bins, edges)`` for label bins: the ``BinEdges`` for the report and the edges
        the stages take (both side inputs when computed from the data); ``(None, None)``
        without bins."""
        config = self.config
        if config.label_bin_edges is not None:
            return BinEdges(config.label_bin_edges), config.label_bin_edges
        if config.label_bins is None:
            return None, None
        computed = (
            input_batches(pipeline, source, batched, self.to_units(), None, 'ForBins')
            | 'LabelValues' >> beam.Map(batch_label_values, config.label_feature)
            | 'SketchLabels' >> beam.CombineGlobally(SketchLabels())
            | 'BinEdges' >> beam.Map(quantile_edges, config.label_bins)
        )
        edges = computed | 'EdgeValues' >> beam.Map(lambda b: b.edges)
        return beam.pvalue.AsSingleton(computed), beam.pvalue.AsSingleton(edges)

    def plans(self, batches, to_units, edges):
        bits, config = self.bucket_bits, self.config
        weights = list(config.splits.values())
        return (
            batches
            | 'BatchHistogram' >> beam.Map(class_histograms, to_units, bits, edges)
            | 'Histogram' >> beam.CombineGlobally(MergeHistograms())
            | 'Plan' >> beam.Map(_build_plans, weights, bits, config.label_feature)
        )

    def group_sizes(self, units):
        if self.config.group_feature is None:
            return None
        return (
            units
            | 'GroupTerms' >> beam.Map(group_terms)
            | 'MergeGroupTerms' >> beam.CombineGlobally(merge_group_terms)
        )

    def report(self, table, extra, groups=None) -> dict:
        return split_report(table, self.config, extra, groups)
