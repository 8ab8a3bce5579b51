"""BalancedAugment: exact, seeded rebalancing of one split's serialized ``tf.train.Example``s.

Two passes over the input, in batches: the profile pass (``profile``) makes the split's
``RebalancePlan`` (a side input); the generation pass keeps (marked) or drops each original and
routes the sources of copies to ``generate``.

Example (outside TFX; ``ReadRecordBatches`` is in ``tfx_balance.core.common.records``):
    >>> import apache_beam as beam
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = p | BalancedAugment(
    ...         batches_source=lambda: ReadRecordBatches(['train/part-0.gz', 'train/part-1.gz']),
    ...         label_feature='label', target='max', augmentation='copy', seed=0)
    ...     out['records'] | beam.io.WriteToTFRecord('balanced/train')
    ...     out['plan'] | beam.Map(print)  # {class_name: {input, target, generated, ...}}
"""

from __future__ import annotations

from typing import Callable

import apache_beam as beam

from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.generate import AugmentImages, AugmentSources, copy_jobs
from tfx_balance.core.balanced_augmenter.plan import (
    AUGMENT,
    KEEP,
    UNDERSAMPLE,
    ClassRebalance,
    RebalancePlan,
)
from tfx_balance.core.balanced_augmenter.profile import Profile, ProfileFn, build_plan
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.balanced_augmenter.smote import WHOLE_CLASS
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import bucket_of, example_keys, fingerprint, seeded_hash
from tfx_balance.core.common.labels import read_labels
from tfx_balance.core.common.records import DEFAULT_BATCH_SIZE

IMAGE_BATCH_SIZE = 64
RECORDS = 'records'
PLAN = 'plan'

ORIGINAL, SOURCE = 0, 1  # kinds of decision
ORIGINALS, SOURCES, BOUNDARY = 'originals', 'sources', 'boundary'  # outputs of the routing


def _decide(rebalance: ClassRebalance, record: bytes, selected: bool):
    if rebalance.mode == UNDERSAMPLE:
        if selected:
            yield ORIGINAL, record, rebalance.label, 0
        return
    yield ORIGINAL, record, rebalance.label, 0
    if rebalance.mode == AUGMENT:
        copies = rebalance.copies_per_source + (1 if selected else 0)
        if copies:
            yield SOURCE, record, rebalance.label, copies


class _Decisions(beam.DoFn):
    """Emits each kept original, marked, and (output ``'sources'``) one list of sources
    ``(record, label, copies, fingerprint)`` per input element."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance = Provenance(config.provenance_feature, config.source_feature)

    def _emit(self, decisions, key: bytes, sources: list):
        for kind, record, label, copies in decisions:
            if kind == ORIGINAL:
                yield self._provenance.original(record)
            else:
                sources.append((record, label, copies, fingerprint(key)))


class Route(_Decisions):
    """Decides each original of a batch; one in a boundary bucket goes to ``'boundary'``."""

    def process(self, records, plan: RebalancePlan):
        config = self._config
        labels = read_labels(records, config.label_feature, config.where)
        sources = []
        for record, label, key in zip(records, labels, example_keys(records)):
            rebalance = plan.classes[label]
            if rebalance.mode == KEEP:
                yield self._provenance.original(record)
                continue
            h = seeded_hash(config.seed, key)
            bucket = bucket_of(h, config.bucket_bits)
            if label in plan.sources:  # borderline-1: the class is ranked as one group
                yield beam.pvalue.TaggedOutput(BOUNDARY, ((label, WHOLE_CLASS), (h, record, key)))
            elif bucket in rebalance.ranking.boundary:
                yield beam.pvalue.TaggedOutput(BOUNDARY, ((label, bucket), (h, record, key)))
            else:
                decisions = _decide(rebalance, record, rebalance.selected_bucket(bucket))
                yield from self._emit(decisions, key, sources)
        if sources:
            yield beam.pvalue.TaggedOutput(SOURCES, sources)


class RankBoundary(_Decisions):
    """Decides the originals of one boundary bucket by their rank (hash, then bytes)."""

    def process(self, item, plan: RebalancePlan):
        (label, bucket), members = item
        rebalance = plan.classes[label]
        sources = []
        if bucket == WHOLE_CLASS:
            yield from self._danger_sources(label, sorted(members), plan.sources[label], rebalance)
            return
        first = rebalance.ranking.boundary[bucket]
        for rank, (_, record, key) in enumerate(sorted(members), start=first):
            decisions = _decide(rebalance, record, rank < rebalance.select)
            yield from self._emit(decisions, key, sources)
        if sources:
            yield beam.pvalue.TaggedOutput(SOURCES, sources)

    def _danger_sources(self, label, members, danger, rebalance):
        """Borderline-1: every original kept, the class's copies spread over those in danger."""
        fps = [fingerprint(key) for _, _, key in members]
        count = sum(fp in danger for fp in fps)
        per_source, extra = divmod(rebalance.generated, count)
        sources, rank = [], 0
        for (_, record, _), fp in zip(members, fps):
            yield self._provenance.original(record)
            if fp in danger:
                copies = per_source + (rank < extra)
                rank += 1
                if copies:
                    sources.append((record, label, copies, fp))
        if sources:
            yield beam.pvalue.TaggedOutput(SOURCES, sources)


