"""Exact, seeded rebalancing of serialized ``tf.train.Example`` records in Beam.

:class:`BalancedAugment` reads the records twice (the source is called twice), works on batches of
serialized records, and never holds a split in memory:

1. **Profile pass.** Per batch, the labels are decoded in C++ (only the label feature, see
   :func:`~tfx_balance.core.records.read_labels`), and per class a partial profile is made: the
   count, the 65,536-bucket histogram of each example's seeded hash (a hash of its content key,
   :func:`~tfx_balance.core.hashing.example_keys`, the same however the example's feature map was
   serialized; see :mod:`tfx_balance.core.balance_plan`) and, when the augmentation needs them,
   the per-feature statistics of float features (min, max, standard deviation over all values of
   the class, from exact integer sums) and the interpolation reservoir. A combiner merges the partial
   profiles per class; the results become one :class:`BalancePlan` (a side input).
2. **Generation pass.** Each original is kept (with ``is_synthetic = 0`` added) or dropped, and
   is the source of ``floor(k/n)`` or ``ceil(k/n)`` synthetic examples, following the plan
   exactly. Every synthetic example carries ``is_synthetic = 1`` and the source's fingerprint.
   All the copies of a source are made from one parse of it. Synthetic copy ``j`` of source
   ``s`` is a pure function of ``(seed, s, j)`` (``fingerprint(s)`` is that of its content
   key), whatever the number of copies, the batching, the input order or the runner:

   - ``'copy'``: the source itself;
   - ``'numeric'``: the noise of copy ``j`` is the normals ``j*m .. (j+1)*m - 1`` of the source's
     Generator ``example_rng(seed, fingerprint(s))``, ``m`` being the number of float values it
     jitters (copy 0 draws exactly what ``example_rng(seed, fingerprint(s), 0)`` gives); the
     copies of many sources are jittered together, in vectorised steps;
   - ``'interpolate'``, ``'image'`` and a user ``augment_fn``: made with the Generator
     ``example_rng(seed, fingerprint(s), j)``. Image augmentation runs on batches
     (``beam.BatchElements``) so the TF ops are vectorised.

The interpolation reservoir (``augmentation='interpolate'``) holds, per class, the float features
of at most ``reservoir_size`` (default 1,000) originals: those with the smallest seeded hash (a
bottom-k sample, the same for any input order or sharding). Partners are drawn from it, so memory
is bounded by ``classes x reservoir_size x float values per example`` whatever the class size.

Originals are never altered beyond the provenance feature: it is appended to their serialized
``Features`` (see :class:`~tfx_balance.core.augmentations.Provenance`), so every original feature
keeps even its bytes.

Example (outside TFX):
    >>> import apache_beam as beam
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     out = p | BalancedAugment(
    ...         batches_source=lambda: ReadRecordBatches(['train/part-0.gz', 'train/part-1.gz']),
    ...         label_feature='label', target='max', augmentation='copy', seed=0)
    ...     out['records'] | beam.io.WriteToTFRecord('balanced/train')
    ...     out['plan'] | beam.Map(print)  # {class_name: {input, target, generated, ...}}

(``ReadRecordBatches`` is in :mod:`tfx_balance.core.records`; a ``records_source`` such as
``lambda: beam.io.ReadFromTFRecord('train/*.gz')`` works too, at the speed of Beam's reader.)
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from typing import Callable, Dict, List, Mapping

import apache_beam as beam
import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core import augmentations, balance_plan, image_augment
from tfx_balance.core.augmentations import AUGMENTATIONS, FeatureStats
from tfx_balance.core.balance_plan import AUGMENT, KEEP, UNDERSAMPLE, ClassPlan
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.hashing import example_keys, example_rng, fingerprint, seeded_hash
from tfx_balance.core.labels import class_name
from tfx_balance.core.records import DEFAULT_BATCH_SIZE, read_labels

DEFAULT_RESERVOIR_SIZE = 1000
IMAGE_BATCH_SIZE = 64
RECORDS = 'records'
PLAN = 'plan'
_RESERVOIR_SALT = b'tfx_balance.reservoir:'


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """Arguments of :class:`BalancedAugment` (see its docstring)."""

    label_feature: str
    target: object = 'max'
    undersample: bool = False
    augmentation: str = 'copy'
    image_feature: str = 'image'
    augment_fn: Callable | None = None
    seed: int = 0
    provenance_feature: str = 'is_synthetic'
    source_feature: str = 'source_fingerprint'
    options: Mapping = dataclasses.field(default_factory=dict)
    reservoir_size: int = DEFAULT_RESERVOIR_SIZE
    where: str = 'the input'

    def validate(self) -> AugmentConfig:
        balance_plan.validate_target(self.target)
        if self.augment_fn is None and self.augmentation not in AUGMENTATIONS:
            raise ConfigError(
                f'augmentation {self.augmentation!r} is not supported; use one of '
                f'{", ".join(AUGMENTATIONS)}, or a module_file with augment_fn.'
            )
        if self.augment_fn is not None and not callable(self.augment_fn):
            raise ConfigError(f'augment_fn must be callable, got {self.augment_fn!r}.')
        for arg in ('label_feature', 'provenance_feature', 'source_feature'):
            if not isinstance(getattr(self, arg), str) or not getattr(self, arg):
                raise ConfigError(f'{arg} must be a non-empty string, got {getattr(self, arg)!r}.')
        names = {self.label_feature, self.provenance_feature, self.source_feature}
        if len(names) != 3:
            raise ConfigError(
                'label_feature, provenance_feature and source_feature must be three different '
                f'names, got {self.label_feature!r}, {self.provenance_feature!r}, '
                f'{self.source_feature!r}.'
            )
        if self.uses_images:
            if not isinstance(self.image_feature, str) or not self.image_feature:
                raise ConfigError("augmentation='image' needs image_feature (a bytes feature).")
            image_augment.ImageOptions.from_dict(self.options)
        elif self.augmentation == 'numeric' and self.augment_fn is None:
            unknown = sorted(set(self.options) - {'noise_scale'})
            if unknown:
                raise ConfigError(f"unknown 'numeric' option(s) {unknown}; known: noise_scale.")
        if self.reservoir_size < 1:
            raise ConfigError(f'reservoir_size must be >= 1, got {self.reservoir_size}.')
        return self

    @property
    def uses_images(self) -> bool:
        return self.augment_fn is None and self.augmentation == 'image'

    @property
    def needs_stats(self) -> bool:
        return self.augment_fn is None and self.augmentation in ('numeric', 'interpolate')

    @property
    def needs_reservoir(self) -> bool:
        return self.augment_fn is None and self.augmentation == 'interpolate'


@dataclasses.dataclass(frozen=True)
class BalancePlan:
    """Per-class plans, float statistics and interpolation reservoirs of one split."""

    classes: Dict[object, ClassPlan]
    stats: Dict[object, Dict[str, FeatureStats]]
    reservoirs: Dict[object, List[tuple]]  # class -> [(fingerprint, {feature: floats})]

    def rows(self) -> dict:
        return balance_plan.plan_rows(self.classes)


# Profile pass.


def _where(config: AugmentConfig, fp: str, label=None) -> str:
    cls = f' of class {class_name(label)!r}' if label is not None else ''
    return f'source example {fp}{cls} in {config.where}'


class _Profile(beam.DoFn):
    """Per batch of serialized examples: one partial profile per class (see :class:`_ProfileFn`).

    Labels are decoded for the whole batch (:func:`~tfx_balance.core.records.read_labels`); an
    example is parsed only when its float features or image are needed, or when its bytes may hold
    ``provenance_feature``.
    """

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance_key = augmentations.feature_key(config.provenance_feature)

    def process(self, records):
        config = self._config
        labels = read_labels(records, config.label_feature, config.where)
        parse = config.uses_images or config.needs_stats
        profiles, floats = {}, {}  # class -> profile; (class, feature) -> float values
        for record, label, key in zip(records, labels, example_keys(records)):
            example = None
            if parse or self._provenance_key in record:
                example = example_pb2.Example.FromString(record)
                if config.provenance_feature in example.features.feature:
                    raise DataError(
                        f"the input already has feature '{config.provenance_feature}' "
                        f'({config.where}); it would be overwritten by provenance. Set '
                        'provenance_feature to another name (e.g. when rebalancing data that was '
                        'already rebalanced).'
                    )
            profile = profiles.get(label)
            if profile is None:
                profile = profiles[label] = _new_profile()
            profile['n'] += 1
            bucket = seeded_hash(config.seed, key) >> balance_plan.BUCKET_SHIFT
            profile['hist'][bucket] = profile['hist'].get(bucket, 0) + 1
            if config.uses_images:
                _image_bytes(example, config, fingerprint(key), label)
            if config.needs_stats:
                features = example.features.feature
                for name in features:
                    values = features[name].float_list.value  # empty unless a float feature
                    if values:
                        floats.setdefault((label, name), []).extend(values)
            if config.needs_reservoir:
                rank = seeded_hash(config.seed, _RESERVOIR_SALT + key)
                candidate = (rank, fingerprint(key), augmentations.float_features(example))
                profile['res'].append(candidate)
        for (label, name), values in floats.items():
            profiles[label]['stats'][name] = _stats_row(np.asarray(values, np.float32))
        for label, profile in profiles.items():
            if len(profile['res']) > config.reservoir_size:
                profile['res'] = _bottom(profile['res'], config.reservoir_size)
            yield label, profile


def _image_bytes(example, config: AugmentConfig, fp: str, label) -> bytes:
    feature = example.features.feature.get(config.image_feature)
    values = list(feature.bytes_list.value) if feature is not None else []
    if feature is None or feature.WhichOneof('kind') != 'bytes_list' or len(values) != 1:
        present = ', '.join(sorted(example.features.feature)[:12])
        found = (
            'missing'
            if feature is None
            else f'{feature.WhichOneof("kind")} with {len(values)} values'
        )
        raise DataError(
            f"image_feature '{config.image_feature}' is {found} on {_where(config, fp, label)}; "
            'it must be a bytes feature with one PNG or JPEG image. Features present: '
            f'{present}. Set image_feature to the encoded image feature.'
        )
    if image_augment.image_format(values[0]) is None:
        raise DataError(
            f"image_feature '{config.image_feature}' on {_where(config, fp, label)} is not a "
            f'PNG or JPEG image (starts with {values[0][:8]!r}). Encode images as PNG or JPEG.'
        )
    return values[0]


def _new_profile() -> dict:
    return {'n': 0, 'hist': {}, 'stats': {}, 'res': []}


def _bottom(entries, k: int) -> list:
    """The ``k`` reservoir candidates with the smallest seeded hash (ties: fingerprint)."""
    return heapq.nsmallest(k, entries, key=lambda e: (e[0], e[1]))


class _ProfileFn(beam.CombineFn):
    """Per class: count, hash-bucket histogram, float stats, bottom-k reservoir.

    Inputs are partial profiles (of a batch, from :class:`_Profile`); every part merges exactly,
    so the result does not depend on batching or combine order.
    """

    def __init__(self, reservoir_size: int):
        self._k = reservoir_size

    def create_accumulator(self):
        return _new_profile()

    def add_input(self, acc, profile):
        acc['n'] += profile['n']
        for b, c in profile['hist'].items():
            acc['hist'][b] = acc['hist'].get(b, 0) + c
        for name, row in profile['stats'].items():
            s = acc['stats'].get(name)
            acc['stats'][name] = row if s is None else _merge_stats(s, row)
        if profile['res']:
            acc['res'] = acc['res'] + profile['res']
            if len(acc['res']) >= 2 * self._k:
                acc['res'] = _bottom(acc['res'], self._k)
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for acc in accs:
            merged = self.add_input(merged, acc)
        return merged

    def extract_output(self, acc):
        acc['res'] = _bottom(acc['res'], self._k)
        return acc


# Sums of float32 values are kept exactly, as integers in units of 2**-149 (every float32 is a
# whole multiple of it; squares in units of 2**-298). Integer addition is associative, so the
# per-class standard deviation, and the 'numeric' jitter scaled by it, are the same for any input
# order, bundling or runner (float sums differ in the last bits when merged in another order).
_UNIT_BITS = 149
_LOOP_MAX = 32  # up to this many values a Python loop is faster than the vectorised path


def _exact_sums(values: np.ndarray):
    """``(sum, sum of squares)`` of float32 ``values`` as exact scaled integers (NaN if any
    value is not finite)."""
    if not np.isfinite(values).all():
        return math.nan, math.nan
    if values.size <= _LOOP_MAX:
        total = squares = 0
        for x in values.tolist():
            i = int(math.ldexp(x, _UNIT_BITS))
            total += i
            squares += i * i
        return total, squares
    mantissa, exponent = np.frexp(values.astype(np.float64))
    mantissa = np.ldexp(mantissa, 24).astype(np.int64)  # exact: float32 has 24-bit mantissas
    shift = exponent.astype(np.int64) - 24 + _UNIT_BITS
    low = shift < 0  # subnormal float32 values: their low mantissa bits are zero
    mantissa[low] >>= -shift[low]
    shift[low] = 0
    shifts, group = np.unique(shift, return_inverse=True)
    a = np.abs(mantissa)
    hi, lo = a >> 12, a & 0xFFF  # squares as 12-bit halves: float64 bincounts stay exact
    sums = [np.bincount(group, weights=w, minlength=len(shifts)).tolist()
            for w in (mantissa, hi * hi, hi * lo, lo * lo)]  # fmt: skip
    total = squares = 0
    for shift, t, hh, hl, ll in zip(shifts.tolist(), *sums):
        total += int(t) << shift
        squares += ((int(hh) << 24) + (int(hl) << 13) + int(ll)) << (2 * shift)
    return total, squares


def _stats_row(values: np.ndarray) -> list:
    """``[count, exact sum, exact sum of squares, min, max]`` of a float32 array."""
    total, squares = _exact_sums(values)
    return [values.size, total, squares, float(values.min()), float(values.max())]


def _merge_stats(a, b):
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2], min(a[3], b[3]), max(a[4], b[4])]


def _feature_stats(row) -> FeatureStats:
    count, total, squares, lo, hi = row
    # Variance = (count * sum(x^2) - sum(x)^2) / count^2, computed exactly, rounded once.
    variance = (count * squares - total * total) / (count * count * (1 << (2 * _UNIT_BITS)))
    std = math.sqrt(variance) if variance > 0 else 0.0
    return FeatureStats(lo, hi, std)


def build_plan(profiles, config: AugmentConfig) -> BalancePlan:
    """Builds the :class:`BalancePlan` from ``[(class, profile accumulator)]``."""
    profiles = dict(profiles)
    if not profiles:
        raise DataError(
            f'{config.where} has no examples; BalancedAugmenter needs at least one labelled '
            'example per split it rebalances. Remove the split from `splits`.'
        )
    counts = {label: p['n'] for label, p in profiles.items()}
    wanted = balance_plan.resolve_targets(counts, config.target)
    classes = {
        label: balance_plan.plan_class(
            label, counts[label], wanted[label], config.undersample, profiles[label]['hist']
        )
        for label in counts
    }
    stats = {
        label: {name: _feature_stats(row) for name, row in p['stats'].items()}
        for label, p in profiles.items()
    }
    reservoirs = {label: [(fp, f) for _, fp, f in p['res']] for label, p in profiles.items()}
    return BalancePlan(classes, stats, reservoirs)


# Generation pass.

_ORIGINAL, _SOURCE = 0, 1
_ORIGINALS, _SOURCES, _BOUNDARY = 'originals', 'sources', 'boundary'


def _decide(plan: ClassPlan, record: bytes, selected: bool):
    if plan.mode == UNDERSAMPLE:
        if selected:
            yield _ORIGINAL, record, plan.label, 0
        return
    yield _ORIGINAL, record, plan.label, 0
    if plan.mode == AUGMENT:
        copies = plan.copies_per_source + (1 if selected else 0)
        if copies:
            yield _SOURCE, record, plan.label, copies


class _Decisions(beam.DoFn):
    """Emits decisions: each kept original, marked (main output), and the sources of copies as
    one list of ``(record, label, copies, fingerprint)`` per input element (output
    ``'sources'``)."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance = augmentations.Provenance(
            config.provenance_feature, config.source_feature
        )

    def _emit(self, decisions, key: bytes, sources: list):
        for kind, record, label, copies in decisions:
            if kind == _ORIGINAL:
                yield self._provenance.original(record)
            else:
                sources.append((record, label, copies, fingerprint(key)))


