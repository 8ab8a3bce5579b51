"""Batches of serialized examples with the balanced schedule (tf.data).

``record_groups`` samples the classes in memory when they fit, else interleaves one shuffled,
repeating stream per class by the schedule. Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from tfx_balance.core.balanced_input_gen.memory import (
    DEFAULT_MEMORY_BUDGET,
    READ_BUFFER,
    load_classes,
    memory_groups,
)
from tfx_balance.core.balanced_input_gen.merge import MergedClasses, check_layout, groups_to_read
from tfx_balance.core.balanced_input_gen.plan import COMPONENT
from tfx_balance.core.balanced_input_gen.plan_file import load_plans
from tfx_balance.core.balanced_input_gen.schedule import (
    batch_order,
    batch_rows,
    batch_schedule,
    choice_sequence,
    resolve_weights,
    schedule_period,
)
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import seeded_hash

DEFAULT_SHUFFLE_BUFFER = 10_000
MAX_VECTOR_PERIOD = 1 << 16  # examples per period above which batches are built one by one
VECTOR_GROUP = 4096  # examples assembled per step of the vectorised path
MAX_CACHED_BYTES = 16 << 20  # a class in one window of one file this small is read once, kept
WINDOW_SHUFFLE_BUFFER = 4  # windows of a class held by the shuffle of window order


def _stream_seed(seed: int, name: str, what: str) -> int:
    return seeded_hash(seed, f'{what}:{name}'.encode()) % (2**31 - 1)


def class_chunks(files: Sequence[str], count: int, seed: int, name: str, shuffle_buffer: int):
    """A shuffled, endlessly repeating stream of one class's serialized examples, in windows of
    ``min(count, shuffle_buffer)``; each pass reads every example once."""
    import tensorflow as tf

    paths = tf.data.Dataset.from_tensor_slices(list(files))
    if len(files) > 1:
        paths = paths.shuffle(
            len(files), seed=_stream_seed(seed, name, 'files'), reshuffle_each_iteration=True
        )
    records = tf.data.TFRecordDataset(paths, compression_type='GZIP', buffer_size=READ_BUFFER)
    window = max(1, min(int(count), int(shuffle_buffer)))
    windows = records.batch(window)
    n_windows = math.ceil(int(count) / window)
    if n_windows > 1:
        windows = windows.shuffle(
            min(n_windows, WINDOW_SHUFFLE_BUFFER),
            seed=_stream_seed(seed, name, 'windows'),
            reshuffle_each_iteration=True,
        )
    elif len(files) == 1 and tf.io.gfile.stat(files[0]).length <= MAX_CACHED_BYTES:
        # One window from one file is the same every pass: keep it.
        windows = windows.cache()
    example_seed = tf.constant(_stream_seed(seed, name, 'examples'), tf.int64)

    def permute(index, chunk):
        return tf.random.experimental.stateless_shuffle(chunk, seed=tf.stack([example_seed, index]))

    return windows.repeat().enumerate().map(permute).prefetch(1)


def _slot_index(schedule: np.ndarray, repeats: int = 1) -> np.ndarray:
    """Per slot of ``repeats`` periods, its example's index among all periods' examples by class."""
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
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
):
    """Batches of serialized examples (``tf.string [B]``) of the files by the balanced schedule."""
    classes, weights, _ = groups_to_read(load_plans(file_pattern_or_list), weights)
    groups, grouped = record_groups(
        classes, batch_size, weights, seed, shuffle_buffer, label_feature, memory_budget
    )
    return batches_of(groups, grouped, batch_size)


def batches_of(groups, grouped: bool, batch_size: int):
    """The batches (``tf.string [B]``) of ``record_groups``' dataset."""
    import tensorflow as tf

    if not grouped:
        return groups
    return groups.map(lambda g: tf.reshape(g, [-1, batch_size])).unbatch()


