"""Exact, streaming stratified split of serialized ``tf.train.Example`` records (Beam).

One transform, ``StratifiedSplit``, serves both label forms. ``StratifiedSplit.expand`` reads
top to bottom in stage order: the label bin edges when the classes are bins
(``label_bins.bin_edges``), the histogram pass and the plan, the assignment pass (place, rank
the boundary buckets, count), the report. Where the forms differ, a small strategy object
chosen from ``config.multi_label`` in ``STRATEGIES`` (the one place a form is chosen) gives:
the exact per-class rule (``exact.ExactStrategy``, described here) or iterative stratification
of label sets (``strata.IterativeStrategy``). Each has the same members:

- ``units``: how an input batch becomes units, ``(config, grouped)`` (``exact.ToUnits``,
  ``strata.LabelSetUnits``; ``read_batches`` reads the input, and ``input_units`` with groups or
  earlier spans makes the units); a unit's ``ranks`` is what it takes in its stratum's hash order;
- ``plans(batches, to_units, ...)``: the histogram pass and the plan (a single element;
  ``exact.PlanClasses``);
- ``place_units``: the assignment pass's DoFn, ``placement.PlaceUnits`` or a subclass, whose
  ``count`` is a placed example's count key;
- ``report(pairs, units, ...)``: the counts table and what ``split_counts.json`` holds
  (``report.py``); ``format_report(report, names)``: what the log shows.

A form holds no state: ``expand`` passes it the run's arguments.

Where each unit goes, once its stratum's counts are known (placed, boundary buckets ranked and
counted), is ``placement.py``'s, the same for both forms.

Design (two passes over the input, nothing per class held in memory):

1. **Histogram pass.** Each example gets a 64-bit seeded hash of its content key
   (``hashing.example_keys``: the same for every serialization of the same
   features, so the same whichever order ExampleGen's protobuf wrote the feature map in; of its
   group value when ``group_feature`` is set). Per class, a combiner counts examples per hash
   bucket (``tfx_balance.core.ranking``: at most ``min(n, 65536)`` integers per class).
2. **Plan.** Per class, ``allocation.allocate`` gives the count per split and
   ``placement.cut`` the class's ``ClassSplitPlan``. Ordering the class's examples by hash,
   split ``i`` takes ranks ``[start_i, end_i)``; ``ranking.rank_buckets`` cuts the histogram at
   the splits' starts: every bucket inside one split is assigned as a whole, and only the (at most
   ``#splits - 1``) *boundary buckets* that straddle a split boundary need ranking.
3. **Assignment pass.** Each example in a whole bucket goes straight to its split; examples in a
   boundary bucket (``n / 65536`` expected per bucket) are grouped, sorted by ``(hash, bytes)`` and
   assigned by rank. The result is exact, and a pure function of ``seed`` and the examples'
   content: identical across runs (including re-runs of the ExampleGen that wrote the input),
   runners, input order, sharding, batching and retries.

Both passes work on batches of serialized examples (``tfx_balance.core.records``;
``read_batches``): labels are
decoded a batch at a time in C++ (only the label feature), and one DoFn per batch sends every
example straight to its split's output and counts what it placed. Without ``group_feature`` each
pass reads the input itself (so does the label bin edges' sketch): the assignment pass then
streams it from its own read, where one read shared with the histogram pass would be held until
the plan is known, the whole input in memory on the in-process runner. Per example, the splitter
costs about one extra fast read, one content key and one hash more than a plain hash split.

With ``group_feature``, the unit is a group instead of an example: examples are grouped by the
group value (a shuffle; in the placement pass memory per worker is bounded by the largest group;
the plan pass, whose entries are labels and seed keys, groups them per bucket of group ids:
``group_buckets``; with earlier spans' assignments, the placement pass's groups meet the splits
the plan pass found them pinned to in the same shuffle: ``input_units``), each group counts for its
*dominant class* (its most frequent label; ties to the first class in sort order), and groups are
ordered by the seeded hash of the group value and assigned by the rank of their first example.
Guarantee: all examples of a group land in the same split; for each class, a split's count of
examples whose group has that dominant class differs from the rule's count by less than the size
of the largest such group (by zero when all groups have one example). Both passes (and the bin
edges' sketch) then share one read of the input: the assignment pass shuffles its records anyway,
so one read stage writes both groupings side by side (the plan pass's labels and seed keys, the
assignment pass's records). Where the assignment pass's grouping must wait (for the groups pinned
by earlier spans, which join it through a ``Flatten``; for computed bin edges, a side input), the
in-process runner writes the read batches out and reads them back instead, a batch at a time.

Example (outside TFX):
    >>> import apache_beam as beam
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = SplitOutputs(p | StratifiedSplit(
    ...         batches_source=lambda: ReadRecordBatches(['data/part-0.gz', 'data/part-1.gz']),
    ...         label_feature='label', splits={'train': 8, 'eval': 1, 'test': 1}, seed=0))
    ...     out.records['train'] | beam.io.WriteToTFRecord('out/train')

(``ReadRecordBatches`` is in ``tfx_balance.core.records``; a ``records_source`` such as
``lambda: beam.io.ReadFromTFRecord('data/*.gz')`` works too, at the speed of Beam's reader.)
"""

