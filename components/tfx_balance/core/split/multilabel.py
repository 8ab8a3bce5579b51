"""Streaming multi-label stratified split (Beam): StratifiedSplit with label sets as strata.

The same two reads as :class:`~tfx_balance.core.split.stratified.StratifiedSplit`, with a
*stratum*, the example's label set (:mod:`tfx_balance.core.label_sets`), in place of the
class:

1. **Histogram pass.** Per stratum, the units per hash bucket (as per class today), plus what the
   checks across batches need (one example per label type, the multi-hot lengths seen).
2. **Plan.** :func:`~tfx_balance.core.split.multilabel_plan.plan_counts` turns ``{stratum: units}``
   into units per split of every stratum (exact per-label targets, iterative stratification of
   the rest); a stratum that goes whole to one split is that split's index, any other a
   :class:`~tfx_balance.core.split.stratified.ClassSplitPlan` cut at its counts.
3. **Assignment pass.** Unchanged: whole buckets stream to their split, the boundary buckets are
   ranked by ``(hash, bytes)``. Membership is a pure function of seed and content.

With ``group_feature``, a unit is a group and its stratum the union of its examples' labels.

Memory: the plan holds one entry per distinct label set (measured in docs/stratified_splitter.md,
"Multi-label"), and per stratum of ``m`` units its units' buckets, 4 bytes each, in an array
(an int for ``m = 1``; a dict would be smaller only past ~1M units in one stratum). That table is built where it is used: each bundle merges its batches' histograms
(:class:`~tfx_balance.core.split.multilabel_units.BundleHistograms`), and the global combine turns
the merged histograms into the plans in its ``extract_output``, so only the packed plans (one
bytes blob) go on to the assignment pass. Per example, both passes work on a batch's columns
(label sets, seeded hashes), without an object per example.

Example (outside TFX):
    >>> import apache_beam as beam
    >>> from tfx_balance.core.records import ReadRecordBatches
    >>> from tfx_balance.core.split.stratified import SplitOutputs
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = SplitOutputs(p | MultiLabelStratifiedSplit(
    ...         batches_source=lambda: ReadRecordBatches(['data/part-0.gz']),
    ...         label_feature='tags', multi_label='ids', splits={'train': 8, 'eval': 2}))
    ...     out.records['train'] | beam.io.WriteToTFRecord('out/train')
"""

from __future__ import annotations

import hashlib
import pickle

import apache_beam as beam

from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.label_sets import check_widths
from tfx_balance.core.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    sorted_classes,
)
from tfx_balance.core.ranking import bucket_of, rank_buckets
from tfx_balance.core.split import allocation
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.multilabel_plan import plan_counts
from tfx_balance.core.split.multilabel_units import (
    BundleHistograms,
    LabelSetHistograms,
    LabelSetUnits,
    MergeLabelSetHistograms,
    StratumUnits,
    histogram,
    input_batches,
    unit_of,
)
from tfx_balance.core.split.stratified import (
    COUNTS_KEY,
    RANKED_KEY,
    REPORT_KEY,
    SPLIT_KEY_PREFIX,
    ClassSplitPlan,
    SourcedSplit,
    split_tag,
)

NO_LABEL = '(no label)'  # the row of examples without a label in split_counts.json and logs


class PackedPlans:
    """The plans (``{stratum: split index or ClassSplitPlan}``) as one pickled blob.

    A side input holding one entry per distinct label set (hundreds of thousands) is slow to
    handle object by object: Beam's side-input cache measures a value's deep size by walking
    every object it references, on each use. A blob has no references; each process unpickles it
    once (:meth:`get`, cached by the blob's digest).
    """

    def __init__(self, plans: dict):
        self.blob = pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL)
        self.digest = hashlib.blake2b(self.blob, digest_size=16).digest()

    def get(self) -> dict:
        plans = _UNPACKED.get(self.digest)
        if plans is None:
            _UNPACKED.clear()  # keep the latest plans only
            plans = _UNPACKED[self.digest] = pickle.loads(self.blob)
        return plans