class _Route(_Decisions):
    """Per batch: keeps, drops or makes a source of copies of each original (see _Decisions);
    an original in its class's boundary bucket goes to output ``'boundary'``, to be ranked."""

    def process(self, records, plan: BalancePlan):
        config = self._config
        labels = read_labels(records, config.label_feature, config.where)
        sources = []
        for record, label, key in zip(records, labels, example_keys(records)):
            cp = plan.classes[label]
            if cp.mode == KEEP:
                yield self._provenance.original(record)
                continue
            h = seeded_hash(config.seed, key)
            bucket = h >> balance_plan.BUCKET_SHIFT
            if bucket == cp.boundary_bucket:
                yield beam.pvalue.TaggedOutput(_BOUNDARY, ((label, bucket), (h, record, key)))
            else:
                decisions = _decide(cp, record, cp.selected_bucket(bucket))
                yield from self._emit(decisions, key, sources)
        if sources:
            yield beam.pvalue.TaggedOutput(_SOURCES, sources)


class _RankBoundary(_Decisions):
    """Decides the originals of one boundary bucket by their rank (hash, then bytes)."""

    def process(self, item, plan: BalancePlan):
        (label, _), members = item
        cp = plan.classes[label]
        sources = []
        for rank, (_, record, key) in enumerate(sorted(members), start=cp.boundary_start):
            yield from self._emit(_decide(cp, record, rank < cp.select), key, sources)
        if sources:
            yield beam.pvalue.TaggedOutput(_SOURCES, sources)


