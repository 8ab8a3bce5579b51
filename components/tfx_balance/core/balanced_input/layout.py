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
from tfx_balance.core.label_sets import read_labels
from tfx_balance.core.labels import class_name, example_fingerprint
from tfx_balance.core.records import DEFAULT_BATCH_SIZE, write_records_file


def _labels_and_hashes(records, label_feature: str, seed: int, where: str):
    """``(label, (hash, record))`` per record of a batch; the hash is of the content key."""
    labels = read_labels(records, label_feature, where)
    for record, label, key in zip(records, labels, example_keys(records)):
        yield label, (seeded_hash(seed, key), record)


class _CountAndSample(beam.CombineFn):
    """Per class: the number of examples, and the one with the smallest hash (named in errors).

    Inputs are ``(hash, record)``; the sample depends on content only (the hash is of the
    content key), not on the order examples arrive in.
    """

    def create_accumulator(self):
        return 0, None

    def add_input(self, acc, item):
        n, best = acc
        return n + 1, item if best is None or item < best else best

    def merge_accumulators(self, accs):
        n, best = 0, None
        for count, sample in accs:
            n += count
            if sample is not None and (best is None or sample < best):
                best = sample
        return n, best

    def extract_output(self, acc):
        return acc


def _plan_of(counted: dict, split: str, config) -> LayoutPlan:
    """The split's plan from ``{class: (count, (hash, record))}``."""
    return make_plan(
        split,
        config.label_feature,
        config.seed,
        {label: n for label, (n, _) in counted.items()},
        config.examples_per_shard,
        fingerprints={label: example_fingerprint(s[1]) for label, (_, s) in counted.items()},
    )


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
        labelled = (
            records
            | 'Batch' >> beam.BatchElements(min_batch_size=1, max_batch_size=DEFAULT_BATCH_SIZE)
            | 'Label'
            >> beam.FlatMap(
                _labels_and_hashes, config.label_feature, config.seed, f"split '{split}'"
            )
        )
        plan = (
            labelled
            | 'CountPerClass' >> beam.CombinePerKey(_CountAndSample())
            | 'AllCounts' >> beam.combiners.ToDict()
            | 'Plan' >> beam.Map(_plan_of, split, config)
        )
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = labelled | 'Route' >> beam.ParDo(_RouteToShard(), plan_side)
        return write_planned_shards(routed, plan, self._split_dir, 'WrittenPerClass')


def write_planned_shards(routed, plan, split_dir: str, count_label: str):
    """Writes ``routed`` (``((file index, shard), (hash, record))`` per example) into the
    shards of the single ``plan`` (a PCollection of one plan with ``files``), and returns the
    plan once every file's written count is checked against it. Applied in the caller's
    ``expand``, so the stage labels are the caller's (``count_label`` names the per-file sum).

    Example (inside a PTransform's ``expand``)::

        routed = labelled | 'Route' >> beam.ParDo(_RouteToShard(), plan_side)
        return write_planned_shards(routed, plan, split_dir, 'WrittenPerClass')
    """
    plan_side = beam.pvalue.AsSingleton(plan)
    # One empty marker per planned shard, so every file in the plan exists even if empty.
    markers = plan | 'ShardMarkers' >> beam.FlatMap(
        lambda p: [((i, s), None) for i, f in enumerate(p.files) for s in range(len(f))]
    )
    written = (
        (routed, markers)
        | 'WithMarkers' >> beam.Flatten()
        | 'GroupShard' >> beam.GroupByKey()
        | 'WriteShard' >> beam.ParDo(_WriteShard(split_dir), plan_side)
        | count_label >> beam.CombinePerKey(sum)
        | 'AllWritten' >> beam.combiners.ToList()
    )
    return written | 'CheckWritten' >> beam.Map(_check_written, plan_side)
