"""Exact, streaming stratified split of serialized ``tf.train.Example`` records (Beam).

``StratifiedSplit.expand`` reads top to bottom in stage order: read the input (as units
where groups or earlier spans need them: ``ExampleUnits``, ``GroupUnits``, ``GroupBucketUnits``);
bin edges, only with label bins; the histogram pass and plan; place, rank the boundary buckets,
count; report. The label form is chosen once, in ``STRATEGIES``; the design:
docs/stratified_splitter.md, "Design".

Example (outside TFX):
    >>> STRATEGIES[None].__name__, STRATEGIES['ids'].__name__
    ('ExactStrategy', 'IterativeStrategy')
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = SplitOutputs(p | StratifiedSplit(
    ...         batches_source=lambda: ReadRecordBatches(['data/part-0.gz']),
    ...         label_feature='label', splits={'train': 8, 'eval': 1, 'test': 1}, seed=0))
    ...     out.records['train'] | beam.io.WriteToTFRecord('out/train')
"""

from __future__ import annotations

import zlib
from typing import Callable, Dict

import apache_beam as beam

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import BUCKET_BITS
from tfx_balance.core.common.records import fixed_batches, unbatch
from tfx_balance.core.split import label_bins
from tfx_balance.core.split.assignments import (
    PinUnits,
    Previous,
    key_by_group_or_pinned,
    pinned_groups,
    pinning_report,
)
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import ExactStrategy
from tfx_balance.core.split.strata import IterativeStrategy
from tfx_balance.core.split.stratify_features import plain_counts

# config.multi_label -> the strategy of that label form (the one place a form is chosen)
STRATEGIES = {None: ExactStrategy, 'ids': IterativeStrategy, 'multi_hot': IterativeStrategy}
# Buckets of group ids the plan pass groups its small entries in (group_buckets): fewer, larger
# elements (the runner's cost is per element) against one bucket's entries held at a time
# (about n / GROUP_BUCKETS); measured in benchmarks/RESULTS.md (section 13, `spans`).
GROUP_BUCKETS = 128


@beam.ptransform_fn
def ExampleUnits(batches, to_units, edges=None, records=True):  # noqa: N802
    """Input batches -> units, one per example (the form's ``example_units``), to be joined
    with earlier spans' assignments; ``records=False`` (the plan pass) drops the records."""
    given = () if edges is None else (edges,)
    return batches | 'ToUnits' >> beam.FlatMap(to_units.example_units, *given, records=records)


@beam.ptransform_fn
def GroupUnits(batches, to_units, group_feature, edges=None, pinned=None):  # noqa: N802
    """Input batches -> the placement pass's units, one per group, with their records.
    ``pinned``: the plan pass's ``assignments.PinnedGroups``, grouped with their group, or None."""
    given = () if edges is None else (edges,)
    if pinned is not None:
        batches = (batches, pinned) | 'WithPinned' >> beam.Flatten()
    return (
        batches
        | 'KeyByGroup'
        >> beam.FlatMap(key_by_group_or_pinned, to_units.key_by_group, group_feature, *given)
        | 'GroupByGroup' >> beam.GroupByKey()
        | 'GroupToUnit' >> beam.Map(to_units.group_to_unit)
    )


@beam.ptransform_fn
def GroupBucketUnits(batches, to_units, group_feature, edges=None):  # noqa: N802
    """Input batches -> the plan pass's units, one per group, without records, grouped per
    bucket of group ids (``group_buckets``, ``bucket_units``)."""
    given = () if edges is None else (edges,)
    return (
        batches
        | 'KeyByGroupBucket'
        >> beam.FlatMap(group_buckets, to_units.key_by_group, group_feature, *given, records=False)
        | 'GroupByGroupBucket' >> beam.GroupByKey()
        | 'GroupToUnits' >> beam.FlatMap(bucket_units, to_units.group_to_unit)
    )


def group_buckets(batch, key_by_group, *args, **kwargs) -> list:
    """The form's ``key_by_group`` entries of a batch as ``(bucket, (groups, columns))``, one
    element per bucket of group ids (``zlib.crc32`` of the id modulo ``GROUP_BUCKETS``)."""
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
    """The units (``group_to_unit``) of the groups of one grouped bucket of chunks."""
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
    """Outputs of ``StratifiedSplit``: ``whole[split]``, the split's examples of whole hash
    buckets (nearly all), one list per input batch; ``ranked``, ``(split, example)`` of the few
    ranked in boundary buckets; ``records[split]``, both merged (a ``Flatten``: for small data
    and tests); ``counts`` (``{class: {split: count}}``); ``report`` (``split_counts.json``);
    ``assignments``, records of ``(unit key, split index)`` (with ``assignments=True``)."""

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
    """Splits examples into named splits, stratified by their labels (one label per example:
    exact per-class counts; ``config.multi_label``: label sets, every label at once).

    Apply to a pipeline. Give one source, a callable returning a new reading PTransform:
    ``batches_source`` yields ``RecordBatch``es or lists of serialized examples,
    ``records_source`` examples one by one. ``config``: a ``StratifiedSplitConfig`` (or its
    fields as keyword arguments); ``bucket_bits``: the histogram resolution; ``previous``:
    earlier spans' assignments (``assignments.Previous``, or ``ReadAssignments``' tables),
    whose units keep their split; ``assignments=True`` also outputs this span's. Returns a dict
    of PCollections: wrap it in ``SplitOutputs``.
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
        legacy = previous is not None and previous.legacy is not None  # format-1 examples
        to_units = strategy.units(config, grouped or previous is not None, legacy)
        # With groups, the passes (and the label bin edges) share one read: the placement pass's
        # grouping holds the records anyway. Without, each pass reads the input, so that the
        # placement pass streams it (nothing is held in memory).

        def read_batches(stage=''):
            read = pipeline | f'Read{stage}' >> source()
            return read if batched else read | f'Batch{stage}' >> fixed_batches()

        shared = read_batches() if grouped else None

        def batches(stage):
            return shared if grouped else read_batches(stage)

        # bins or not, chosen here: without bins a class is the label itself (edges None)
        bins, edges = label_bins.bin_edges(config, batches) if config.binned else (None, None)
        given = () if edges is None else (edges,)

        def read(stage, records, pinned=None):
            """The input as a pass reads it: as batches, or as batches of units."""
            if not grouped and previous is None:
                return batches(stage)
            if not grouped:
                units = ExampleUnits(to_units, edges, records)
            elif records:
                units = GroupUnits(to_units, config.group_feature, edges, pinned)
            else:
                units = GroupBucketUnits(to_units, config.group_feature, edges)
            units = batches(stage) | f'Units{stage}' >> units
            if previous is not None and pinned is None:
                units = units | f'Pin{stage}' >> PinUnits(previous)
            return units | f'BatchUnits{stage}' >> fixed_batches()

        plan_units = read('ForPlan', records=False)  # the plan counts units: no records
        plans = strategy.plans(plan_units, to_units, config, bits, previous is not None, edges)
        plans_side = beam.pvalue.AsSingleton(plans)
        pinned = None
        if previous is not None and grouped:
            pinned = plan_units | 'PinnedGroups' >> beam.FlatMap(pinned_groups)
        assign = read('ForAssign', records=True, pinned=pinned)
        place = strategy.place_units(to_units, len(names), self._assignments)
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
            | 'RankBoundaryBucket' >> beam.Map(place.rank_boundary, plans_side)
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
            | 'Pairs' >> beam.FlatMap(plain_counts)
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