_UNPACKED = {}  # digest -> unpickled plans (PackedPlans.get), per worker process


def build_plans(
    histograms: LabelSetHistograms, weights, bucket_bits: int, config: StratifiedSplitConfig
):
    """:class:`PackedPlans` of ``{stratum: split index or ClassSplitPlan}``, after the checks
    across batches."""
    feature = config.label_feature
    if not histograms.examples:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )
    check_label_kinds({label: fp for fp, label in histograms.kinds.values()}, feature)
    check_widths([(w, fp) for w, fp in histograms.widths.items()], feature)
    if not any(stratum for stratum in histograms.buckets):
        raise DataError(
            f"label_feature '{feature}' (multi_label={config.multi_label!r}) holds no label in "
            f'any of the {histograms.examples} examples; a multi-label split needs labels. Check '
            'label_feature (an example without the feature has no label) and the data upstream.'
        )
    strata = StratumUnits(histograms.buckets)  # {stratum: units}, a view (no second table)
    check_distinct_names({label for stratum in strata for label in stratum}, feature)
    plans = plan_counts(strata, weights)  # {stratum: counts}; each replaced by its plan below
    for stratum, counts in plans.items():
        used = [i for i, c in enumerate(counts) if c]
        if len(used) == 1:
            plans[stratum] = used[0]
            continue
        cuts = allocation.boundaries(counts)[:-1]
        ranking = rank_buckets(histogram(histograms.buckets[stratum]), cuts, bucket_bits)
        plans[stratum] = ClassSplitPlan(sum(counts), tuple(counts), ranking)
    return PackedPlans(plans)


class _MergeAndPlan(beam.CombineFn):
    """Merges the bundles' histograms and returns their :func:`build_plans` (the combine's
    output): the histograms, one entry per label set, never leave the stage that merges them (a
    combine's output crosses to the next stage through a side input, copied and measured object
    by object). Each bundle's histograms come pickled (:class:`BundleHistograms`): the combine's
    steps move a list of blobs (no copy of the table per step, one compact encoding between its
    stages), and only :meth:`extract_output` unpickles and merges them, one at a time."""

    def __init__(self, weights, bucket_bits: int, config: StratifiedSplitConfig):
        self._weights, self._bucket_bits, self._config = weights, bucket_bits, config

    def create_accumulator(self):
        return []

    def add_input(self, acc, blob):
        acc.append(blob)
        return acc

    def merge_accumulators(self, accs):
        return [blob for acc in accs for blob in acc]

    def extract_output(self, acc):
        blobs, merged, merge = list(acc), None, MergeLabelSetHistograms()
        while blobs:
            found = pickle.loads(blobs.pop())  # a private object: taken, not copied
            merged = found if merged is None else merge.add_input(merged, found)
            del found
        if merged is None:
            merged = merge.create_accumulator()
        return build_plans(merged, self._weights, self._bucket_bits, self._config)


_EXAMPLES, _NO_LABEL, _LABELS = 0, 1, 2


def _count(counts: dict, split: int, labels: tuple, n: int = 1) -> None:
    """Counts ``n`` examples of label set ``labels`` placed in ``split``."""
    counts[split, _EXAMPLES, None] = counts.get((split, _EXAMPLES, None), 0) + n
    if not labels:
        counts[split, _NO_LABEL, None] = counts.get((split, _NO_LABEL, None), 0) + n
    for label in labels:
        counts[split, _LABELS, label] = counts.get((split, _LABELS, label), 0) + n