from __future__ import annotations

import zlib
from typing import Callable, Dict

import apache_beam as beam

from tfx_balance.core.errors import ConfigError
from tfx_balance.core.ranking import BUCKET_BITS
from tfx_balance.core.records import fixed_batches, unbatch
from tfx_balance.core.split.assignments import (
    PinUnits,
    Previous,
    key_by_group_or_pinned,
    pinned_groups,
)
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import ExactStrategy
from tfx_balance.core.split.label_bins import bin_edges
from tfx_balance.core.split.placement import rank_boundary
from tfx_balance.core.split.report import pinning_report
from tfx_balance.core.split.strata import IterativeStrategy

# config.multi_label -> the strategy of that label form (the one place a form is chosen)
STRATEGIES = {None: ExactStrategy, 'ids': IterativeStrategy, 'multi_hot': IterativeStrategy}
# buckets of group ids the plan pass groups its small entries in (group_buckets)
GROUP_BUCKETS = 128


def read_batches(pipeline, source, batched, stage=''):
    """Reads the input (``source()``) as batches: lists of serialized examples, or ``(where,
    list)`` pairs (``records.named_batch``)."""
    read = pipeline | f'Read{stage}' >> source()
    if not batched:
        read = read | f'Batch{stage}' >> fixed_batches()
    return read