def _jobs(sources):
    for record, label, copies, fp in sources:
        for j in range(copies):
            yield record, label, fp, j


class _AugmentSources(beam.DoFn):
    """'copy', 'numeric', 'interpolate' and user augment_fn: every copy of each source of a list
    of ``(record, label, copies, fingerprint)``, made from one parse of the source.

    'copy' appends the provenance features to the source's bytes. 'numeric' jitters all the copies
    of the list in vectorised steps (:func:`~tfx_balance.core.augmentations.jitter_copies`), the
    noise of a source's copies coming from its Generator ``example_rng(seed, fingerprint)``.
    'interpolate' and ``augment_fn`` make copy ``j`` with ``example_rng(seed, fingerprint, j)``.
    A copy is the same whatever list (batch) its source arrives in.
    """

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._provenance = augmentations.Provenance(
            config.provenance_feature, config.source_feature
        )

    def process(self, sources, plan: BalancePlan):
        config = self._config
        if config.augment_fn is None and config.augmentation == 'copy':
            for record, _, copies, fp in sources:
                marked = self._provenance.copy(record, fp)
                for _ in range(copies):
                    yield marked
        elif config.augment_fn is None and config.augmentation == 'numeric':
            scale = float(config.options.get('noise_scale', augmentations.DEFAULT_NOISE_SCALE))
            yield from augmentations.jitter_copies(
                (self._jitter_source(source, plan) for source in sources), scale
            )
        else:
            for source in sources:
                yield from self._augment_each(source, plan)

    def _jitter_source(self, source, plan: BalancePlan) -> augmentations.JitterSource:
        record, label, copies, fp = source
        return augmentations.JitterSource(
            example=example_pb2.Example.FromString(record),
            stats=plan.stats[label],
            rng=example_rng(self._config.seed, fp),
            copies=copies,
            extra=self._provenance.synthetic_features(fp),
        )

    def _augment_each(self, source, plan: BalancePlan):
        """'interpolate' or augment_fn: the copies of one source, one at a time."""
        config = self._config
        record, label, copies, fp = source
        example = example_pb2.Example.FromString(record)
        where = _where(config, fp, label)
        partners = None
        if config.augment_fn is None:  # 'interpolate'
            pool = plan.reservoirs[label]
            partners = [f for other_fp, f in pool if other_fp != fp] or [
                augmentations.float_features(example)
            ]
        for copy_index in range(copies):
            rng = example_rng(config.seed, fp, copy_index)
            if config.augment_fn is not None:
                new = augmentations.apply_user_fn(
                    config.augment_fn, example, rng, config.label_feature, where
                )
            else:
                new = example_pb2.Example()
                new.CopyFrom(example)
                partner = partners[int(rng.integers(len(partners)))]
                augmentations.interpolate(new, partner, plan.stats[label], rng)
            yield augmentations.set_provenance(
                new, config.provenance_feature, True, config.source_feature, fp
            )