class _PlaceUnits(beam.DoFn):
    """Sends each unit to its split (or, in a boundary bucket, to ranking); counts per batch."""

    BOUNDARY = 'boundary'
    COUNTS = 'counts'

    def __init__(self, to_units: LabelSetUnits, bucket_bits: int, num_splits: int):
        self._to_units = to_units
        self._bucket_bits = bucket_bits
        self._tags = [split_tag(i) for i in range(num_splits)]

    def process(self, batch, packed):
        plans = packed.get()
        if self._to_units.grouped:
            yield from self._place_units(self._to_units(batch), plans)
            return
        c = self._to_units.columns(batch)
        tags, shift = self._tags, 64 - self._bucket_bits
        per_set = {}  # (split, label set) -> examples, turned into label counts once per batch
        for i, (labels, record) in enumerate(zip(c.sets, c.records)):
            plan = plans[labels]
            if type(plan) is int:
                split = plan
            else:
                bucket = c.hashes[i] >> shift
                if bucket in plan.ranking.boundary:
                    yield beam.pvalue.TaggedOutput(self.BOUNDARY, ((labels, bucket), unit_of(c, i)))
                    continue
                split = plan.ranking.segment_of_bucket(bucket)
            yield beam.pvalue.TaggedOutput(tags[split], record)
            key = split, labels
            per_set[key] = per_set.get(key, 0) + 1
        counts = {}
        for (split, labels), n in per_set.items():
            _count(counts, split, labels, n)
        if counts:
            yield beam.pvalue.TaggedOutput(self.COUNTS, list(counts.items()))

    def _place_units(self, units, plans):
        counts = {}
        for unit in units:
            plan = plans[unit.stratum]
            if isinstance(plan, int):
                split = plan
            else:
                bucket = bucket_of(unit.hash, self._bucket_bits)
                if bucket in plan.ranking.boundary:
                    yield beam.pvalue.TaggedOutput(self.BOUNDARY, ((unit.stratum, bucket), unit))
                    continue
                split = plan.ranking.segment_of_bucket(bucket)
            for record, labels in zip(unit.records, unit.sets):
                yield beam.pvalue.TaggedOutput(self._tags[split], record)
                _count(counts, split, labels)
        if counts:
            yield beam.pvalue.TaggedOutput(self.COUNTS, list(counts.items()))


def _rank_boundary(item, packed):
    (stratum, bucket), units = item
    ranking = packed.get()[stratum].ranking
    rank = ranking.boundary[bucket]
    for unit in sorted(units, key=lambda u: (u.hash, u.records)):
        split = ranking.segment_of_rank(rank)
        rank += 1
        for record, labels in zip(unit.records, unit.sets):
            yield split, record, labels


def _count_ranked(ranked) -> list:
    counts = {}
    for split, _, labels in ranked:
        _count(counts, split, labels)
    return list(counts.items())


def report(pairs, split_names, form: str) -> dict:
    """``split_counts.json`` of a multi-label split: per split its examples, per label its count
    and share (of the split's examples) per split, the examples with no label, and the label
    cardinality (mean labels per example)."""
    counts = {}
    for key, n in pairs:
        counts[key] = counts.get(key, 0) + n
    sizes = [counts.get((i, _EXAMPLES, None), 0) for i in range(len(split_names))]
    labels = sorted_classes(label for (_, kind, label) in counts if kind == _LABELS)

    def row(kind, label):
        return {
            name: {
                'count': counts.get((i, kind, label), 0),
                'share': round(counts.get((i, kind, label), 0) / sizes[i], 6) if sizes[i] else 0.0,
            }
            for i, name in enumerate(split_names)
        }

    per_label = {class_name(label): row(_LABELS, label) for label in labels}
    values = [
        sum(counts.get((i, _LABELS, label), 0) for label in labels) for i in range(len(sizes))
    ]
    return {
        'multi_label': form,
        'examples': dict(zip(split_names, sizes)),
        'labels': per_label,
        NO_LABEL: row(_NO_LABEL, None),
        'label_cardinality': {
            name: round(values[i] / sizes[i], 6) if sizes[i] else 0.0
            for i, name in enumerate(split_names)
        },
    }


