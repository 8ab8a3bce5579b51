"""Beam transform that writes a multi-label split as per-group shards (``MultiLabelLayout``).

The split's labels are read with :func:`~tfx_balance.core.label_sets.read_label_sets`
(the splitter's forms and errors), counted per label, and every example goes to the group of its
rarest label (lowest count; ties by the canonical label order; no label: the last group). Each
group is written exactly as :class:`~tfx_balance.core.balanced_input.layout.BalancedLayout`
writes a class (``class-<index>-<label>-<shard>-of-<shards>.gz``, seeded-hash order), and the
split's :class:`~tfx_balance.core.balanced_input.multilabel_plan.MultiLabelLayoutPlan` holds the
policy's draws per group. Rules: docs/balanced_input_gen.md (multi-label section).
"""

from __future__ import annotations

import collections

import apache_beam as beam

from tfx_balance.core.balanced_input import multilabel_policy as policies
from tfx_balance.core.balanced_input.layout import write_planned_shards
from tfx_balance.core.balanced_input.multilabel_plan import make_multilabel_plan
from tfx_balance.core.balanced_input.plan import COMPONENT
from tfx_balance.core.errors import DataError
from tfx_balance.core.hashing import example_keys, seeded_hash
from tfx_balance.core.label_sets import check_widths, read_label_sets
from tfx_balance.core.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    class_sort_key,
    example_fingerprint,
    sorted_classes,
)
from tfx_balance.core.records import DEFAULT_BATCH_SIZE

META = 'meta'


def _label_sets_and_hashes(records, label_feature: str, form: str, seed: int, where: str):
    """``(label set, (hash, record))`` per record; per batch, ``meta`` outputs of the label
    kinds and multi-hot width with an example fingerprint (checked across batches)."""
    read = read_label_sets(records, label_feature, form, where)
    for label, i in read.kinds.items():
        yield beam.pvalue.TaggedOutput(META, ('kind', label, example_fingerprint(records[i])))
    if read.width is not None:
        width, i = read.width
        yield beam.pvalue.TaggedOutput(META, ('width', width, example_fingerprint(records[i])))
    for record, labels, key in zip(records, read.sets, example_keys(records)):
        yield labels, (seeded_hash(seed, key), record)


class _CountLabels(beam.CombineFn):
    """``(examples, {label: examples carrying it})`` of label sets."""

    def create_accumulator(self):
        return 0, collections.Counter()

    def add_input(self, acc, labels):
        acc[1].update(labels)
        return acc[0] + 1, acc[1]

    def merge_accumulators(self, accs):
        n, total = 0, collections.Counter()
        for count, counter in accs:
            n += count
            total.update(counter)
        return n, total

    def extract_output(self, acc):
        return acc[0], dict(acc[1])


class _Group(beam.DoFn):
    """Keys each example by its group: its rarest label (count, then canonical order), or None
    without a label. The rarity order is computed once per side input, not per example."""

    def __init__(self):
        self._stats, self._rank = None, None

    def process(self, item, stats):
        if stats is not self._stats:
            self._stats = stats
            self._rank = {label: (c, class_sort_key(label)) for label, c in stats[1].items()}
        labels, hashed = item
        yield (min(labels, key=self._rank.__getitem__) if labels else None), (labels, hashed)


def _plan_of(groups: dict, stats, meta: list, split: str, config):
    feature, form = config.label_feature, config.multi_label
    where = f"split '{split}'"
    n, label_counts = stats
    if not n:
        raise DataError(
            f"split '{split}' has no examples; {COMPONENT} needs at least one labelled example "
            'per laid-out split. Check the upstream component or leave this split out of splits.'
        )
    check_label_kinds({v: fp for kind, v, fp in meta if kind == 'kind'}, feature, where)
    check_widths([(w, fp) for kind, w, fp in meta if kind == 'width'], feature, where)
    if not label_counts:
        raise DataError(
            f"label_feature '{feature}' (multi_label={form!r}) holds no label in any of the {n} "
            f'examples of {where}; a multi-label split needs labels. Check label_feature (an '
            'example without the feature has no label) and the data upstream.'
        )
    check_distinct_names(label_counts, feature, where)
    widths = [w for kind, w, _ in meta if kind == 'width']
    values = list(range(widths[0])) if widths else sorted_classes(label_counts)
    index = {v: i for i, v in enumerate(values)}
    rows = {
        (-1 if g is None else index[g]): (c, {index[v]: k for v, k in per_label.items()})
        for g, (c, per_label) in groups.items()
    }
    return make_multilabel_plan(
        split,
        feature,
        config.seed,
        form,
        values,
        rows,
        config.policy,
        config.repeat_threshold,
        config.examples_per_shard,
    )


class _RouteToGroupShard(beam.DoFn):
    """Keys each example by ``(group index, shard)`` from its seeded hash."""

    def __init__(self):
        self._plan, self._index = None, None

    def process(self, item, plan):
        if plan is not self._plan:
            self._plan, self._index = plan, {name: i for i, name in enumerate(plan.classes)}
        group, (_, (h, record)) = item
        index = self._index[policies.NO_LABEL_GROUP if group is None else class_name(group)]
        yield (index, h % len(plan.files[index])), (h, record)


class MultiLabelLayout(beam.PTransform):
    """Writes a multi-label split's examples as per-group gzipped TFRecord shards.

    Apply to serialized ``tf.train.Example`` records with a validated multi-label
    :class:`~tfx_balance.core.balanced_input.config.LayoutConfig`; returns a one-element
    PCollection holding the split's ``MultiLabelLayoutPlan`` (after every shard is written).

    Example::

        config = LayoutConfig('tags', multi_label='ids', policy='repeat_factor').validate()
        plan = records | MultiLabelLayout('/out/Split-train', 'train', config)
    """

    def __init__(self, split_dir: str, split: str, config):
        super().__init__()
        self._split_dir, self._split, self._config = split_dir, split, config

    def expand(self, records):
        split, config = self._split, self._config
        where = f"split '{split}'"
        outputs = (
            records
            | 'Batch' >> beam.BatchElements(min_batch_size=1, max_batch_size=DEFAULT_BATCH_SIZE)
            | 'LabelSets'
            >> beam.FlatMap(
                _label_sets_and_hashes,
                config.label_feature,
                config.multi_label,
                config.seed,
                where,
            ).with_outputs(META, main='labelled')
        )
        labelled, meta = outputs.labelled, outputs[META]
        stats = labelled | 'Labels' >> beam.Map(lambda kv: kv[0])
        stats = stats | 'CountLabels' >> beam.CombineGlobally(_CountLabels())
        stats_side = beam.pvalue.AsSingleton(stats)
        grouped = labelled | 'Group' >> beam.ParDo(_Group(), stats_side)
        groups = (
            grouped
            | 'GroupLabels' >> beam.Map(lambda kv: (kv[0], kv[1][0]))
            | 'CountPerGroup' >> beam.CombinePerKey(_CountLabels())
            | 'AllGroups' >> beam.combiners.ToDict()
        )
        plan = groups | 'Plan' >> beam.Map(
            _plan_of, stats_side, beam.pvalue.AsList(meta), split, config
        )
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = grouped | 'Route' >> beam.ParDo(_RouteToGroupShard(), plan_side)
        return write_planned_shards(routed, plan, self._split_dir, 'WrittenPerGroup')