def input_units(
    batches,
    stage,
    to_units=None,
    group_feature=None,
    edges=None,
    previous=None,
    records=True,
    pinned=None,
):
    """The input ``batches`` (``read_batches``') as a pass reads them: as they are, or with
    ``group_feature`` as lists of group units (``to_units``' ``key_by_group`` and
    ``group_to_unit``, the form's; ``edges``: the bin edges, or a side input of them, when the
    classes are label bins). With ``previous`` (earlier spans' assignments: an
    ``assignments.Previous`` of ``ReadAssignments``' sorted tables per key bucket), as lists of
    units (examples or groups), each joined by its key with ``previous``
    (``assignments.PinUnits``: a recurring unit is pinned to its earlier split). Units carry
    their examples' records unless ``records`` is False (the plan pass: what is grouped and
    joined is then small).

    ``pinned``, for groups in the placement pass: ``{group: split}`` of the groups the plan pass
    found pinned (``assignments.pinned_groups``), used instead of ``previous``. They join the
    grouping of examples by group (flattened with the input's batches:
    ``assignments.key_by_group_or_pinned``), so each record is shuffled once and each group is
    joined with ``previous`` once, in the plan pass's small grouping (where a group written by
    0.2.0 is found by its hash, known only once all its examples are together)."""
    if group_feature is None and previous is None:
        return batches
    given = () if edges is None else (edges,)
    if group_feature is None:
        units = batches | f'ToUnits{stage}' >> beam.FlatMap(
            to_units.example_units, *given, records=records
        )
    else:
        if pinned is not None:  # each pinned group's split, grouped with its examples
            batches = (batches, pinned) | f'WithPinned{stage}' >> beam.Flatten()
        if records:
            keyed = batches | f'KeyByGroup{stage}' >> beam.FlatMap(
                key_by_group_or_pinned, to_units.key_by_group, group_feature, *given
            )
            units = (
                keyed
                | f'GroupByGroup{stage}' >> beam.GroupByKey()
                | f'GroupToUnit{stage}' >> beam.Map(to_units.group_to_unit)
            )
        else:
            keyed = batches | f'KeyByGroupBucket{stage}' >> beam.FlatMap(
                group_buckets, to_units.key_by_group, group_feature, *given, records=False
            )
            units = (
                keyed
                | f'GroupByGroupBucket{stage}' >> beam.GroupByKey()
                | f'GroupToUnits{stage}' >> beam.FlatMap(bucket_units, to_units.group_to_unit)
            )
    if previous is not None and pinned is None:
        units = units | f'Pin{stage}' >> PinUnits(previous)
    return units | f'BatchUnits{stage}' >> fixed_batches()


def group_buckets(batch, key_by_group, *args, **kwargs) -> list:
    """The plan pass's ``key_by_group`` entries of an input batch (the form's), as one element
    per bucket of group ids (``zlib.crc32`` of the id modulo ``GROUP_BUCKETS``): ``(bucket,
    (groups, columns))``, the ids and the entries' fields as columns. The runner's cost is per
    element, and these entries are small: one element per (batch, bucket) instead of one per
    example. The price is memory: ``bucket_units`` holds one bucket's entries at a time, about
    ``n / GROUP_BUCKETS`` of them (7,800 per million examples), where one group at a time would
    be the largest group; the placement pass, whose entries carry records, groups one group at a
    time."""
    chunks = {}
    for group, entry in key_by_group(batch, *args, **kwargs):
        bucket = zlib.crc32(group) % GROUP_BUCKETS
        chunk = chunks.get(bucket)
        if chunk is None:
            chunk = chunks[bucket] = ([], [])
        chunk[0].append(group)
        chunk[1].append(entry)
    return [(b, (groups, tuple(zip(*entries)))) for b, (groups, entries) in chunks.items()]


def bucket_units(item, group_to_unit) -> list:
    """The units (``group_to_unit``, the form's) of the groups of one grouped bucket of
    ``group_buckets``' chunks."""
    _, chunks = item
    members = {}
    for groups, columns in chunks:
        for group, entry in zip(groups, zip(*columns)):
            found = members.get(group)
            if found is None:
                members[group] = [entry]
            else:
                found.append(entry)
    return [group_to_unit(item) for item in members.items()]


