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
from tfx_balance.core.split.placement import PlaceUnits, cut, plan_stratum
from tfx_balance.core.split.report import (
    class_table,
    count_class,
    format_report,
    group_terms,
    merge_group_terms,
    pinning_report,
    split_report,
)
from tfx_balance.core.split.units import ToUnits, batch_label_values, check_not_empty, input_batches


class Histograms(NamedTuple):
    """``{class: {bucket: units}}``, and ``{label: 'fingerprint[ in where]'}`` of one example per
    label value (each example's own label: with groups, not only the classes units count for),
    and ``{class: {split: units}}`` of the units pinned by earlier spans (not in ``buckets``)."""

    buckets: Dict[object, Dict[int, int]]
    examples: Dict[object, str]
    pinned: Dict[object, Dict[int, int]]


def class_histograms(batch, to_units, bucket_bits: int, edges=None) -> Histograms:
    """The ``Histograms`` of one input batch."""
    where = '' if to_units.grouped else (batch[0] if isinstance(batch, tuple) else '')
    buckets, first, pinned = {}, {}, {}
    for unit in to_units(batch, edges):
        if unit.pinned is not None:  # counted in its split, not ranked (only in unit batches)
            per_split = pinned.setdefault(unit.label, {})
            per_split[unit.pinned] = per_split.get(unit.pinned, 0) + unit.size
        else:
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
    return Histograms(buckets, examples, pinned)


class MergeHistograms(MergeInputs):
    """Merges per-batch ``Histograms`` into one (of the examples the batches kept for a label,
    the one with the least fingerprint)."""

    def create_accumulator(self):
        return Histograms({}, {}, {})

    def add_input(self, acc, item):
        for mine, theirs in ((acc.buckets, item.buckets), (acc.pinned, item.pinned)):
            for label, hist in theirs.items():
                merged = mine.setdefault(label, {})
                for key, size in hist.items():
                    merged[key] = merged.get(key, 0) + size
        for label, example in item.examples.items():
            if label not in acc.examples or example < acc.examples[label]:
                acc.examples[label] = example
        return acc


def _size(unit) -> int:
    return unit.size  # a class's plan counts examples: a group takes as many ranks


def _build_plans(histograms, weights, bucket_bits: int, label_feature: str, pinning=False):
    """``{class: ClassSplitPlan}``; with ``pinning`` (earlier spans' assignments), each class
    counted whole (pinned + fresh) and its fresh units cut by ``placement.plan_stratum``."""
    buckets, pinned = histograms.buckets, histograms.pinned
    totals = {label: sum(hist.values()) for label, hist in buckets.items()}
    for label, per_split in pinned.items():
        totals[label] = totals.get(label, 0) + sum(per_split.values())
    check_not_empty(bool(totals))
    check_label_kinds(histograms.examples, label_feature)
    check_distinct_names(totals, label_feature)
    counts = exact_counts(totals, weights)
    if not pinning:
        return {label: cut(counts[label], hist, bucket_bits) for label, hist in buckets.items()}
    return {
        label: plan_stratum(
            counts[label],
            buckets.get(label, {}),
            bucket_bits,
            tuple(pinned.get(label, {}).get(i, 0) for i in range(len(weights))),
        )
        for label in totals
    }


class ExactStrategy:
    """One label per example (or a label bin): each class split by the exact rule."""

    place_units = PlaceUnits  # the assignment pass's DoFn
    count = staticmethod(count_class)  # a placed example's count key: (split, class)
    weight = staticmethod(_size)  # ranks a unit takes in a boundary bucket
    table = staticmethod(class_table)
    format_report = staticmethod(format_report)

    def __init__(self, config: StratifiedSplitConfig, bucket_bits: int, pinning: bool = False):
        self.config, self.bucket_bits, self.pinning = config, bucket_bits, pinning

    def to_units(self) -> ToUnits:
        config = self.config  # with pinning, the input comes as units (joined by key)
        grouped = config.group_feature is not None or self.pinning
        return ToUnits(config.label_feature, config.seed, grouped)

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
            | 'Plan' >> beam.Map(_build_plans, weights, bits, config.label_feature, self.pinning)
        )

    def group_sizes(self, units):
        if self.config.group_feature is None:
            return None
        return (
            units
            | 'GroupTerms' >> beam.Map(group_terms)
            | 'MergeGroupTerms' >> beam.CombineGlobally(merge_group_terms)
        )

    def pinning_report(self, plans, names) -> dict:
        """What ``split_counts.json`` says of the pinned units (``report.pinning_report``)."""
        return pinning_report(plans, names, lambda label: (label,))

    def report(self, table, extra, groups=None, pinning=None) -> dict:
        return split_report(table, self.config, extra, groups, pinning)
