"""Exact, streaming stratified split of serialized ``tf.train.Example`` records (Beam).

Design (two reads of the input, nothing per class held in memory):

1. **Histogram pass.** Each example gets a 64-bit seeded hash of its content key
   (:func:`~tfx_balance.core.hashing.example_keys`: the same for every serialization of the same
   features, so the same whichever order ExampleGen's protobuf wrote the feature map in; of its
   group value when ``group_feature`` is set). Per class, a combiner counts examples per hash
   bucket (:mod:`tfx_balance.core.ranking`: at most ``min(n, 65536)`` integers per class).
2. **Plan.** Per class, :func:`~tfx_balance.core.split.allocation.allocate` gives the count per split
   (:class:`ClassSplitPlan`). Ordering the class's examples by hash, split ``i`` takes ranks
   ``[start_i, end_i)``; :func:`~tfx_balance.core.ranking.rank_buckets` cuts the histogram at
   the splits' starts: every bucket inside one split is assigned as a whole, and only the (at most
   ``#splits - 1``) *boundary buckets* that straddle a split boundary need ranking.
3. **Assignment pass.** Each example in a whole bucket goes straight to its split; examples in a
   boundary bucket (``n / 65536`` expected per bucket) are grouped, sorted by ``(hash, bytes)`` and
   assigned by rank. The result is exact, and a pure function of ``seed`` and the examples'
   content: identical across runs (including re-runs of the ExampleGen that wrote the input),
   runners, input order, sharding, batching and retries.

Both passes work on batches of serialized examples (:mod:`tfx_balance.core.records`; units and
the histogram pass: :mod:`tfx_balance.core.split.units`): labels are
decoded a batch at a time in C++ (only the label feature), and one DoFn per batch sends every
example straight to its split's output and counts what it placed. Per example, the splitter costs
about one extra fast read, one content key and one hash more than a plain hash split.

With ``group_feature``, the unit is a group instead of an example: examples are grouped by the
group value (a shuffle; memory per worker bounded by the largest group), each group counts for its
*dominant class* (its most frequent label; ties to the first class in sort order), and groups are
ordered by the seeded hash of the group value and assigned by the rank of their first example.
Guarantee: all examples of a group land in the same split; for each class, a split's count of
examples whose group has that dominant class differs from the rule's count by less than the size
of the largest such group (by zero when all groups have one example).

Example (outside TFX):
    >>> import apache_beam as beam
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = SplitOutputs(p | StratifiedSplit(
    ...         batches_source=lambda: ReadRecordBatches(['data/part-0.gz', 'data/part-1.gz']),
    ...         label_feature='label', splits={'train': 8, 'eval': 1, 'test': 1}, seed=0))
    ...     out.records['train'] | beam.io.WriteToTFRecord('out/train')

(``ReadRecordBatches`` is in :mod:`tfx_balance.core.records`; a ``records_source`` such as
``lambda: beam.io.ReadFromTFRecord('data/*.gz')`` works too, at the speed of Beam's reader.)
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Mapping

import apache_beam as beam

from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    sorted_classes,
)
from tfx_balance.core.ranking import BUCKET_BITS, BucketRanking, bucket_of, rank_buckets
from tfx_balance.core.split import allocation
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.label_bins import BinEdges, SketchLabels, quantile_edges
from tfx_balance.core.split.report import split_report
from tfx_balance.core.split.units import (
    Histograms,
    MergeHistograms,
    ToUnits,
    batch_histograms,
    batch_label_values,
    input_batches,
)


@dataclasses.dataclass(frozen=True)
class ClassSplitPlan:
    """Where one class's hash-ordered ranks go: split ``i`` takes the ranks of segment ``i``.

    Attributes:
      n: examples (or summed group sizes) of the class.
      counts: target count per split, in split order (:func:`~tfx_balance.core.split.allocation.allocate`).
      ranking: the class's :class:`~tfx_balance.core.ranking.BucketRanking`, cut at the first rank
        of every split after the first.
    """

    n: int
    counts: tuple
    ranking: BucketRanking

    @classmethod
    def from_histogram(
        cls, histogram: Mapping[int, int], weights, bucket_bits: int = BUCKET_BITS
    ) -> ClassSplitPlan:
        """The plan of one class from its bucket histogram (bucket -> units)."""
        n = sum(histogram.values())
        counts = allocation.allocate(n, weights)
        cuts = allocation.boundaries(counts)[:-1]
        return cls(n, tuple(counts), rank_buckets(histogram, cuts, bucket_bits))


class _Place(beam.DoFn):
    """Sends each unit of an input batch to its split, or to ranking if it is in a boundary bucket.

    Outputs: the serialized examples of split ``i`` on tag ``split_tag(i)``; boundary units keyed
    by ``(class, bucket)`` on ``BOUNDARY``; per batch, ``[((split, label), count)]`` of the
    examples it placed on ``COUNTS``.
    """

    BOUNDARY = 'boundary'
    COUNTS = 'counts'

    def __init__(self, to_units: ToUnits, bucket_bits: int, num_splits: int):
        self._to_units = to_units
        self._bucket_bits = bucket_bits
        self._tags = [split_tag(i) for i in range(num_splits)]

    def process(self, batch, plans, edges=None):
        counts = {}
        for unit in self._to_units(batch, edges):
            ranking = plans[unit.label].ranking
            bucket = bucket_of(unit.hash, self._bucket_bits)
            if bucket in ranking.boundary:
                yield beam.pvalue.TaggedOutput(self.BOUNDARY, ((unit.label, bucket), unit))
                continue
            split = ranking.segment_of_bucket(bucket)
            tag = self._tags[split]
            for record, label in zip(unit.records, unit.labels):
                yield beam.pvalue.TaggedOutput(tag, record)
                counts[split, label] = counts.get((split, label), 0) + 1
        if counts:
            yield beam.pvalue.TaggedOutput(self.COUNTS, list(counts.items()))


def split_tag(index: int) -> str:
    return f'split{index}'


def _rank_boundary(item, plans):
    (label, bucket), units = item
    ranking = plans[label].ranking
    rank = ranking.boundary[bucket]
    for unit in sorted(units, key=lambda u: (u.hash, u.records)):
        yield (ranking.segment_of_rank(rank), unit)
        rank += unit.size


def _explode(item):
    split, unit = item
    return ((split, record, label) for record, label in zip(unit.records, unit.labels))


def _build_plans(histograms: Histograms, weights, bucket_bits: int, label_feature: str):
    if not histograms.buckets:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )
    check_label_kinds(histograms.examples, label_feature)
    check_distinct_names(histograms.buckets, label_feature)
    return {
        label: ClassSplitPlan.from_histogram(hist, weights, bucket_bits)
        for label, hist in histograms.buckets.items()
    }


COUNTS_KEY = '__counts__'
REPORT_KEY = '__report__'
RANKED_KEY = '__ranked__'
SPLIT_KEY_PREFIX = 'split:'


class SplitOutputs:
    """Outputs of :class:`StratifiedSplit`.

    - ``whole[split]``: the serialized examples of a split that came from whole hash buckets:
      nearly all of them, straight from the assignment pass (write it as it streams).
    - ``ranked``: ``(split, serialized example)`` pairs of the examples placed by rank in
      boundary buckets: at most ``#splits - 1`` of the 65,536 buckets per class, so small enough
      to group per split in one worker (see ``artifacts.WriteSmallSplits``).
    - ``records[split]``: both merged, convenient for small data and tests. Do not write this at
      scale: merging with ``Flatten`` makes the in-process DirectRunner buffer the whole part.
    - ``counts``: a single-element PCollection ``{class: {split: count}}``.
    - ``report``: a single-element PCollection of what ``split_counts.json`` holds
      (:func:`~tfx_balance.core.split.report.split_report`: ``counts``, or with folds or label
      bins, the structured report).
    """

    def __init__(self, outputs: Dict[str, beam.PCollection]):
        self.whole = {
            key[len(SPLIT_KEY_PREFIX) :]: pcoll
            for key, pcoll in outputs.items()
            if key.startswith(SPLIT_KEY_PREFIX)
        }
        self.ranked = outputs[RANKED_KEY]
        self.counts = outputs[COUNTS_KEY]
        self.report = outputs[REPORT_KEY]
        self._merged = {}

    @property
    def records(self) -> Dict[str, beam.PCollection]:
        for split, whole in self.whole.items():
            if split not in self._merged:
                ranked = self.ranked | f'Ranked[{split}]' >> beam.FlatMap(
                    lambda pair, s=split: [pair[1]] if pair[0] == s else []
                )
                self._merged[split] = (whole, ranked) | f'Merge[{split}]' >> beam.Flatten()
        return self._merged


def _counts_table(pairs, split_names):
    """Turns ``((split_index, label), count)`` pairs into ``{class_name: {split: count}}``."""
    by_class = {}
    for (index, label), count in pairs:
        by_class.setdefault(label, {})[split_names[index]] = count
    return {
        class_name(label): {s: by_class[label].get(s, 0) for s in split_names}
        for label in sorted_classes(by_class)
    }


class SourcedSplit(beam.PTransform):
    """What StratifiedSplit and MultiLabelStratifiedSplit share: one input source (a callable
    returning a new reading PTransform each time), a validated config and the bucket bits."""

    def __init__(
        self,
        records_source: Callable[[], beam.PTransform] | None = None,
        config: StratifiedSplitConfig | None = None,
        batches_source: Callable[[], beam.PTransform] | None = None,
        bucket_bits: int = BUCKET_BITS,
        **kwargs,
    ):
        super().__init__()
        if (records_source is None) == (batches_source is None):
            raise ConfigError('give exactly one of records_source and batches_source')
        if not 0 <= bucket_bits <= 32:
            raise ConfigError(f'bucket_bits must be in [0, 32], got {bucket_bits}')
        self._bucket_bits = bucket_bits
        self._config = config if config is not None else StratifiedSplitConfig(**kwargs).validate()
        self._check_form(self._config)
        self._source = batches_source or records_source
        self._batched = batches_source is not None

    def _check_form(self, config: StratifiedSplitConfig) -> None:
        """Raises ConfigError if this transform does not split ``config``'s label form."""