class _AugmentImages(beam.DoFn):
    """'image': augments a batch of jobs with one vectorised TF call per image size."""

    def __init__(self, config: AugmentConfig):
        self._config = config
        self._options = image_augment.ImageOptions.from_dict(config.options)

    def process(self, jobs):
        config = self._config
        examples, encoded, decoded, params = [], [], [], []
        for record, label, fp, copy_index in jobs:
            example = example_pb2.Example.FromString(record)
            data = _image_bytes(example, config, fp, label)
            try:
                image = image_augment.decode(data)
            except Exception as e:  # tf.errors.InvalidArgumentError and friends
                raise DataError(
                    f"image_feature '{config.image_feature}' on {_where(config, fp, label)} "
                    f'could not be decoded ({type(e).__name__}: {str(e).splitlines()[0]}). '
                    'Fix or remove the corrupt image.'
                ) from e
            rng = example_rng(config.seed, fp, copy_index)
            examples.append((example, fp))
            encoded.append(data)
            decoded.append(image)
            params.append(image_augment.draw_params(rng, self._options))
        for (example, fp), data in zip(
            examples, image_augment.augment_images(encoded, params, decoded)
        ):
            example.features.feature[config.image_feature].bytes_list.value[:] = [data]
            yield augmentations.set_provenance(
                example, config.provenance_feature, True, config.source_feature, fp
            )