def format_report(report: dict, split_names) -> str:
    """The logged table of a multi-label report: count and share per label and split."""
    rows = [(name, report['labels'][name]) for name in report['labels']]
    rows.append((NO_LABEL, report[NO_LABEL]))
    width = max([len('label'), len('examples')] + [len(name) for name, _ in rows])
    cols = {s: max(len(s), 16) for s in split_names}
    header = f'{"label":<{width}}  ' + '  '.join(f'{s:>{cols[s]}}' for s in split_names)
    lines = [header, '-' * len(header)]
    for name, cells in rows:
        text = [f'{cells[s]["count"]} ({cells[s]["share"]:.2%})' for s in split_names]
        lines.append(
            f'{name:<{width}}  ' + '  '.join(f'{t:>{cols[s]}}' for t, s in zip(text, split_names))
        )
    lines.append('-' * len(header))
    lines.append(
        f'{"examples":<{width}}  '
        + '  '.join(f'{report["examples"][s]:>{cols[s]}}' for s in split_names)
    )
    lines.append(
        f'{"labels/example":<{width}}  '
        + '  '.join(f'{report["label_cardinality"][s]:>{cols[s]}.3f}' for s in split_names)
    )
    return '\n'.join(lines)


class MultiLabelStratifiedSplit(SourcedSplit):
    """Splits multi-label examples: every label stratified at once (see module docstring).

    The arguments, outputs and sources are those of
    :class:`~tfx_balance.core.split.stratified.StratifiedSplit` (wrap the result in
    :class:`~tfx_balance.core.split.stratified.SplitOutputs`); ``config.multi_label`` must be
    ``'ids'`` or ``'multi_hot'``, and ``.counts`` is the :func:`report` dict.
    """

    def _check_form(self, config: StratifiedSplitConfig) -> None:
        if config.multi_label is None:
            raise ConfigError(
                "MultiLabelStratifiedSplit needs multi_label='ids' or 'multi_hot'; for one "
                'label per example use StratifiedSplit.'
            )

    def expand(self, pipeline):
        config, bits = self._config, self._bucket_bits
        names = list(config.splits)
        weights = list(config.splits.values())
        to_units = LabelSetUnits(
            config.label_feature, config.multi_label, config.seed, config.group_feature is not None
        )
        args = (self._source, self._batched, config)
        plans = (
            input_batches(pipeline, *args, stage='ForPlan')
            | 'BundleHistogram' >> beam.ParDo(BundleHistograms(to_units, bits))
            | 'Plan' >> beam.CombineGlobally(_MergeAndPlan(weights, bits, config))
        )
        plans_side = beam.pvalue.AsSingleton(plans)
        tags = [split_tag(i) for i in range(len(names))]
        placed = input_batches(pipeline, *args, stage='ForAssign') | 'Place' >> beam.ParDo(
            _PlaceUnits(to_units, bits, len(names)), plans_side
        ).with_outputs(_PlaceUnits.BOUNDARY, _PlaceUnits.COUNTS, *tags)
        outputs = {f'{SPLIT_KEY_PREFIX}{name}': placed[tag] for name, tag in zip(names, tags)}
        ranked = (
            placed[_PlaceUnits.BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket' >> beam.FlatMap(_rank_boundary, plans_side)
        )
        outputs[RANKED_KEY] = ranked | 'RankedBySplit' >> beam.Map(lambda e: (names[e[0]], e[1]))
        ranked_counts = (
            ranked
            | 'RankedLabels' >> beam.Map(lambda e: (e[0], None, e[2]))
            | 'RankedToList' >> beam.combiners.ToList()
            | 'CountRanked' >> beam.Map(_count_ranked)
        )
        outputs[COUNTS_KEY] = (
            (placed[_PlaceUnits.COUNTS], ranked_counts)
            | 'MergeCounts' >> beam.Flatten()
            | 'Pairs' >> beam.FlatMap(lambda c: c)
            | 'SumCounts' >> beam.CombinePerKey(sum)
            | 'CountsToList' >> beam.combiners.ToList()
            | 'CountsTable' >> beam.Map(report, names, config.multi_label)
        )
        outputs[REPORT_KEY] = outputs[COUNTS_KEY]  # split_counts.json: the multi-label report
        return outputs
