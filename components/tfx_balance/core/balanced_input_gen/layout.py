"""Beam transform that writes a split as per-group gzipped TFRecord shards (``BalancedLayout``).

Every example goes to the group of its rarest label (with one label, its class); the label
kinds differ only in their reader (``READERS``). An example's shard and position follow a seeded
hash of its content, so the files are the same for the same seed on any runner or input order.
Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

import collections
import dataclasses
import os

import apache_beam as beam

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.balanced_input_gen.config import LayoutConfig
from tfx_balance.core.balanced_input_gen.plan import (
    carries_augmenter_mark,
    empty_split_error,
    make_multilabel_plan,
    make_plan,
)
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_keys, seeded_hash
from tfx_balance.core.common.label_sets import SINGLE, check_widths, read_label_sets
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    class_sort_key,
    example_fingerprint,
    sorted_classes,
)
from tfx_balance.core.common.records import DEFAULT_BATCH_SIZE, write_records_file

META = 'meta'


def _hashed(records, label_sets, seed: int):
    """``(label set, (hash, record))`` per record of a batch; the hash is of the content key."""
    for record, labels, key in zip(records, label_sets, example_keys(records)):
        yield labels, (seeded_hash(seed, key), record)


class _OneLabel:
    """One label per example: a label set of size one; the plan is per class."""

    @staticmethod
    def read(records, config, where):
        read = read_label_sets(records, config.label_feature, SINGLE, where)
        return _hashed(records, read.sets, config.seed)

    @staticmethod
    def plan(groups: dict, stats, meta: list, split: str, config):
        """The plan from ``{class: (count, label counts, (hash, record) sample)}``."""
        return make_plan(
            split,
            config.label_feature,
            config.seed,
            {label: n for label, (n, _, _) in groups.items()},
            config.examples_per_shard,
            fingerprints={label: example_fingerprint(s[1]) for label, (_, _, s) in groups.items()},
        )


class _LabelSets:
    """``multi_label`` ('ids' or 'multi_hot'): label sets; the plan holds the policy's draws."""

    @staticmethod
    def read(records, config, where):
        """``(label set, (hash, record))`` per record; the label kinds and width go to ``META``."""
        read = read_label_sets(records, config.label_feature, config.multi_label, where)
        for label, i in read.kinds.items():
            yield beam.pvalue.TaggedOutput(META, ('kind', label, example_fingerprint(records[i])))
        if read.width is not None:
            width, i = read.width
            yield beam.pvalue.TaggedOutput(META, ('width', width, example_fingerprint(records[i])))
        yield from _hashed(records, read.sets, config.seed)

    @staticmethod
    def plan(groups: dict, stats, meta: list, split: str, config):
        feature, form = config.label_feature, config.multi_label
        where = f"split '{split}'"
        n, label_counts, _ = stats
        if not n:
            raise empty_split_error(split)
        check_label_kinds({v: fp for kind, v, fp in meta if kind == 'kind'}, feature, where)
        check_widths([(w, fp) for kind, w, fp in meta if kind == 'width'], feature, where)
        if not label_counts:
            raise DataError(
                f"label_feature '{feature}' (multi_label={form!r}) holds no label in any of the "
                f'{n} examples of {where}; a multi-label split needs labels. Check '
                'label_feature (an example without the feature has no label) and the data '
                'upstream.'
            )
        check_distinct_names(label_counts, feature, where)
        widths = [w for kind, w, _ in meta if kind == 'width']
        values = list(range(widths[0])) if widths else sorted_classes(label_counts)
        index = {v: i for i, v in enumerate(values)}
        rows = {
            (-1 if g is None else index[g]): (c, {index[v]: k for v, k in per_label.items()})
            for g, (c, per_label, _) in groups.items()
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


# How labels are read and planned, by LayoutConfig.multi_label.
READERS = {None: _OneLabel, 'ids': _LabelSets, 'multi_hot': _LabelSets}


class _CountLabels(beam.CombineFn):
    """``(examples, {label: examples carrying it}, smallest (hash, record))`` of
    ``(label set, (hash, record) or None)`` items; the sample depends on content only."""

    def create_accumulator(self):
        return 0, collections.Counter(), None

    def add_input(self, acc, item):
        (labels, sample), (n, counter, best) = item, acc
        counter.update(labels)
        return n + 1, counter, best if sample is None or (best and best <= sample) else sample

    def merge_accumulators(self, accs):
        n, total, best = 0, collections.Counter(), None
        for count, counter, sample in accs:
            n += count
            total.update(counter)
            if sample is not None and (best is None or sample < best):
                best = sample
        return n, total, best

    def extract_output(self, acc):
        return acc[0], dict(acc[1]), acc[2]


class _Group(beam.DoFn):
    """Keys each example by its group: its rarest label (count, then canonical order), or None."""

    def __init__(self):
        self._stats, self._rank = None, None

    def process(self, item, stats):
        if stats is not self._stats:
            self._stats = stats
            self._rank = {label: (c, class_sort_key(label)) for label, c in stats[1].items()}
        labels, hashed = item
        yield (min(labels, key=self._rank.__getitem__) if labels else None), (labels, hashed)


class _RouteToShard(beam.DoFn):
    """Keys each ``(group, (hash, record))`` by ``(group index, shard)`` from its seeded hash."""

    def __init__(self):
        self._plan, self._index = None, None

    def process(self, item, plan):
        if plan is not self._plan:
            self._plan, self._index = plan, {name: i for i, name in enumerate(plan.classes)}
        group, (h, record) = item
        index = self._index[policies.NO_LABEL_GROUP if group is None else class_name(group)]
        yield (index, h % len(plan.files[index])), (h, record)


class _WriteShard(beam.DoFn):
    """Writes one ``(group, shard)`` sorted by ``(hash, bytes)``; yields ``(group, (written,
    marked))``, marked if its first example carries the augmenter's mark."""

    def __init__(self, split_dir: str):
        self._split_dir = split_dir

    def process(self, item, plan):
        (index, shard), members = item
        rows = sorted(m for m in members if m is not None)
        path = os.path.join(self._split_dir, plan.files[index][shard])
        write_records_file(path, (record for _, record in rows))
        marked = bool(rows) and shard == 0 and carries_augmenter_mark(rows[0][1])
        yield index, (len(rows), marked)


def _sum_written(values) -> tuple:
    """``(examples, marked)`` of a group's shards: the examples summed, marked if one is."""
    values = list(values)
    return sum(n for n, _ in values), any(marked for _, marked in values)


def _check_written(written, plan):
    """The plan with ``augmenter_marked``, once every group's written count is its planned count."""
    got = dict(written)
    for i, name in enumerate(plan.classes):
        n = got.get(i, (0, False))[0]
        if n != plan.counts[i]:
            raise DataError(
                f"wrote {n} examples of class '{name}' in split '{plan.split}', "
                f'but counted {plan.counts[i]}; the input changed while it was read. Re-run.'
            )
    marked = any(marked for _, marked in got.values())
    return dataclasses.replace(plan, augmenter_marked=marked)


class BalancedLayout(beam.PTransform):
    """Writes a split's examples as per-group gzipped TFRecord shards into ``split_dir``.

    Apply to serialized ``tf.train.Example`` records; returns a one-element PCollection of the
    split's ``LayoutPlan``, once every shard is written and checked.

    Example::

        config = LayoutConfig('tags', multi_label='ids', policy='repeat_factor').validate()
        plan = records | BalancedLayout('/out/Split-train', 'train', config=config)
    """

    def __init__(
        self,
        split_dir: str,
        split: str,
        label_feature: str | None = None,
        seed: int = 0,
        examples_per_shard: int | None = None,
        config: LayoutConfig | None = None,
    ):
        super().__init__()
        if config is None:
            config = LayoutConfig(
                label_feature=label_feature,
                splits=(split,),
                seed=seed,
                examples_per_shard=examples_per_shard,
            ).validate()
        self._split_dir = split_dir
        self._split = split
        self._config = config

    def expand(self, records):
        split, config = self._split, self._config
        reader = READERS[config.multi_label]
        outputs = (
            records
            | 'Batch' >> beam.BatchElements(min_batch_size=1, max_batch_size=DEFAULT_BATCH_SIZE)
            | 'Label'
            >> beam.FlatMap(reader.read, config, f"split '{split}'").with_outputs(
                META, main='labelled'
            )
        )
        labelled, meta = outputs.labelled, outputs[META]
        stats = labelled | 'Labels' >> beam.Map(lambda kv: (kv[0], None))
        stats = stats | 'CountLabels' >> beam.CombineGlobally(_CountLabels())
        stats_side = beam.pvalue.AsSingleton(stats)
        grouped = labelled | 'Group' >> beam.ParDo(_Group(), stats_side)
        groups = (
            grouped
            | 'CountPerGroup' >> beam.CombinePerKey(_CountLabels())
            | 'AllGroups' >> beam.combiners.ToDict()
        )
        plan = groups | 'Plan' >> beam.Map(
            reader.plan, stats_side, beam.pvalue.AsList(meta), split, config
        )
        plan_side = beam.pvalue.AsSingleton(plan)
        hashed = grouped | 'Hashed' >> beam.Map(lambda kv: (kv[0], kv[1][1]))
        routed = hashed | 'Route' >> beam.ParDo(_RouteToShard(), plan_side)
        # One empty marker per planned shard, so every file in the plan exists even if empty.
        markers = plan | 'ShardMarkers' >> beam.FlatMap(
            lambda p: [((i, s), None) for i, f in enumerate(p.files) for s in range(len(f))]
        )
        written = (
            (routed, markers)
            | 'WithMarkers' >> beam.Flatten()
            | 'GroupShard' >> beam.GroupByKey()
            | 'WriteShard' >> beam.ParDo(_WriteShard(self._split_dir), plan_side)
            | 'WrittenPerGroup' >> beam.CombinePerKey(_sum_written)
            | 'AllWritten' >> beam.combiners.ToList()
        )
        return written | 'CheckWritten' >> beam.Map(_check_written, plan_side)