class SplitOutputs:
    """Outputs of ``StratifiedSplit``.

    - ``whole[split]``: the serialized examples of a split that came from whole hash buckets:
      nearly all of them, straight from the assignment pass, as one list per input batch (write
      it as it streams: ``artifacts.WriteRecords(..., batched=True)``).
    - ``ranked``: ``(split, serialized example)`` pairs of the examples placed by rank in
      boundary buckets: at most ``#splits - 1`` of the 65,536 buckets per class, so small enough
      to group per split in one worker (see ``artifacts.WriteSmallSplits``).
    - ``records[split]``: both merged, convenient for small data and tests. Do not write this at
      scale: merging with ``Flatten`` makes the in-process DirectRunner buffer the whole part.
    - ``counts``: a single-element PCollection ``{class: {split: count}}``.
    - ``report``: a single-element PCollection of what ``split_counts.json`` holds
      (``report.split_report``: ``counts``, or with folds or label
      bins, the structured report).
    - ``assignments``: with ``assignments=True``, the ``(unit key, split index)`` of every unit,
      as records of several each (``assignments.encode_assignments``, to write as they are;
      ``decode_assignments`` reads one); else None.
    """

    # The keys of StratifiedSplit's output dict (it writes them, __init__ reads them): a split's
    # whole part is under WHOLE + its name.
    WHOLE, RANKED, COUNTS, REPORT = 'split:', '__ranked__', '__counts__', '__report__'
    ASSIGNMENTS = '__assignments__'

    def __init__(self, outputs: Dict[str, beam.PCollection]):
        self.whole = {
            key[len(self.WHOLE) :]: pcoll
            for key, pcoll in outputs.items()
            if key.startswith(self.WHOLE)
        }
        self.ranked = outputs[self.RANKED]
        self.counts = outputs[self.COUNTS]
        self.report = outputs[self.REPORT]
        self.assignments = outputs.get(self.ASSIGNMENTS)
        self._merged = {}

    @property
    def records(self) -> Dict[str, beam.PCollection]:
        for split, whole in self.whole.items():
            if split not in self._merged:
                ranked = self.ranked | f'Ranked[{split}]' >> beam.FlatMap(
                    lambda pair, s=split: [pair[1]] if pair[0] == s else []
                )
                each = whole | f'Whole[{split}]' >> beam.FlatMap(unbatch)
                self._merged[split] = (each, ranked) | f'Merge[{split}]' >> beam.Flatten()
        return self._merged