class BalancedAugment(beam.PTransform):
    """Rebalances one split; returns ``{'records': serialized examples, 'plan': one element
    {class_name: {input, target, generated, dropped, output}}}``. Give ``config`` or its fields,
    and one of ``records_source`` or ``batches_source``: a callable returning a new reading
    PTransform, called once per pass."""

    def __init__(
        self,
        records_source: Callable[[], beam.PTransform] | None = None,
        config: AugmentConfig | None = None,
        batches_source: Callable[[], beam.PTransform] | None = None,
        **kwargs,
    ):
        super().__init__()
        if (records_source is None) == (batches_source is None):
            raise ConfigError(
                'BalancedAugment needs exactly one of records_source and batches_source, got '
                f'{"both" if records_source is not None else "neither"}.'
            )
        self._source = batches_source or records_source
        self._batched = batches_source is not None
        self._config = config if config is not None else AugmentConfig(**kwargs).validate()
        if self._config.uses_user_fn and self._config.augment_fn is None:
            raise ConfigError(
                f'module_file {self._config.module_file or self._config.module_path!r} is not '
                'loaded: pass its augment_fn in the config (AugmentConfig.from_exec_properties '
                'with load_augment_fn does).'
            )

    def _read(self, pipeline, stage: str):
        batches = pipeline | stage >> self._source()
        if not self._batched:
            batches = batches | f'{stage}Batches' >> beam.BatchElements(
                min_batch_size=DEFAULT_BATCH_SIZE, max_batch_size=DEFAULT_BATCH_SIZE
            )
        return batches

    def expand(self, pipeline):
        config = self._config
        profiles = (
            self._read(pipeline, 'ReadForPlan')
            | 'Profile' >> beam.ParDo(Profile(config))
            | 'ProfilePerClass' >> beam.CombinePerKey(ProfileFn(config.sample_size))
            | 'AllProfiles' >> beam.combiners.ToList()
        )
        plan = profiles | 'Plan' >> beam.Map(build_plan, config)
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = self._read(pipeline, 'ReadForGenerate') | 'Route' >> beam.ParDo(
            Route(config), plan_side
        ).with_outputs(BOUNDARY, SOURCES, main=ORIGINALS)
        ranked = (
            routed[BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket'
            >> beam.ParDo(RankBoundary(config), plan_side).with_outputs(SOURCES, main=ORIGINALS)
        )
        sources = (routed[SOURCES], ranked[SOURCES]) | 'Sources' >> beam.Flatten()
        if config.mode.images:
            synthetic = (
                sources
                | 'CopyJobs' >> beam.FlatMap(copy_jobs)
                | 'BatchImages'
                >> beam.BatchElements(min_batch_size=1, max_batch_size=IMAGE_BATCH_SIZE)
                | 'AugmentImages' >> beam.ParDo(AugmentImages(config))
            )
        else:
            synthetic = sources | 'Augment' >> beam.ParDo(AugmentSources(config), plan_side)
        records = (routed[ORIGINALS], ranked[ORIGINALS], synthetic) | 'Output' >> beam.Flatten()
        return {RECORDS: records, PLAN: plan | 'PlanRows' >> beam.Map(lambda p: p.rows())}
