"""Beam transform that writes a split as per-class gzipped TFRecord shards (``BalancedLayout``).

The split's serialized ``tf.train.Example`` records are counted per class and written as
``Split-<name>/class-<index>-<safe name>-<shard>-of-<shards>.gz``; the class index is the position
in the canonical class order (:func:`~tfx_balance.core.labels.sorted_classes`). Which shard an
example goes to and its position inside the shard follow a seeded hash of its content key
(:func:`~tfx_balance.core.hashing.example_keys`), so the files hold the same examples in the same
order for the same seed on any runner, input order, retry or re-run of the components upstream
(whose protobuf may write feature maps in another order). Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

import os

import apache_beam as beam

from tfx_balance.core.balanced_input.config import LayoutConfig
from tfx_balance.core.balanced_input.plan import LayoutPlan, make_plan
from tfx_balance.core.errors import DataError
from tfx_balance.core.hashing import example_keys, seeded_hash
from tfx_balance.core.labels import class_name
from tfx_balance.core.records import DEFAULT_BATCH_SIZE, read_labels, write_records_file


def _labels_and_hashes(records, label_feature: str, seed: int, where: str):
    """``(label, (hash, record))`` per record of a batch; the hash is of the content key."""
    labels = read_labels(records, label_feature, where)
    for record, label, key in zip(records, labels, example_keys(records)):
        yield label, (seeded_hash(seed, key), record)


class _RouteToShard(beam.DoFn):
    """Keys each example by ``(class index, shard)`` from its seeded hash."""

    def process(self, item, plan: LayoutPlan):
        label, (h, record) = item
        index = plan.classes.index(class_name(label))
        shards = len(plan.files[index])
        yield (index, h % shards), (h, record)


class _WriteShard(beam.DoFn):
    """Writes one ``(class, shard)`` group, sorted by ``(hash, bytes)``, as a gzipped TFRecord."""

    def __init__(self, split_dir: str):
        self._split_dir = split_dir

    def process(self, item, plan: LayoutPlan):
        (index, shard), members = item
        rows = sorted(m for m in members if m is not None)
        path = os.path.join(self._split_dir, plan.files[index][shard])
        write_records_file(path, (record for _, record in rows))
        yield index, len(rows)


def _check_written(written, plan: LayoutPlan) -> LayoutPlan:
    got = dict(written)
    for i, name in enumerate(plan.classes):
        if got.get(i, 0) != plan.counts[i]:
            raise DataError(
                f"wrote {got.get(i, 0)} examples of class '{name}' in split '{plan.split}', "
                f'but counted {plan.counts[i]}; the input changed while it was read. Re-run.'
            )
    return plan


class BalancedLayout(beam.PTransform):
    """Writes a split's examples as per-class gzipped TFRecord shards into ``split_dir``.

    Apply to a PCollection of serialized ``tf.train.Example`` records. Returns a single-element
    PCollection holding the split's :class:`~tfx_balance.core.balanced_input.plan.LayoutPlan`;
    it is produced only after every shard has been written and checked against the counts.

    Takes either a validated :class:`LayoutConfig` (``BalancedLayout(split_dir, split,
    config=config)``, as the executor does) or the arguments one by one, which are validated
    here (``BalancedLayout(split_dir, split, 'label', seed=0)``).
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
        label_feature, seed, per_shard = (
            config.label_feature,
            config.seed,
            config.examples_per_shard,
        )
        labelled = (
            records
            | 'Batch' >> beam.BatchElements(min_batch_size=1, max_batch_size=DEFAULT_BATCH_SIZE)
            | 'Label' >> beam.FlatMap(_labels_and_hashes, label_feature, seed, f"split '{split}'")
        )
        plan = (
            labelled
            | 'One' >> beam.Map(lambda kv: (kv[0], 1))
            | 'CountPerClass' >> beam.CombinePerKey(sum)
            | 'AllCounts' >> beam.combiners.ToDict()
            | 'Plan' >> beam.Map(lambda c: make_plan(split, label_feature, seed, c, per_shard))
        )
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = labelled | 'Route' >> beam.ParDo(_RouteToShard(), plan_side)
        # One empty marker per planned shard, so every file in the plan exists even if empty.
        markers = plan | 'ShardMarkers' >> beam.FlatMap(
            lambda p: [((i, s), None) for i, f in enumerate(p.files) for s in range(len(f))]
        )
        written = (
            (routed, markers)
            | 'WithMarkers' >> beam.Flatten()
            | 'GroupShard' >> beam.GroupByKey()
            | 'WriteShard' >> beam.ParDo(_WriteShard(self._split_dir), plan_side)
            | 'WrittenPerClass' >> beam.CombinePerKey(sum)
            | 'AllWritten' >> beam.combiners.ToList()
        )
        return written | 'CheckWritten' >> beam.Map(_check_written, plan_side)
