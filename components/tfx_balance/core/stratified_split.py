"""Exact, streaming stratified split of serialized ``tf.train.Example`` records (Beam).

Design (two reads of the input, nothing per class held in memory):

1. **Histogram pass.** Each example gets a 64-bit seeded hash of its serialized bytes (of its
   group value when ``group_feature`` is set). Per class, a histogram counts examples in the 65,536
   buckets given by the hash's top 16 bits (a combiner; at most ``min(n, 65536)`` integers per
   class).
2. **Plan.** Per class, :func:`~tfx_balance.core.allocation.allocate` gives the count per split.
   Ordering the class's examples by hash, split ``i`` takes ranks ``[start_i, end_i)``. From the
   histogram, every bucket whose rank range lies inside one split is assigned as a whole; only the
   (at most ``#splits - 1``) *boundary buckets* that straddle a split boundary need ranking.
3. **Assignment pass.** Each example in a whole bucket goes straight to its split; examples in a
   boundary bucket (``n / 65536`` expected per bucket) are grouped, sorted by ``(hash, bytes)`` and
   assigned by rank. The result is exact, and a pure function of ``(seed, example bytes)``:
   identical across runs, runners, input order, sharding and retries.

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
    ...         records_source=lambda: beam.io.ReadFromTFRecord('data/*.gz'),
    ...         label_feature='label', splits={'train': 8, 'eval': 1, 'test': 1}, seed=0))
    ...     out.records['train'] | beam.io.WriteToTFRecord('out/train')
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Callable, Dict, Mapping, NamedTuple

import apache_beam as beam

from tfx_balance.core import allocation
from tfx_balance.core.errors import DataError
from tfx_balance.core.hashing import seeded_hash
from tfx_balance.core.labels import (
    class_name,
    class_sort_key,
    label_of_example,
    sorted_classes,
)

BUCKET_BITS = 16


@dataclasses.dataclass(frozen=True)
class ClassPlan:
    """Where one class's hash-ordered ranks go.

    Attributes:
      n: examples (or summed group sizes) of the class.
      counts: target count per split, in split order.
      starts: first rank of each split.
      first_buckets: per split, the first bucket whose first rank is >= the split's start.
      boundary_buckets: bucket -> rank of its first unit, for buckets straddling a boundary.
    """

    n: int
    counts: tuple
    starts: tuple
    first_buckets: tuple
    boundary_buckets: Mapping[int, int]

    def split_of_bucket(self, bucket: int) -> int:
        return bisect.bisect_right(self.first_buckets, bucket) - 1

    def split_of_rank(self, rank: int) -> int:
        return bisect.bisect_right(self.starts, rank) - 1


def plan_class(histogram: Mapping[int, int], weights, bucket_bits: int = BUCKET_BITS) -> ClassPlan:
    """Builds the :class:`ClassPlan` of one class from its bucket histogram (bucket -> units)."""
    n = sum(histogram.values())
    counts = allocation.allocate(n, weights)
    starts, total = [], 0
    for c in counts:
        starts.append(total)
        total += c
    inner_ends = {e for e in allocation.boundaries(counts)[:-1] if 0 < e < n}
    first_buckets = [None] * len(counts)
    boundary = {}
    lo = 0
    for bucket in sorted(histogram):
        hi = lo + histogram[bucket]
        if any(lo < e < hi for e in inner_ends):
            boundary[bucket] = lo
        for i, s in enumerate(starts):
            if first_buckets[i] is None and lo >= s:
                first_buckets[i] = bucket
        lo = hi
    sentinel = 1 << bucket_bits
    first_buckets = tuple(sentinel if b is None else b for b in first_buckets)
    return ClassPlan(n, tuple(counts), tuple(starts), first_buckets, boundary)


class _HistogramFn(beam.CombineFn):
    """Sums ``(bucket, size)`` pairs into a sparse ``{bucket: size}`` histogram."""

    def create_accumulator(self):
        return {}

    def add_input(self, acc, item):
        bucket, size = item
        acc[bucket] = acc.get(bucket, 0) + size
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for acc in accs:
            for k, v in acc.items():
                merged[k] = merged.get(k, 0) + v
        return merged

    def extract_output(self, acc):
        return acc


class _Unit(NamedTuple):
    """A unit of assignment: one example, or one group of examples."""

    label: object  # class the unit counts for
    hash: int
    size: int
    records: tuple  # serialized examples
    labels: tuple  # their labels


class _ToUnit(beam.DoFn):
    """Parses one example into a unit (example mode)."""

    def __init__(self, label_feature: str, seed: int):
        self._label_feature = label_feature
        self._seed = seed

    def process(self, record: bytes):
        label = _read(record, self._label_feature)
        yield _Unit(label, seeded_hash(self._seed, record), 1, (record,), (label,))


def _read(record: bytes, label_feature: str):
    from tensorflow.core.example import example_pb2

    return label_of_example(example_pb2.Example.FromString(record), label_feature)


def _group_key(record: bytes, label_feature: str, group_feature: str):
    from tensorflow.core.example import example_pb2

    example = example_pb2.Example.FromString(record)
    label = label_of_example(example, label_feature)
    feature = example.features.feature.get(group_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    values = list(getattr(feature, kind).value) if kind else []
    if len(values) != 1:
        raise DataError(
            f"group_feature '{group_feature}' must have exactly one value per example, found "
            f'{len(values)} in an example of class {class_name(label)!r}. Give every example '
            'one group id, or leave group_feature unset.'
        )
    value = values[0]
    key = f'{kind}:{value!r}'.encode()
    return key, (label, record)


def _group_to_unit(item, seed: int):
    key, members = item
    members = sorted(members, key=lambda m: m[1])
    counts = {}
    for label, _ in members:
        counts[label] = counts.get(label, 0) + 1
    dominant = min(counts, key=lambda c: (-counts[c], class_sort_key(c)))
    return _Unit(
        dominant,
        seeded_hash(seed, key),
        len(members),
        tuple(m[1] for m in members),
        tuple(m[0] for m in members),
    )


def _units(pipeline, records_source, label_feature, group_feature, seed, stage):
    records = pipeline | f'Read{stage}' >> records_source()
    if group_feature is None:
        return records | f'Parse{stage}' >> beam.ParDo(_ToUnit(label_feature, seed))
    return (
        records
        | f'KeyByGroup{stage}' >> beam.Map(_group_key, label_feature, group_feature)
        | f'GroupByGroup{stage}' >> beam.GroupByKey()
        | f'GroupToUnit{stage}' >> beam.Map(_group_to_unit, seed)
    )


class _Assign(beam.DoFn):
    """Sends whole-bucket units to their split; boundary-bucket units to the ranking stage."""

    BOUNDARY = 'boundary'

    def __init__(self, bucket_bits: int):
        self._shift = 64 - bucket_bits

    def process(self, unit: _Unit, plans):
        plan = plans[unit.label]
        bucket = unit.hash >> self._shift
        if bucket in plan.boundary_buckets:
            yield beam.pvalue.TaggedOutput(self.BOUNDARY, ((unit.label, bucket), unit))
        else:
            yield (plan.split_of_bucket(bucket), unit)


def _rank_boundary(item, plans):
    (label, bucket), units = item
    plan = plans[label]
    rank = plan.boundary_buckets[bucket]
    for unit in sorted(units, key=lambda u: (u.hash, u.records)):
        yield (plan.split_of_rank(rank), unit)
        rank += unit.size


def _explode(item):
    split, unit = item
    return ((split, record, label) for record, label in zip(unit.records, unit.labels))


def _build_plans(histograms, weights, bucket_bits):
    plans = {label: plan_class(hist, weights, bucket_bits) for label, hist in histograms}
    if not plans:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )
    return plans


COUNTS_KEY = '__counts__'
SPLIT_KEY_PREFIX = 'split:'
PART_SEPARATOR = '#'
PART_NAMES = ('whole', 'ranked')


class SplitOutputs:
    """Outputs of :class:`StratifiedSplit`.

    ``parts[split]``: the PCollections of serialized examples of a split (one from whole hash
    buckets, one from ranked boundary buckets). Write each part on its own (e.g. to the same
    folder with different file prefixes): merging them with ``Flatten`` makes the in-process
    DirectRunner buffer the large part in memory. ``records[split]`` is that merge, convenient for
    small data and tests. ``counts`` is a single-element PCollection ``{class: {split: count}}``.
    """

    def __init__(self, outputs: Dict[str, beam.PCollection]):
        self.parts = {}
        for key, pcoll in outputs.items():
            if key.startswith(SPLIT_KEY_PREFIX):
                split = key[len(SPLIT_KEY_PREFIX) :].rsplit(PART_SEPARATOR, 1)[0]
                self.parts.setdefault(split, []).append(pcoll)
        self.counts = outputs[COUNTS_KEY]
        self._merged = {}

    @property
    def records(self) -> Dict[str, beam.PCollection]:
        for split, parts in self.parts.items():
            if split not in self._merged:
                self._merged[split] = parts | f'Merge[{split}]' >> beam.Flatten()
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


class StratifiedSplit(beam.PTransform):
    """Splits examples into named splits with exact per-class counts (see module docstring).

    Apply to a pipeline (``PBegin``). ``records_source`` is called twice and must return a new
    PTransform reading the serialized examples each time (the two reads keep memory bounded).
    ``bucket_bits`` sets the histogram resolution (tests use small values to exercise ranking).
    It returns a dict of PCollections; wrap it in :class:`SplitOutputs` to get
    ``.records[split]`` (serialized examples) and ``.counts``, a single-element PCollection
    ``{class_name: {split: count}}`` measured on the output.
    """

    def __init__(
        self,
        records_source: Callable[[], beam.PTransform],
        label_feature: str,
        splits: Mapping[str, float],
        seed: int = 0,
        group_feature: str | None = None,
        bucket_bits: int = BUCKET_BITS,
    ):
        super().__init__()
        if not 0 <= bucket_bits <= 32:
            raise ValueError(f'bucket_bits must be in [0, 32], got {bucket_bits}')
        self._bucket_bits = bucket_bits
        self._splits = allocation.validate_split_weights(splits)
        self._source = records_source
        self._label_feature = label_feature
        self._group_feature = group_feature
        self._seed = int(seed)

    def expand(self, pipeline):
        names = list(self._splits)
        weights = list(self._splits.values())
        args = (self._source, self._label_feature, self._group_feature, self._seed)
        shift = 64 - self._bucket_bits
        histograms = (
            _units(pipeline, *args, stage='ForPlan')
            | 'BucketOf' >> beam.Map(lambda u: (u.label, (u.hash >> shift, u.size)))
            | 'Histogram' >> beam.CombinePerKey(_HistogramFn())
        )
        plans = (
            histograms
            | 'AllHistograms' >> beam.combiners.ToList()
            | 'Plan' >> beam.Map(_build_plans, weights, self._bucket_bits)
        )
        plans_side = beam.pvalue.AsSingleton(plans)
        assigned = _units(pipeline, *args, stage='ForAssign') | 'Assign' >> beam.ParDo(
            _Assign(self._bucket_bits), plans_side
        ).with_outputs(_Assign.BOUNDARY, main='whole')
        ranked = (
            assigned[_Assign.BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket' >> beam.FlatMap(_rank_boundary, plans_side)
        )
        outputs, partial_counts = {}, []
        for part, placed in zip(PART_NAMES, (assigned.whole, ranked)):
            examples = placed | f'Explode[{part}]' >> beam.FlatMap(_explode)
            by_split = examples | f'BySplit[{part}]' >> beam.Partition(
                lambda e, _n: e[0], len(names)
            )
            for i, name in enumerate(names):
                key = f'{SPLIT_KEY_PREFIX}{name}{PART_SEPARATOR}{part}'
                outputs[key] = by_split[i] | f'Records[{name}][{part}]' >> beam.Map(lambda e: e[1])
            partial_counts.append(
                examples
                | f'SplitAndClass[{part}]' >> beam.Map(lambda e: (e[0], e[2]))
                | f'Count[{part}]' >> beam.combiners.Count.PerElement()
            )
        outputs[COUNTS_KEY] = (
            partial_counts
            | 'MergeCounts' >> beam.Flatten()
            | 'SumCounts' >> beam.CombinePerKey(sum)
            | 'CountsToList' >> beam.combiners.ToList()
            | 'CountsTable' >> beam.Map(_counts_table, names)
        )
        return outputs