def replica_groups(groups, batch_size: int, input_context):
    """``(dataset, per_replica)``: this input pipeline's part of every global batch, as groups of
    per-replica batches, replica after replica."""
    import tensorflow as tf

    replicas = input_context.num_replicas_in_sync
    pipelines = input_context.num_input_pipelines
    if batch_size % replicas:
        raise ConfigError(
            f'batch_size {batch_size} (the global batch, with input_context) is not divisible '
            f'by the {replicas} replicas in sync, so the replicas cannot share every batch '
            f'equally; pass a multiple of {replicas}, e.g. '
            f'{(batch_size // replicas + 1) * replicas}.'
        )
    if replicas % pipelines:
        raise ConfigError(
            f'input_context has {pipelines} input pipelines for {replicas} replicas in sync; '
            'balanced_dataset splits every global batch between the replicas, so every pipeline '
            'must serve the same whole number of them (as MirroredStrategy, '
            'MultiWorkerMirroredStrategy and TPUStrategy do); pass the input_context the '
            'strategy gave, or none.'
        )
    per_replica = batch_size // replicas
    width = per_replica * (replicas // pipelines)
    start = input_context.input_pipeline_id * width

    def keep(group):
        return tf.reshape(tf.reshape(group, [-1, batch_size])[:, start : start + width], [-1])

    return groups.map(keep), per_replica


def record_groups(
    classes: MergedClasses,
    batch_size: int,
    weights: Mapping | None,
    seed: int,
    shuffle_buffer: int,
    label_feature: str | None,
    memory_budget: int,
):
    """``(dataset, grouped)``: groups of whole batches (``tf.string [n * B]``) when ``grouped``,
    else batches (``tf.string [B]``)."""
    import tensorflow as tf

    if label_feature is not None and label_feature != classes.label_feature:
        raise ConfigError(
            f"label_feature '{label_feature}' differs from the label the files were laid out "
            f"by ('{classes.label_feature}'); pass label_feature='{classes.label_feature}' or "
            f'lay the data out again with {COMPONENT}(label_feature={label_feature!r}).'
        )
    check_layout(classes)
    shares = resolve_weights(weights, classes.names, batch_size)
    active = [k for k, p in enumerate(shares) if p > 0]
    active_shares = [shares[k] for k in active]
    if memory_budget:
        records = load_classes(classes, active, memory_budget)
        if records is not None:  # every sampled class fits: one read, no per-class streams
            groups = memory_groups(records, classes, active, active_shares, batch_size, seed)
            return groups, True
    period = schedule_period(active_shares, batch_size)
    chunks = [
        class_chunks(classes.files[k], classes.counts[k], seed, classes.names[k], shuffle_buffer)
        for k in active
    ]
    if period is not None and period * batch_size <= MAX_VECTOR_PERIOD:
        # Several periods at once; slot s takes example index[s], example c goes to inverse[c].
        schedule = batch_schedule(active_shares, batch_size)
        totals = schedule.sum(axis=0)
        repeats = max(1, VECTOR_GROUP // (period * batch_size))
        index = _slot_index(schedule, repeats)
        inverse = np.empty_like(index)
        inverse[index] = np.arange(index.size)
        ends = np.cumsum(totals * repeats)
        slots = [tf.constant(part, tf.int32) for part in np.split(inverse, ends[:-1])]
        parts = tuple(
            c.rebatch(int(t) * repeats, drop_remainder=True) for c, t in zip(chunks, totals)
        )

        def place(*xs):  # one copy of each example, straight into its slot
            return tf.dynamic_stitch(slots, xs)

        placed = tf.data.Dataset.zip(parts).map(place, num_parallel_calls=tf.data.AUTOTUNE)
        return placed.prefetch(1), True
    streams = [c.unbatch() for c in chunks]
    if period is not None:
        choices = tf.data.Dataset.from_tensor_slices(
            choice_sequence(batch_schedule(active_shares, batch_size))
        ).repeat()
    else:
        choices = _endless_choices(active_shares, batch_size)
    records = tf.data.Dataset.choose_from_datasets(streams, choices)
    return records.batch(batch_size, drop_remainder=True), False


def _endless_choices(shares, batch_size: int):
    """The class of every slot, batch after batch, for a schedule without a kept period."""
    import tensorflow as tf

    def slots():
        for row in batch_rows(shares, batch_size):
            yield np.asarray(batch_order(row), dtype=np.int64)

    spec = tf.TensorSpec([batch_size], tf.int64)
    return tf.data.Dataset.from_generator(slots, output_signature=spec).unbatch()