class StratifiedSplit(beam.PTransform):
    """Splits examples into named splits, stratified by their labels, in the form
    ``config.multi_label`` says (see the module docstring; ``STRATEGIES``): one label per
    example (exact per-class counts), or label ids / a multi-hot vector (every label stratified
    at once; ``.counts`` is then the per-label report).

    Apply to a pipeline (``PBegin``). Give one source, a callable that returns a new PTransform
    reading the input each time it is called: twice (three times with ``label_bins``, whose
    edges take a read of the label), so that the assignment pass streams the input; once with
    ``group_feature``, whose passes share one read (module docstring):
    ``batches_source`` yields lists of serialized examples (e.g.
    ``ReadRecordBatches``, the fast path), or ``(where, list)``
    pairs whose ``where`` (e.g. ``"split 'train'"``) errors name; ``records_source`` yields
    serialized examples one by one (batched here).
    ``config`` is a ``StratifiedSplitConfig``, used as is (or
    pass its fields as keyword arguments, validated here). ``bucket_bits`` sets the histogram
    resolution (tests use small values to exercise ranking). It returns a dict of PCollections;
    wrap it in ``SplitOutputs`` to get the examples of each split (``.whole[split]`` and
    ``.ranked``, or ``.records[split]``) and ``.counts``, a single-element PCollection
    ``{class_name: {split: count}}`` counted as the examples are placed (with ``multi_label``,
    the per-label report: ``report.label_set_report``).

    Across spans (``assignments.py``): ``assignments=True`` also outputs the ``(unit key, split
    index)`` of every unit (``SplitOutputs.assignments``), to write; ``previous``, earlier
    spans' assignments as ``assignments.read_previous`` reads them (an ``assignments.Previous``),
    or as ``assignments.ReadAssignments`` does (one table of keys and splits per key bucket,
    keyed by ``Unit.key``), pins the units found there to their earlier split.
    Without ``previous`` the split is exactly the one it would be without either argument.
    """

    def __init__(
        self,
        records_source: Callable[[], beam.PTransform] | None = None,
        config: StratifiedSplitConfig | None = None,
        batches_source: Callable[[], beam.PTransform] | None = None,
        bucket_bits: int = BUCKET_BITS,
        previous: Previous | beam.PCollection | None = None,
        assignments: bool = False,
        **kwargs,
    ):
        super().__init__()
        if (records_source is None) == (batches_source is None):
            raise ConfigError('give exactly one of records_source and batches_source')
        if not 0 <= bucket_bits <= 32:
            raise ConfigError(f'bucket_bits must be in [0, 32], got {bucket_bits}')
        self._bucket_bits = bucket_bits
        self._config = config if config is not None else StratifiedSplitConfig(**kwargs).validate()
        self._source = batches_source or records_source
        self._batched = batches_source is not None
        if isinstance(previous, beam.PCollection):  # ReadAssignments' tables: keyed by Unit.key
            previous = Previous(previous)
        self._previous, self._assignments = previous, assignments

    def expand(self, pipeline):
        config, previous, bits = self._config, self._previous, self._bucket_bits
        strategy = STRATEGIES[config.multi_label]
        names = list(config.splits)
        source, batched, grouped = self._source, self._batched, config.group_feature is not None
        # with groups, or earlier spans to join by key, the input is read as units
        to_units = strategy.units(config, grouped or previous is not None)
        # With groups, the passes (and the label bin edges) share one read: the placement pass's
        # grouping holds the records anyway. Without, each pass reads the input, so that the
        # placement pass streams it (nothing is held in memory).
        shared = read_batches(pipeline, source, batched) if grouped else None

        def batches(stage):
            return shared if grouped else read_batches(pipeline, source, batched, stage)

        bins, edges = bin_edges(config, batches)
        given = () if edges is None else (edges,)

        def read(stage, records, pinned=None):
            return input_units(
                batches(stage),
                stage,
                to_units,
                config.group_feature,
                edges,
                previous,
                records,
                pinned,
            )

        plan_units = read('ForPlan', records=False)  # the plan counts units: no records
        plans = strategy.plans(plan_units, to_units, config, bits, previous is not None, edges)
        plans_side = beam.pvalue.AsSingleton(plans)
        pinned = None
        if previous is not None and grouped:
            pinned = plan_units | 'PinnedGroups' >> beam.FlatMap(pinned_groups)
        assign = read('ForAssign', records=True, pinned=pinned)
        place = strategy.place_units(to_units, bits, len(names), self._assignments)
        placed = assign | 'Place' >> beam.ParDo(place, plans_side, *given).with_outputs(
            place.BOUNDARY,
            place.COUNTS,
            *place.tags,
            *([place.ASSIGNMENTS] if self._assignments else []),
        )
        outputs = {SplitOutputs.WHOLE + name: placed[tag] for name, tag in zip(names, place.tags)}
        ranked = (  # per boundary bucket, its [(split, unit)] in rank order
            placed[place.BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket' >> beam.Map(rank_boundary, plans_side)
        )
        if self._assignments:
            outputs[SplitOutputs.ASSIGNMENTS] = (
                placed[place.ASSIGNMENTS],
                ranked | 'RankedAssignments' >> beam.Map(place.assignments_record),
            ) | 'Assignments' >> beam.Flatten()
        outputs[SplitOutputs.RANKED] = ranked | 'RankedBySplit' >> beam.FlatMap(
            lambda units: [(names[s], record) for s, u in units for record in u.records]
        )
        pairs = (  # [(count key, examples)], summed over the placed and the ranked
            (placed[place.COUNTS], ranked | 'CountRanked' >> beam.Map(place.count_units))
            | 'MergeCounts' >> beam.Flatten()
            | 'Pairs' >> beam.FlatMap(lambda c: c)
            | 'SumCounts' >> beam.CombinePerKey(sum)
            | 'CountsToList' >> beam.combiners.ToList()
        )
        pinning = None
        if previous is not None:
            pinning = beam.pvalue.AsSingleton(plans | 'Pinned' >> beam.Map(pinning_report, names))
        outputs[SplitOutputs.COUNTS], outputs[SplitOutputs.REPORT] = strategy.report(
            pairs, assign, config, bins, pinning
        )
        return outputs