class StratifiedSplit(SourcedSplit):
    """Splits examples into named splits with exact per-class counts (see module docstring).

    Apply to a pipeline (``PBegin``). Give one source, a callable called twice (three times with
    ``label_bins``, whose edges take a read of the label) that returns a new PTransform reading
    the input each time (the reads keep memory bounded):
    ``batches_source`` yields lists of serialized examples (e.g.
    :class:`~tfx_balance.core.records.ReadRecordBatches`, the fast path), or ``(where, list)``
    pairs whose ``where`` (e.g. ``"split 'train'"``) errors name; ``records_source`` yields
    serialized examples one by one (batched here).
    ``config`` is a :class:`~tfx_balance.core.split.config.StratifiedSplitConfig`, used as is (or pass its
    fields as keyword arguments, validated here). ``bucket_bits`` sets the histogram resolution
    (tests use small values to exercise ranking). It returns a dict of PCollections; wrap it in
    :class:`SplitOutputs` to get the examples of each split (``.whole[split]`` and ``.ranked``, or
    ``.records[split]``) and ``.counts``, a single-element PCollection
    ``{class_name: {split: count}}`` counted as the examples are placed.
    """

    def _check_form(self, config: StratifiedSplitConfig) -> None:
        if config.multi_label is not None:
            raise ConfigError(
                'StratifiedSplit splits one label per example; for multi_label='
                f'{config.multi_label!r} use '
                'tfx_balance.core.split.multilabel.MultiLabelStratifiedSplit.'
            )

    def expand(self, pipeline):
        config = self._config
        names = list(config.splits)
        weights = list(config.splits.values())
        args = (
            self._source,
            self._batched,
            config.label_feature,
            config.group_feature,
            config.seed,
        )
        to_units = ToUnits(config.label_feature, config.seed, config.group_feature is not None)
        bins, edges = self._bin_edges(pipeline)
        plans = (
            input_batches(pipeline, *args, stage='ForPlan', edges=edges)
            | 'BatchHistogram' >> beam.Map(batch_histograms, to_units, self._bucket_bits, edges)
            | 'Histogram' >> beam.CombineGlobally(MergeHistograms())
            | 'Plan' >> beam.Map(_build_plans, weights, self._bucket_bits, config.label_feature)
        )
        plans_side = beam.pvalue.AsSingleton(plans)
        tags = [split_tag(i) for i in range(len(names))]
        placed = input_batches(
            pipeline, *args, stage='ForAssign', edges=edges
        ) | 'Place' >> beam.ParDo(
            _Place(to_units, self._bucket_bits, len(names)), plans_side, *_given(edges)
        ).with_outputs(_Place.BOUNDARY, _Place.COUNTS, *tags)
        outputs = {f'{SPLIT_KEY_PREFIX}{name}': placed[tag] for name, tag in zip(names, tags)}
        ranked = (
            placed[_Place.BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket' >> beam.FlatMap(_rank_boundary, plans_side)
            | 'ExplodeRanked' >> beam.FlatMap(_explode)
        )
        outputs[RANKED_KEY] = ranked | 'RankedBySplit' >> beam.Map(lambda e: (names[e[0]], e[1]))
        ranked_counts = (
            ranked
            | 'RankedSplitAndClass' >> beam.Map(lambda e: (e[0], e[2]))
            | 'CountRanked' >> beam.combiners.Count.PerElement()
        )
        placed_counts = placed[_Place.COUNTS] | 'PlacedCounts' >> beam.FlatMap(lambda c: c)
        outputs[COUNTS_KEY] = (
            (placed_counts, ranked_counts)
            | 'MergeCounts' >> beam.Flatten()
            | 'SumCounts' >> beam.CombinePerKey(sum)
            | 'CountsToList' >> beam.combiners.ToList()
            | 'CountsTable' >> beam.Map(_counts_table, names)
        )
        outputs[REPORT_KEY] = outputs[COUNTS_KEY] | 'Report' >> beam.Map(split_report, config, bins)
        return outputs

    def _bin_edges(self, pipeline):
        """``(bins, edges)`` for label bins: the :class:`BinEdges` for the report and the edges
        the stages take (both side inputs when computed from the data); ``(None, None)``
        without bins."""
        config = self._config
        if config.label_bin_edges is not None:
            return BinEdges(config.label_bin_edges), config.label_bin_edges
        if config.label_bins is None:
            return None, None
        raw = (self._source, self._batched, config.label_feature, None, config.seed)
        computed = (
            input_batches(pipeline, *raw, stage='ForBins')
            | 'LabelValues' >> beam.Map(batch_label_values, config.label_feature)
            | 'SketchLabels' >> beam.CombineGlobally(SketchLabels())
            | 'BinEdges' >> beam.Map(quantile_edges, config.label_bins)
        )
        edges = computed | 'EdgeValues' >> beam.Map(lambda b: b.edges)
        return beam.pvalue.AsSingleton(computed), beam.pvalue.AsSingleton(edges)


def _given(edges) -> tuple:
    """The extra argument of a stage that takes the bin edges (none without bins)."""
    return () if edges is None else (edges,)
