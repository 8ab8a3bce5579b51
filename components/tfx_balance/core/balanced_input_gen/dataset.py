"""``balanced_dataset``: endless ``(features, label)`` batches with an exact class balance.

Parses the batches of ``streams.record_groups`` with a schema, a ``tf_transform_output`` or
the Trainer's ``data_accessor``; a multi-label layout's label is returned multi-hot in the order
of ``label_names``. ``steps_per_epoch`` says after how many batches every sampled class was seen
once. Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx_balance.core.balanced_input_gen.memory import DEFAULT_MEMORY_BUDGET
from tfx_balance.core.balanced_input_gen.merge import groups_to_read
from tfx_balance.core.balanced_input_gen.plan import LayoutPlan, MultiLabelLayoutPlan
from tfx_balance.core.balanced_input_gen.plan_file import located_plans
from tfx_balance.core.balanced_input_gen.schedule import batches_to_cover, resolve_weights
from tfx_balance.core.balanced_input_gen.streams import (
    DEFAULT_SHUFFLE_BUFFER,
    batches_of,
    record_groups,
    replica_groups,
)
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.records import feature_names, first_record

PROVENANCE_FEATURES = (
    keys.DEFAULT_PROVENANCE_FEATURE,
    keys.DEFAULT_SOURCE_FEATURE,
    keys.DEFAULT_PARTNER_FEATURE,
)


def steps_per_epoch(plan_or_files, batch_size: int, weights: Mapping | None = None) -> int:
    """Batches after which every sampled class (multi-label: drawn group) was seen once in full.

    ``plan_or_files``: a ``LayoutPlan`` or the files ``balanced_dataset`` takes; ``weights`` as its.
    """
    if isinstance(plan_or_files, LayoutPlan):
        located = [('', plan_or_files)]  # the plan's own (relative) files: only counts matter
    else:
        located = located_plans(plan_or_files)
    classes, weights, _ = groups_to_read(located, weights)
    shares = resolve_weights(weights, classes.names, batch_size)
    return batches_to_cover(shares, batch_size, classes.counts)


def provenance_spec(schema, names: Sequence[str]) -> dict:
    """Parse specs of the features in ``names`` that ``schema`` marks ``DEPRECATED``: ``[1]`` dense
    with a zero default, or sparse where a feature has more than one value."""
    import tensorflow as tf
    from tensorflow_metadata.proto.v0 import schema_pb2

    dtypes = {schema_pb2.INT: tf.int64, schema_pb2.FLOAT: tf.float32, schema_pb2.BYTES: tf.string}
    defaults = {tf.int64: 0, tf.float32: 0.0, tf.string: b''}
    spec = {}
    for feature in schema.feature:
        if feature.name not in names or feature.lifecycle_stage != schema_pb2.DEPRECATED:
            continue
        dtype = dtypes.get(feature.type)
        if dtype is None:
            continue
        dims = [d.size for d in feature.shape.dim]
        single = dims == [1] or (feature.HasField('value_count') and feature.value_count.max == 1)
        if single:
            spec[feature.name] = tf.io.FixedLenFeature([1], dtype, default_value=[defaults[dtype]])
        else:
            spec[feature.name] = tf.io.VarLenFeature(dtype)
    return spec


def _decoder(classes, schema, tf_transform_output, data_accessor, provenance, label_spec=None):
    """Returns ``(parse_fn, transform_fn)`` for batches of serialized examples."""
    import tensorflow as tf

    transform = False
    if schema is not None:
        from tensorflow_transform.tf_metadata import schema_utils

        spec = schema_utils.schema_as_feature_spec(schema).feature_spec
        spec = {**spec, **provenance_spec(schema, provenance)}
        transform = tf_transform_output is not None
    elif tf_transform_output is not None:
        record = first_record(next(f for f in classes.files if f)[0])
        present = set() if record is None else feature_names(record)
        transformed_spec = tf_transform_output.transformed_feature_spec()
        if set(transformed_spec) <= present:
            spec = transformed_spec
        else:
            raw_schema = tf_transform_output.raw_metadata.schema
            spec = {
                **tf_transform_output.raw_feature_spec(),
                **provenance_spec(raw_schema, provenance),
            }
            transform = True
    else:
        raise ConfigError(
            'balanced_dataset needs a schema (e.g. from SchemaGen: fn_args.schema_path) or a '
            'tf_transform_output to parse the examples; pass schema=... or tf_transform_output=...'
            + (' (data_accessor also needs the schema).' if data_accessor is not None else '.')
        )
    if label_spec is not None:  # a multi-label layout: the label parsed as a list or vector
        spec = {**spec, classes.label_feature: label_spec}
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
    provenance_features: Sequence[str] = PROVENANCE_FEATURES,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    input_context=None,
):
    """Endless ``(features, label)`` batches with an exact, deterministic class balance.

    Args:
      file_pattern_or_list: files of splits laid out by ``BalancedInputGen``, e.g.
        ``fn_args.train_files``; the plan is read from ``balance_plan.json`` next to them.
      label_feature: the label the split was laid out by (checked against the plan).
      batch_size: examples per batch ``B`` (with ``input_context``, the global batch); with
        ``weights=None`` at least the number of classes ``K``; with ``K | B`` every batch holds
        exactly ``B / K`` examples of each class.
      data_accessor, schema, tf_transform_output: how to parse the examples (a data view's decode
        function, else the stored examples' Schema); raw examples go through the transform.
      weights: None (uniform) or ``{class: weight}`` (classes left out get 0): class ``k`` gets
        ``floor`` or ``ceil`` of ``B * w_k / sum(w)`` per batch. Multi-label: ``{label: weight}``
        aims at those label frequencies; the label is int64 multi-hot ``[B, L]``.
      seed: seed of the per-class shuffles (same seed, same stream).
      label_key: the feature popped as the label (default ``label_feature``; set it when the
        transform renames the label).
      shuffle_buffer: per-class shuffle window of streamed classes.
      provenance_features: BalancedAugmenter's features, parsed even where the schema deprecates
        them; ``()`` parses exactly what the schema keeps.
      memory_budget: bytes the sampled classes may take in memory (default 256 MiB); beyond it, or
        with ``0``, they are streamed.
      input_context: the ``tf.distribute.InputContext`` of
        ``strategy.distribute_datasets_from_function``: ``batch_size`` is then the global batch and
        the dataset gives this pipeline's per-replica batches of it. Do not ``shard`` it.

    Returns:
      A repeating ``tf.data.Dataset`` of ``(features dict, label)`` batches of ``batch_size``
      examples (``batch_size / num_replicas_in_sync`` with ``input_context``).
    """
    import tensorflow as tf

    classes, weights, multi = groups_to_read(located_plans(file_pattern_or_list), weights)
    to_label = multi_hot_fn(multi) if multi else None
    groups, grouped = record_groups(
        classes, batch_size, weights, seed, shuffle_buffer, label_feature, memory_budget
    )
    if input_context is not None:
        groups, batch_size = replica_groups(groups, batch_size, input_context)
        grouped = True
    if isinstance(provenance_features, str):
        provenance_features = (provenance_features,)
    provenance = tuple(provenance_features or ())
    parse, layer = _decoder(
        classes,
        schema,
        tf_transform_output,
        data_accessor,
        provenance,
        label_spec(multi) if multi else None,
    )
    label_key = label_key or label_feature

    def to_pair(serialized):
        features = parse(serialized)
        if layer is not None:
            raw = features
            features = dict(layer(raw))
            for name in (label_key, *provenance):
                if name not in features and name in raw:
                    features[name] = raw[name]
        features = dict(features)
        if label_key not in features:
            raise DataError(
                f"label '{label_key}' is not among the parsed features "
                f'({", ".join(sorted(features))}); set label_key to the feature holding the label '
                'after parsing/transforming, or add it to the schema.'
            )
        label = features.pop(label_key)
        return features, label if to_label is None else to_label(label)

    autotune = tf.data.AUTOTUNE
    if grouped:
        # Parse groups of batches at once, then cut them (dense features only).
        parsed = groups.map(to_pair, num_parallel_calls=autotune)
        if all(isinstance(s, tf.TensorSpec) for s in tf.nest.flatten(parsed.element_spec)):
            return _distributable(_cut_into_batches(parsed, batch_size).prefetch(autotune))
    batches = batches_of(groups, grouped, batch_size).map(to_pair, num_parallel_calls=autotune)
    return _distributable(batches.prefetch(autotune))


def _cut_into_batches(parsed, batch_size: int):
    """Groups of whole batches cut into batches by a reshape and ``unbatch``."""
    import tensorflow as tf

    def split(tensor):
        shape = tf.concat([[-1, batch_size], tf.shape(tensor)[1:]], axis=0)
        batches = tf.reshape(tensor, shape)
        batches.set_shape([None, batch_size, *tensor.shape[1:]])
        return batches

    return parsed.map(lambda *pair: tf.nest.map_structure(split, pair)).unbatch()


def _distributable(dataset):
    """``dataset`` with auto-shard policy ``DATA`` (``FILE`` would split each class's files)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def label_spec(plan: MultiLabelLayoutPlan):
    """The parse spec of the label: ``[L]`` int64 for multi-hot, a var-len list for ids."""
    import tensorflow as tf

    if plan.form == 'multi_hot':
        return tf.io.FixedLenFeature([len(plan.labels)], tf.int64)
    return tf.io.VarLenFeature(tf.string if plan.label_type == 'bytes' else tf.int64)


def multi_hot_fn(plan: MultiLabelLayoutPlan):
    """A function from the parsed label (dense, sparse or ragged) to int64 multi-hot ``[B, L]``."""
    import tensorflow as tf

    width = len(plan.labels)
    if plan.form == 'multi_hot':

        def dense(label):
            if isinstance(label, tf.SparseTensor):
                label = tf.sparse.to_dense(label)
            elif isinstance(label, tf.RaggedTensor):
                label = label.to_tensor()
            return tf.reshape(tf.cast(label, tf.int64), [-1, width])

        return dense
    if plan.label_type == 'bytes':
        keys = tf.constant([n.encode('utf-8', 'surrogateescape') for n in plan.labels])
    else:
        keys = tf.constant([int(n) for n in plan.labels], tf.int64)
    init = tf.lookup.KeyValueTensorInitializer(keys, tf.range(width, dtype=tf.int64))
    table = tf.lookup.StaticHashTable(init, default_value=-1)

    def from_ids(label):
        if isinstance(label, tf.SparseTensor):
            values, rows, n = label.values, label.indices[:, 0], label.dense_shape[0]
        else:
            if not isinstance(label, tf.RaggedTensor):
                label = tf.RaggedTensor.from_tensor(label)
            values, rows, n = label.flat_values, label.value_rowids(), label.nrows()
        index = table.lookup(values)
        at = tf.stack([tf.cast(rows, tf.int64), index], axis=1)
        return tf.scatter_nd(at, tf.ones_like(index), tf.stack([tf.cast(n, tf.int64), width]))

    return from_ids


def label_names(files_or_plan) -> list:
    """The names of the positions of the label ``balanced_dataset`` returns. Example::

    names = label_names(fn_args.train_files)  # e.g. ['cat', 'dog', 'fish']
    """
    if isinstance(files_or_plan, MultiLabelLayoutPlan):
        return list(files_or_plan.labels)
    if isinstance(files_or_plan, LayoutPlan):
        return list(files_or_plan.classes)
    classes, _, plan = groups_to_read(located_plans(files_or_plan))
    return list(plan.labels) if plan is not None else list(classes.names)
