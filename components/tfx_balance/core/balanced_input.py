"""Per-class layout of a split and exact class-balanced ``tf.data`` input (``balanced_dataset``).

Two halves that meet in a small JSON *balance plan*:

1. **Layout (Beam).** :class:`BalancedLayout` reads a split's serialized ``tf.train.Example``
   records, counts them per class and writes one set of gzipped TFRecord shards per class into
   the split folder: ``Split-<name>/class-<index>-<safe name>-<shard>-of-<shards>.gz``. The class
   index is the position in the canonical class order (:func:`~tfx_balance.core.labels.
   sorted_classes`). Which shard an example goes to and its position inside the shard follow a
   seeded hash of its content key (:func:`~tfx_balance.core.hashing.example_keys`), so the files
   hold the same examples in the same order for the same seed on any runner, input order, retry
   or re-run of the components upstream (whose protobuf may write feature maps in another
   order). The transform returns the :class:`BalancePlan` of the split (classes, counts,
   files, class weights ``n / (K * n_c)`` and output-bias initialiser ``log(n_c / n)``), which
   the caller writes as ``balance_plan.json`` at the artifact root (:func:`plans_to_json`).
2. **Reading (tf.data).** :func:`balanced_dataset` finds the plan next to the files, builds one
   shuffled, repeating stream per class (each example read once per pass over its class) and
   interleaves them with a precomputed, repeating schedule (:func:`batch_schedule`): per batch,
   class ``k`` gets ``floor(B * p_k)`` or ``ceil(B * p_k)`` examples (``p_k`` its weight share),
   and over the schedule's period exactly ``B * p_k`` per batch on average. With uniform weights
   and ``K`` dividing ``B`` every batch holds exactly ``B / K`` examples of each class.

Example (outside TFX; the files were written by ``BalancedInputGen``)::

    ds = balanced_dataset('/pipeline/BalancedInputGen/examples/7/Split-train/*',
                          label_feature='label', batch_size=64, schema=schema, seed=0)
    model.fit(ds, steps_per_epoch=steps_per_epoch(
        '/pipeline/BalancedInputGen/examples/7/Split-train/*', batch_size=64), epochs=5)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from fractions import Fraction
from typing import Dict, List, Mapping, Sequence, Tuple, Union

import apache_beam as beam
import numpy as np

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.hashing import example_keys, seeded_hash
from tfx_balance.core.labels import class_name, sorted_classes
from tfx_balance.core.records import DEFAULT_BATCH_SIZE, read_labels, write_records_file

PLAN_FILE = keys.BALANCE_PLAN_FILE
PLAN_FORMAT_VERSION = 1
COMPONENT = 'BalancedInputGen'
DEFAULT_EXAMPLES_PER_SHARD = 50_000
DEFAULT_SHUFFLE_BUFFER = 10_000
# Longest schedule period (in batches) and choice sequence (in examples) kept in memory.
MAX_PERIOD_BATCHES = 10_000
MAX_SCHEDULE_LENGTH = 2_000_000


# --------------------------------------------------------------------------------------------
# The balance plan.


@dataclasses.dataclass(frozen=True)
class BalancePlan:
    """How one split was laid out per class (read back by :func:`balanced_dataset`).

    Attributes:
      split: split name, e.g. ``'train'``.
      label_feature: the feature the classes were read from.
      label_type: ``'int64'`` or ``'bytes'``.
      seed: seed of the layout hash.
      classes: class names in canonical order (the class index is the position).
      counts: examples per class.
      files: per class, its shard file names relative to the split folder.
      class_weights: ``n / (K * n_c)`` per class (Keras ``class_weight`` values).
      output_bias: ``log(n_c / n)`` per class (initial bias of a softmax/sigmoid output).
    """

    split: str
    label_feature: str
    label_type: str
    seed: int
    classes: Tuple[str, ...]
    counts: Tuple[int, ...]
    files: Tuple[Tuple[str, ...], ...]
    class_weights: Tuple[float, ...]
    output_bias: Tuple[float, ...]

    @property
    def total(self) -> int:
        return int(sum(self.counts))

    def class_weight_dict(self) -> Dict[int, float]:
        """``{class index: weight}``, ready for Keras ``fit(class_weight=...)``."""
        return dict(enumerate(self.class_weights))

    def to_json(self) -> dict:
        return {
            'label_feature': self.label_feature,
            'label_type': self.label_type,
            'seed': self.seed,
            'total': self.total,
            'classes': [
                {
                    'index': i,
                    'class': name,
                    'count': self.counts[i],
                    'class_weight': self.class_weights[i],
                    'output_bias': self.output_bias[i],
                    'files': list(self.files[i]),
                }
                for i, name in enumerate(self.classes)
            ],
        }

    @classmethod
    def from_json(cls, split: str, obj: Mapping) -> BalancePlan:
        rows = obj['classes']
        return cls(
            split=split,
            label_feature=obj['label_feature'],
            label_type=obj['label_type'],
            seed=int(obj['seed']),
            classes=tuple(r['class'] for r in rows),
            counts=tuple(int(r['count']) for r in rows),
            files=tuple(tuple(r['files']) for r in rows),
            class_weights=tuple(float(r['class_weight']) for r in rows),
            output_bias=tuple(float(r['output_bias']) for r in rows),
        )


def class_weights_and_bias(counts: Sequence[int]) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
    """Returns ``(n / (K * n_c), log(n_c / n))`` per class for the given class counts."""
    n, k = sum(counts), len(counts)
    weights = tuple(n / (k * c) for c in counts)
    bias = tuple(math.log(c / n) for c in counts)
    return weights, bias


def safe_class_name(name: str, limit: int = 40) -> str:
    """A file-name-safe form of a class name (letters, digits, ``_`` and ``.``)."""
    safe = re.sub(r'[^A-Za-z0-9_.]+', '_', name).strip('.')[:limit]
    return safe or '_'


def shard_file_name(index: int, name: str, shard: int, shards: int) -> str:
    return f'class-{index:05d}-{safe_class_name(name)}-{shard:05d}-of-{shards:05d}.gz'


def make_plan(
    split: str,
    label_feature: str,
    seed: int,
    class_counts: Mapping,
    examples_per_shard: int = DEFAULT_EXAMPLES_PER_SHARD,
) -> BalancePlan:
    """Builds the plan of a split from ``{class value: count}`` (values int or bytes)."""
    if not class_counts:
        raise DataError(
            f"split '{split}' has no examples; {COMPONENT} needs at least one labelled example "
            'per laid-out split. Check the upstream component or leave this split out of splits.'
        )
    kinds = {type(v) for v in class_counts}
    if len(kinds) > 1:
        raise DataError(
            f"label_feature '{label_feature}' in split '{split}' mixes int64 and bytes labels; "
            'every example must use the same label type. Convert the labels to one type first.'
        )
    values = sorted_classes(class_counts)
    names = tuple(class_name(v) for v in values)
    counts = tuple(int(class_counts[v]) for v in values)
    shards = [max(1, math.ceil(c / examples_per_shard)) for c in counts]
    files = tuple(
        tuple(shard_file_name(i, names[i], s, shards[i]) for s in range(shards[i]))
        for i in range(len(counts))
    )
    weights, bias = class_weights_and_bias(counts)
    return BalancePlan(
        split=split,
        label_feature=label_feature,
        label_type='int64' if kinds == {int} else 'bytes',
        seed=int(seed),
        classes=names,
        counts=counts,
        files=files,
        class_weights=weights,
        output_bias=bias,
    )


def plans_to_json(plans: Sequence[BalancePlan], passthrough_splits: Sequence[str] = ()) -> dict:
    """The content of ``balance_plan.json``: every laid-out split's plan."""
    return {
        'format_version': PLAN_FORMAT_VERSION,
        'written_by': COMPONENT,
        'splits': {p.split: p.to_json() for p in sorted(plans, key=lambda p: p.split)},
        'passthrough_splits': list(passthrough_splits),
    }


