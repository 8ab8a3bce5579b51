"""Generation of synthetic copies: copy ``j`` of source ``s`` is a function of ``(seed, s, j)``.

Rules: docs/balanced_augmenter.md, "Augmentations". ``AugmentSources`` makes every mode's
copies but 'image''s (``AugmentImages``, from batches of ``copy_jobs``).
"""

from __future__ import annotations

import apache_beam as beam
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import floats, image, smote
from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.plan import RebalancePlan
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.balanced_augmenter.user_fn import UserFnSource
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_rng


def copy_jobs(sources):
    """The ``(record, label, fingerprint, copy index)`` of every copy of each source."""
    for record, label, copies, fp in sources:
        for j in range(copies):
            yield record, label, fp, j


class AugmentSources(beam.DoFn):
    """Every mode but 'image': the copies of each ``(record, label, copies, fingerprint)``."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance = Provenance(
            config.provenance_feature, config.source_feature, config.partner_feature
        )
        self._plan, self._reservoirs = None, {}
        self._smote = smote.SmoteGenerator(config, self._provenance) if config.uses_smote else None

    def process(self, sources, plan: RebalancePlan):
        return getattr(self, self._config.mode.generator)(sources, plan)

    def copies(self, sources, plan: RebalancePlan):
        for record, _, copies, fp in sources:
            marked = self._provenance.copy(record, fp)
            for _ in range(copies):
                yield marked

    def jittered(self, sources, plan: RebalancePlan):
        scale = float(self._config.options.get('noise_scale', floats.DEFAULT_NOISE_SCALE))
        yield from floats.jitter_copies((self._jitter_source(s, plan) for s in sources), scale)

    def smote_copies(self, sources, plan: RebalancePlan):
        yield from self._smote.copies(sources, plan)

    def interpolated(self, sources, plan: RebalancePlan):  # all the sources' copies together
        yield from floats.interpolate_many(self._interpolate_source(s, plan) for s in sources)

    def augmented(self, sources, plan: RebalancePlan):
        for source in sources:
            yield from self._augment_each(source, plan)

    def _jitter_source(self, source, plan: RebalancePlan) -> floats.JitterSource:
        record, label, copies, fp = source
        return floats.JitterSource(
            example=example_pb2.Example.FromString(record),
            stats=plan.stats[label],
            rng=example_rng(self._config.seed, fp),
            copies=copies,
            extra=self._provenance.synthetic_features(fp),
        )

    def _interpolate_source(self, source, plan: RebalancePlan) -> floats.InterpolateSource:
        record, label, copies, fp = source
        example = example_pb2.Example.FromString(record)
        index, partners, aligned, fps = self._reservoir(plan, label)
        own = index.get(fp, ())  # a source is not its own partner (nor are its duplicates)
        if len(own) == 1:
            partners = partners[: own[0]] + partners[own[0] + 1 :]
            fps = fps[: own[0]] + fps[own[0] + 1 :]
        elif own:
            partners = [p for i, p in enumerate(partners) if i not in own]
            fps = [p for i, p in enumerate(fps) if i not in own]
        if not partners:  # its class's reservoir holds only the source: it moves nowhere
            partners, aligned, fps = [floats.float_features(example)], None, [fp]
        rngs = [example_rng(self._config.seed, fp, j) for j in range(copies)]
        draws = [(int(rng.integers(len(partners))), rng.random()) for rng in rngs]  # k, then u
        return floats.InterpolateSource(
            example=example,
            stats=plan.stats[label],
            partners=partners,
            rngs=rngs,
            extra=self._provenance.synthetic_features(fp, partner=True),
            aligned=aligned,
            draws=draws,
            partner_feature=self._config.partner_feature,
            partner_fingerprints=fps,
        )

    def _reservoir(self, plan: RebalancePlan, label) -> tuple:
        """``({fingerprint: positions}, [floats], {aligned partners}, [fingerprints])``."""
        if self._plan is not plan:
            self._plan, self._reservoirs = plan, {}
        found = self._reservoirs.get(label)
        if found is None:
            entries = plan.reservoirs[label]
            index = {}
            for i, (fp, _) in enumerate(entries):
                index[fp] = index.get(fp, ()) + (i,)
            partners = [floats.unpack_floats(p) for _, p in entries]
            fps = [fp for fp, _ in entries]
            found = self._reservoirs[label] = (index, partners, {}, fps)
        return found

    def _augment_each(self, source, plan: RebalancePlan):
        """augment_fn: the copies of one source, one call at a time."""
        config = self._config
        record, label, copies, fp = source
        example = example_pb2.Example.FromString(record)
        where = config.describe_source(fp, label)
        made = UserFnSource(
            example, config.label_feature, where, self._provenance, fp, config.keep_features
        )
        for copy_index in range(copies):
            yield made.copy(config.augment_fn, example_rng(config.seed, fp, copy_index))


class AugmentImages(beam.DoFn):
    """'image': augments a batch of ``copy_jobs``, one TF call per image size."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._options = image.ImageOptions.from_dict(config.options)
        self._provenance = Provenance(config.provenance_feature, config.source_feature)

    def process(self, jobs):
        config = self._config
        examples, encoded, decoded, params = [], [], [], []
        for record, label, fp, copy_index in jobs:
            example = example_pb2.Example.FromString(record)
            where = config.describe_source(fp, label)
            data = image.encoded_image(example, config.image_feature, where)
            try:
                decoded.append(image.decode(data))
            except Exception as e:  # tf.errors.InvalidArgumentError and friends
                raise DataError(
                    f"image_feature '{config.image_feature}' on {where} could not be decoded "
                    f'({type(e).__name__}: {str(e).splitlines()[0]}). Fix or remove the corrupt '
                    'image.'
                ) from e
            rng = example_rng(config.seed, fp, copy_index)
            examples.append((example, fp))
            encoded.append(data)
            params.append(image.draw_params(rng, self._options))
        for (example, fp), data in zip(examples, image.augment_images(encoded, params, decoded)):
            example.features.feature[config.image_feature].bytes_list.value[:] = [data]
            yield self._provenance.synthetic(example, fp)