class BalancedAugment(beam.PTransform):
    """Rebalances one split's examples to exact per-class targets (see module docstring).

    Apply to a pipeline (``PBegin``). Give one source, a callable called twice that returns a new
    PTransform reading the input each time: ``batches_source`` yields lists of serialized
    examples (e.g. :class:`~tfx_balance.core.records.ReadRecordBatches`, the fast path),
    ``records_source`` yields serialized examples one by one (batched here). Returns a dict with
    ``'records'`` (serialized output examples) and ``'plan'`` (a single element:
    ``{class_name: {input, target, generated, dropped, output}}``).

    Args:
      records_source: callable returning a PTransform that reads the serialized examples.
      config: an :class:`AugmentConfig` (or pass its fields as keyword arguments).
      batches_source: callable returning a PTransform that reads lists of serialized examples.
    """

    def __init__(
        self,
        records_source: Callable[[], beam.PTransform] | None = None,
        config: AugmentConfig | None = None,
        batches_source: Callable[[], beam.PTransform] | None = None,
        **kwargs,
    ):
        super().__init__()
        if (records_source is None) == (batches_source is None):
            raise ValueError('give exactly one of records_source and batches_source')
        self._source = batches_source or records_source
        self._batched = batches_source is not None
        self._config = (config or AugmentConfig(**kwargs)).validate()

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
            | 'Profile' >> beam.ParDo(_Profile(config))
            | 'ProfilePerClass' >> beam.CombinePerKey(_ProfileFn(config.reservoir_size))
            | 'AllProfiles' >> beam.combiners.ToList()
        )
        plan = profiles | 'Plan' >> beam.Map(build_plan, config)
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = self._read(pipeline, 'ReadForGenerate') | 'Route' >> beam.ParDo(
            _Route(config), plan_side
        ).with_outputs(_BOUNDARY, _SOURCES, main=_ORIGINALS)
        ranked = (
            routed[_BOUNDARY]
            | 'GroupBoundaryBucket' >> beam.GroupByKey()
            | 'RankBoundaryBucket'
            >> beam.ParDo(_RankBoundary(config), plan_side).with_outputs(_SOURCES, main=_ORIGINALS)
        )
        sources = (routed[_SOURCES], ranked[_SOURCES]) | 'Sources' >> beam.Flatten()
        if config.uses_images:
            synthetic = (
                sources
                | 'CopyJobs' >> beam.FlatMap(_jobs)
                | 'BatchImages'
                >> beam.BatchElements(min_batch_size=1, max_batch_size=IMAGE_BATCH_SIZE)
                | 'AugmentImages' >> beam.ParDo(_AugmentImages(config))
            )
        else:
            synthetic = sources | 'Augment' >> beam.ParDo(_AugmentSources(config), plan_side)
        records = (routed[_ORIGINALS], ranked[_ORIGINALS], synthetic) | 'Output' >> beam.Flatten()
        return {RECORDS: records, PLAN: plan | 'PlanRows' >> beam.Map(lambda p: p.rows())}