# --------------------------------------------------------------------------------------------
# Layout (Beam).


def _labels_and_hashes(records, label_feature: str, seed: int, where: str):
    """``(label, (hash, record))`` per record of a batch; the hash is of the content key."""
    labels = read_labels(records, label_feature, where)
    for record, label, key in zip(records, labels, example_keys(records)):
        yield label, (seeded_hash(seed, key), record)


class _Route(beam.DoFn):
    """Keys each example by ``(class index, shard)`` from its seeded hash."""

    def process(self, item, plan: BalancePlan):
        label, (h, record) = item
        index = plan.classes.index(class_name(label))
        shards = len(plan.files[index])
        yield (index, h % shards), (h, record)


class _WriteShard(beam.DoFn):
    """Writes one ``(class, shard)`` group, sorted by ``(hash, bytes)``, as a gzipped TFRecord."""

    def __init__(self, split_dir: str):
        self._split_dir = split_dir

    def process(self, item, plan: BalancePlan):
        (index, shard), members = item
        rows = sorted(m for m in members if m is not None)
        path = os.path.join(self._split_dir, plan.files[index][shard])
        write_records_file(path, (record for _, record in rows))
        yield index, len(rows)


def _check_written(written, plan: BalancePlan) -> BalancePlan:
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
    PCollection holding the split's :class:`BalancePlan`; it is produced only after every shard
    has been written and checked against the counts.
    """

    def __init__(
        self,
        split_dir: str,
        split: str,
        label_feature: str,
        seed: int = 0,
        examples_per_shard: int = DEFAULT_EXAMPLES_PER_SHARD,
    ):
        super().__init__()
        if int(examples_per_shard) < 1:
            raise ConfigError(f'examples_per_shard must be >= 1, got {examples_per_shard}.')
        self._split_dir = split_dir
        self._split = split
        self._label_feature = label_feature
        self._seed = int(seed)
        self._per_shard = int(examples_per_shard)

    def expand(self, records):
        split, label_feature, seed = self._split, self._label_feature, self._seed
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
            | 'Plan'
            >> beam.Map(lambda c: make_plan(split, label_feature, seed, c, self._per_shard))
        )
        plan_side = beam.pvalue.AsSingleton(plan)
        routed = labelled | 'Route' >> beam.ParDo(_Route(), plan_side)
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


# --------------------------------------------------------------------------------------------
# Locating and reading plans.


def _glob(pattern: str) -> List[str]:
    import tensorflow as tf

    return sorted(tf.io.gfile.glob(pattern))


def _no_plan_error(split_dir: str, plan_path: str) -> DataError:
    return DataError(
        f'no balance plan found for files in {split_dir}: expected {plan_path}. '
        f'balanced_dataset reads splits laid out per class by the {COMPONENT} component. Add '
        f"{COMPONENT}(examples=..., label_feature=..., splits=['train']) before the Trainer and "
        f"pass its outputs['examples'] to the Trainer (or to balanced_dataset)."
    )


def load_plans(file_pattern_or_list: Union[str, Sequence[str]]) -> List[Tuple[str, BalancePlan]]:
    """Returns ``(split_dir, plan)`` for every split folder named by the patterns.

    A pattern is ``<artifact uri>/Split-<name>/*`` (as in ``fn_args.train_files``), a split
    folder, or a file inside one; the plan is read from ``<artifact uri>/balance_plan.json``.
    """
    import tensorflow as tf

    patterns = [file_pattern_or_list] if isinstance(file_pattern_or_list, str) else None
    patterns = patterns or list(file_pattern_or_list)
    if not patterns:
        raise ConfigError('file_pattern_or_list is empty; pass e.g. fn_args.train_files.')
    split_dirs: List[str] = []
    for pattern in patterns:
        pattern = str(pattern).rstrip('/')
        split_dir = pattern if tf.io.gfile.isdir(pattern) else os.path.dirname(pattern)
        if split_dir not in split_dirs:
            split_dirs.append(split_dir)
    result = []
    cache: Dict[str, dict] = {}
    for split_dir in split_dirs:
        root, folder = os.path.split(split_dir)
        plan_path = os.path.join(root, PLAN_FILE)
        if not folder.startswith('Split-') or not tf.io.gfile.exists(plan_path):
            raise _no_plan_error(split_dir, plan_path)
        if plan_path not in cache:
            with tf.io.gfile.GFile(plan_path) as f:
                cache[plan_path] = json.load(f)
        doc = cache[plan_path]
        split = folder[len('Split-') :]
        if split not in doc.get('splits', {}):
            laid_out = ', '.join(doc.get('splits', {})) or '(none)'
            raise DataError(
                f"split '{split}' ({split_dir}) was not laid out per class by {COMPONENT} (it "
                f'was passed through unchanged); laid-out splits: {laid_out}. Add '
                f"'{split}' to {COMPONENT}(splits=[...]) or read another split."
            )
        result.append((split_dir, BalancePlan.from_json(split, doc['splits'][split])))
    return result


@dataclasses.dataclass(frozen=True)
class _Classes:
    """Classes merged over all requested splits: names, counts and absolute files."""

    label_feature: str
    names: Tuple[str, ...]
    counts: Tuple[int, ...]
    files: Tuple[Tuple[str, ...], ...]


def _merge(located: Sequence[Tuple[str, BalancePlan]]) -> _Classes:
    label_features = {p.label_feature for _, p in located}
    if len(label_features) > 1:
        raise DataError(
            f'the files come from splits laid out by different labels {sorted(label_features)}; '
            'read splits laid out with the same label_feature.'
        )
    label_types = {p.label_type for _, p in located}
    if len(label_types) > 1:
        raise DataError(f'the splits mix label types {sorted(label_types)}; use one label type.')
    order: List[str] = []
    counts: Dict[str, int] = {}
    files: Dict[str, List[str]] = {}
    for split_dir, plan in located:
        for name, count, names in zip(plan.classes, plan.counts, plan.files):
            if name not in counts:
                order.append(name)
                counts[name], files[name] = 0, []
            counts[name] += count
            files[name].extend(os.path.join(split_dir, f) for f in names)
    if label_types == {'int64'}:
        order.sort(key=int)
    else:
        order.sort(key=lambda n: n.encode('utf-8', 'surrogateescape'))
    return _Classes(
        label_feature=label_features.pop(),
        names=tuple(order),
        counts=tuple(counts[n] for n in order),
        files=tuple(tuple(files[n]) for n in order),
    )


def _classes_of(plan_or_files) -> _Classes:
    if isinstance(plan_or_files, BalancePlan):
        raise ConfigError(
            'pass the plan together with its split folder as [(split_dir, plan)], or the files.'
        )
    if (
        isinstance(plan_or_files, (list, tuple))
        and plan_or_files
        and all(isinstance(p, tuple) and len(p) == 2 for p in plan_or_files)
        and all(isinstance(p[1], BalancePlan) for p in plan_or_files)
    ):
        return _merge(plan_or_files)
    return _merge(load_plans(plan_or_files))


# --------------------------------------------------------------------------------------------
# The schedule.


def resolve_weights(
    weights: Mapping | None, classes: Sequence[str], batch_size: int
) -> Tuple[Fraction, ...]:
    """Returns each class's exact share of a batch (zero for classes left out of ``weights``)."""
    k = len(classes)
    if int(batch_size) != batch_size or batch_size < 1:
        raise ConfigError(f'batch_size must be a positive integer, got {batch_size!r}.')
    if weights is None:
        if batch_size < k:
            raise ConfigError(
                f'batch_size {batch_size} is smaller than the number of classes ({k}: '
                f'{", ".join(classes)}); uniform balancing needs at least one example of each '
                f'class per batch. Use batch_size >= {k} (ideally a multiple of {k}), or pass '
                'weights to sample some classes less than once per batch.'
            )
        return tuple(Fraction(1, k) for _ in classes)
    if not isinstance(weights, Mapping) or not weights:
        raise ConfigError(
            f'weights must be None or a non-empty {{class: weight}} dict, got {weights!r}.'
        )
    shares = {}
    for key, value in weights.items():
        text = key.decode('utf-8', 'backslashreplace') if isinstance(key, bytes) else str(key)
        if text not in classes:
            raise ConfigError(
                f'weights name class {key!r}, which is not in the data; classes present: '
                f'{", ".join(classes)}. Fix the class name (classes are matched by their string '
                'form, e.g. 3 or "3" for an int64 label).'
            )
        if text in shares:
            raise ConfigError(f'weights name class {text!r} twice ({key!r}).')
        try:
            frac = Fraction(value).limit_denominator(1_000_000)
        except (TypeError, ValueError):
            raise ConfigError(
                f'weight of class {text!r} must be a number, got {value!r}.'
            ) from None
        if frac < 0 or not math.isfinite(float(value)):
            raise ConfigError(f'weight of class {text!r} must be finite and >= 0, got {value!r}.')
        shares[text] = frac
    total = sum(shares.values())
    if total <= 0:
        raise ConfigError(
            f'weights must give at least one class a positive weight, got {weights!r}.'
        )
    return tuple(shares.get(name, Fraction(0)) / total for name in classes)


def batch_schedule(shares: Sequence[Fraction], batch_size: int) -> np.ndarray:
    """Per-batch class counts over one period of the schedule: an ``int64 [L, K]`` array.

    Class ``k`` gets ``floor(B * p_k)`` examples per batch plus, in a fraction ``f_k`` of the
    batches (``f_k`` the fractional part of ``B * p_k``), one extra; the extras of each batch go to
    the classes whose received extras lag furthest behind ``j * f_k`` (ties: lower class index).
    ``L`` is the smallest period over which every ``j * f_k`` is a whole number (capped at
    ``MAX_PERIOD_BATCHES``), so over a period every class gets exactly its share.
    """
    quotas = [Fraction(batch_size) * Fraction(p) for p in shares]
    base = [math.floor(q) for q in quotas]
    fracs = [q - b for q, b in zip(quotas, base)]
    extras = batch_size - sum(base)
    period = 1
    for f in fracs:
        period = period * f.denominator // math.gcd(period, f.denominator)
    cap = max(1, min(MAX_PERIOD_BATCHES, MAX_SCHEDULE_LENGTH // batch_size))
    period = min(period, cap)
    rows = np.zeros((period, len(shares)), dtype=np.int64)
    given = [0] * len(shares)
    candidates = [k for k, f in enumerate(fracs) if f > 0]
    for j in range(1, period + 1):
        chosen = sorted(candidates, key=lambda k: (-(j * fracs[k] - given[k]), k))[:extras]
        for k in chosen:
            given[k] += 1
        rows[j - 1] = base
        rows[j - 1, chosen] += 1
    return rows


def choice_sequence(schedule: np.ndarray) -> np.ndarray:
    """Flattens a schedule into the class index of every slot, classes spread within a batch."""
    out = []
    for counts in schedule:
        slots = [((i + 0.5) / c, k) for k, c in enumerate(counts) for i in range(int(c))]
        out.extend(k for _, k in sorted(slots))
    return np.asarray(out, dtype=np.int64)


def steps_per_epoch(plan_or_files, batch_size: int, weights: Mapping | None = None) -> int:
    """Batches after which every sampled class has been seen once in full.

    With uniform weights that is the largest class (``ceil(n_max / (B / K))`` when ``K | B``);
    with ``weights``, the class that needs the most batches at its share. ``plan_or_files`` is
    what :func:`balanced_dataset` takes (e.g. ``fn_args.train_files``), a :class:`BalancePlan`, or
    ``[(split_dir, plan)]``.
    """
    if isinstance(plan_or_files, BalancePlan):
        p = plan_or_files
        classes = _Classes(p.label_feature, p.classes, p.counts, p.files)
    else:
        classes = _classes_of(plan_or_files)
    schedule = batch_schedule(resolve_weights(weights, classes.names, batch_size), batch_size)
    cumulative = np.cumsum(schedule, axis=0)  # [L, K]
    per_period = cumulative[-1]
    steps = 0
    for k, n in enumerate(classes.counts):
        if per_period[k] == 0:
            continue
        periods = (n - 1) // per_period[k]
        rest = n - periods * per_period[k]
        within = int(np.searchsorted(cumulative[:, k], rest)) + 1
        steps = max(steps, int(periods) * len(schedule) + within)
    return steps


# --------------------------------------------------------------------------------------------
# tf.data.


def _stream_seed(seed: int, name: str, what: str) -> int:
    return seeded_hash(seed, f'{what}:{name}'.encode()) % (2**31 - 1)


def class_chunks(files: Sequence[str], count: int, seed: int, name: str, shuffle_buffer: int):
    """A shuffled, endlessly repeating stream of one class's serialized examples, in chunks.

    The shards hold the class in seeded-hash order. Each pass visits the shards in a seeded
    order, cuts the records into windows of ``min(count, shuffle_buffer)``, visits the windows in
    a seeded order and permutes each window with a stateless seeded shuffle (seeded by the
    window's running index, so every pass has a new order). Each pass reads every example exactly
    once before the next pass starts; a class no larger than ``shuffle_buffer`` is fully
    reshuffled every pass. Elements are ``tf.string`` vectors (windows); work is per window,
    not per example, which keeps this as fast as a plain read.
    """
    import tensorflow as tf

    paths = tf.data.Dataset.from_tensor_slices(list(files))
    if len(files) > 1:
        paths = paths.shuffle(
            len(files), seed=_stream_seed(seed, name, 'files'), reshuffle_each_iteration=True
        )
    records = tf.data.TFRecordDataset(paths, compression_type='GZIP')
    window = max(1, min(int(count), int(shuffle_buffer)))
    windows = records.batch(window)
    n_windows = math.ceil(int(count) / window)
    if n_windows > 1:
        windows = windows.shuffle(
            n_windows, seed=_stream_seed(seed, name, 'windows'), reshuffle_each_iteration=True
        )
    example_seed = tf.constant(_stream_seed(seed, name, 'examples'), tf.int64)

    def permute(index, chunk):
        return tf.random.experimental.stateless_shuffle(chunk, seed=tf.stack([example_seed, index]))

    # Prefetch: the next window is read in the background while this one is consumed.
    return windows.repeat().enumerate().map(permute).prefetch(1)


# Above this many examples per schedule period, batches are assembled example by example.
MAX_VECTOR_PERIOD = 1 << 16
# Examples assembled per step of the vectorised path.
VECTOR_GROUP = 4096


def _slot_index(schedule: np.ndarray, repeats: int = 1) -> np.ndarray:
    """Where each slot of ``repeats`` schedule periods finds its example.

    The examples come as ``concat([class 0 x repeats periods], [class 1 ...], ...)``; slot ``s``
    of period ``p`` takes the next unused example of its class from period ``p``'s share.
    """
    totals = schedule.sum(axis=0)
    offsets = np.concatenate([[0], np.cumsum(totals * repeats)[:-1]])
    sequence = choice_sequence(schedule)
    index = []
    for p in range(repeats):
        taken = offsets + p * totals
        for k in sequence:
            index.append(taken[k])
            taken[k] += 1
    return np.asarray(index, dtype=np.int64)


def balanced_records(
    file_pattern_or_list,
    batch_size: int,
    weights: Mapping | None = None,
    seed: int = 0,
    shuffle_buffer: int = DEFAULT_SHUFFLE_BUFFER,
    label_feature: str | None = None,
):
    """Batches of serialized examples with the balanced schedule (a ``tf.string [B]`` dataset).

    Each class stream is rebatched to the class's examples per group of schedule periods (about
    ``VECTOR_GROUP`` examples); the streams are zipped and one gather per group places every
    example in its batch slot (no per-example dataset steps). Periods longer than
    ``MAX_VECTOR_PERIOD`` examples fall back to ``choose_from_datasets`` over the example
    streams, with the same result.
    """
    import tensorflow as tf

    groups, grouped = _record_groups(
        file_pattern_or_list, batch_size, weights, seed, shuffle_buffer, label_feature
    )
    if not grouped:
        return groups
    return groups.map(lambda g: tf.reshape(g, [-1, batch_size])).unbatch()


def _record_groups(file_pattern_or_list, batch_size, weights, seed, shuffle_buffer, label_feature):
    """``(dataset, grouped)``: groups of whole batches (``tf.string [n * B]``) when ``grouped``,
    else batches (``tf.string [B]``)."""
    import tensorflow as tf

    classes = _classes_of(file_pattern_or_list)
    if label_feature is not None and label_feature != classes.label_feature:
        raise ConfigError(
            f"label_feature '{label_feature}' differs from the label the files were laid out "
            f"by ('{classes.label_feature}'); pass label_feature='{classes.label_feature}' or "
            f'lay the data out again with {COMPONENT}(label_feature={label_feature!r}).'
        )
    shares = resolve_weights(weights, classes.names, batch_size)
    active = [k for k, p in enumerate(shares) if p > 0]
    schedule = batch_schedule([shares[k] for k in active], batch_size)
    period, totals = len(schedule), schedule.sum(axis=0)
    chunks = [
        class_chunks(classes.files[k], classes.counts[k], seed, classes.names[k], shuffle_buffer)
        for k in active
    ]
    if period * batch_size <= MAX_VECTOR_PERIOD and (totals > 0).all():
        # Assemble several periods at once so per-step overheads are paid per ~4k examples.
        repeats = max(1, VECTOR_GROUP // (period * batch_size))
        index = tf.constant(_slot_index(schedule, repeats))
        parts = tuple(
            c.rebatch(int(t) * repeats, drop_remainder=True) for c, t in zip(chunks, totals)
        )

        def place(*xs):
            return tf.gather(tf.concat(xs, axis=0), index)

        return tf.data.Dataset.zip(parts).map(place), True
    streams = [c.unbatch() for c in chunks]
    choices = tf.data.Dataset.from_tensor_slices(choice_sequence(schedule)).repeat()
    records = tf.data.Dataset.choose_from_datasets(streams, choices)
    return records.batch(batch_size, drop_remainder=True), False


def _peek_feature_names(files: Sequence[str]) -> set:
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(list(files)[:1], compression_type='GZIP').take(1):
        example = tf.train.Example.FromString(record.numpy())
        return set(example.features.feature.keys())
    return set()


def _feature_spec_of(schema) -> dict:
    from tensorflow_transform.tf_metadata import schema_utils

    return schema_utils.schema_as_feature_spec(schema).feature_spec


def _decoder(classes: _Classes, schema, tf_transform_output, data_accessor):
    """Returns ``(parse_fn, transform_fn)`` for batches of serialized examples."""
    import tensorflow as tf

    transform = False
    if schema is not None:
        spec = _feature_spec_of(schema)
        transform = tf_transform_output is not None
    elif tf_transform_output is not None:
        present = _peek_feature_names(next(f for f in classes.files if f))
        transformed_spec = tf_transform_output.transformed_feature_spec()
        if set(transformed_spec) <= present:
            spec = transformed_spec
        else:
            spec = tf_transform_output.raw_feature_spec()
            transform = True
    else:
        raise ConfigError(
            'balanced_dataset needs a schema (e.g. from SchemaGen: fn_args.schema_path) or a '
            'tf_transform_output to parse the examples; pass schema=... or tf_transform_output=...'
            + (' (data_accessor also needs the schema).' if data_accessor is not None else '.')
        )
    decode = getattr(data_accessor, 'data_view_decode_fn', None) if data_accessor else None

    def parse(serialized):
        if decode is not None:
            return decode(serialized)
        return tf.io.parse_example(serialized, spec)

    layer = tf_transform_output.transform_features_layer() if transform else None
    return parse, layer


def balanced_dataset(
    file_pattern_or_list,
    label_feature: str,
    batch_size: int,
    data_accessor=None,
    schema=None,
    tf_transform_output=None,
    weights: Mapping | None = None,
    seed: int = 0,
    label_key: str | None = None,
    shuffle_buffer: int = DEFAULT_SHUFFLE_BUFFER,
):
    """Endless ``(features, label)`` batches with an exact, deterministic class balance.

    Args:
      file_pattern_or_list: files of splits laid out by ``BalancedInputGen``, e.g.
        ``fn_args.train_files`` (``[<uri>/Split-train/*]``); the plan is read from
        ``<uri>/balance_plan.json``.
      label_feature: the label the split was laid out by (checked against the plan).
      batch_size: examples per batch ``B``. With ``weights=None`` it must be >= the number of
        classes ``K``; with ``K | B`` each batch holds exactly ``B / K`` examples per class.
      data_accessor: ``fn_args.data_accessor`` inside the Trainer (optional). Its decode function
        is used when the payload has a data view; otherwise examples are parsed with ``schema``,
        as its ``tf_dataset_factory`` does for tf.Examples.
      schema: ``tensorflow_metadata`` Schema of the examples as stored.
      tf_transform_output: a ``tft.TFTransformOutput``. If the examples are raw (they lack the
        transformed features) they are parsed with ``schema`` or the raw schema and sent through
        ``transform_features_layer()``; if they are already transformed they are parsed with the
        transformed feature spec.
      weights: ``None`` for uniform, or ``{class: weight}`` (class by name, int or bytes);
        classes left out get weight 0. Per batch, class ``k`` gets ``floor`` or ``ceil`` of
        ``B * w_k / sum(w)`` examples, following a fixed schedule.
      seed: seed of the per-class shuffles (same seed, same stream).
      label_key: feature popped as the label after parsing/transforming (default
        ``label_feature``; set it when the transform renames the label).
      shuffle_buffer: per-class shuffle buffer (a class smaller than it is fully shuffled).

    Returns:
      A repeating ``tf.data.Dataset`` of ``(features dict, label)`` batches of exactly
      ``batch_size`` examples; use :func:`steps_per_epoch` for Keras ``steps_per_epoch``.
    """
    import tensorflow as tf

    classes = _classes_of(file_pattern_or_list)
    groups, grouped = _record_groups(
        file_pattern_or_list, batch_size, weights, seed, shuffle_buffer, label_feature
    )
    parse, layer = _decoder(classes, schema, tf_transform_output, data_accessor)
    label_key = label_key or label_feature

    def to_pair(serialized):
        features = parse(serialized)
        if layer is not None:
            raw = features
            features = dict(layer(raw))
            if label_key not in features and label_key in raw:
                features[label_key] = raw[label_key]
        features = dict(features)
        if label_key not in features:
            raise DataError(
                f"label '{label_key}' is not among the parsed features "
                f'({", ".join(sorted(features))}); set label_key to the feature holding the label '
                'after parsing/transforming, or add it to the schema.'
            )
        label = features.pop(label_key)
        return features, label

    autotune = tf.data.AUTOTUNE
    if grouped:
        # Parse whole groups of batches at once, then cut them into batches (dense features
        # only: rebatch slices tensors; sparse or ragged features are parsed batch by batch).
        parsed = groups.map(to_pair, num_parallel_calls=autotune)
        if all(isinstance(s, tf.TensorSpec) for s in tf.nest.flatten(parsed.element_spec)):
            return parsed.rebatch(batch_size, drop_remainder=True).prefetch(autotune)
        groups = groups.map(lambda g: tf.reshape(g, [-1, batch_size])).unbatch()
    return groups.map(to_pair, num_parallel_calls=autotune).prefetch(autotune)
