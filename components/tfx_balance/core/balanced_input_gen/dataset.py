"""Endless ``(features, label)`` batches with an exact class balance (``balanced_dataset``).

Parses the batches of ``streams.balanced_records`` with a
schema, a ``tf_transform_output`` or the Trainer's ``data_accessor``; ``steps_per_epoch`` says
after how many batches every sampled class has been seen once in full. A label-set layout
(``multi_label``) is read the same way, its groups as the classes (``merge.groups_to_read``
chooses the groups and their weights); its label is returned multi-hot (``multi_hot_fn``, in
the order of ``label_names``).
Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx_balance import keys
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
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.records import feature_names, first_record

PROVENANCE_FEATURES = (
    keys.DEFAULT_PROVENANCE_FEATURE,
    keys.DEFAULT_SOURCE_FEATURE,
    keys.DEFAULT_PARTNER_FEATURE,
)


def steps_per_epoch(plan_or_files, batch_size: int, weights: Mapping | None = None) -> int:
    """Batches after which every sampled class has been seen once in full.

    With uniform weights that is the largest class (``ceil(n_max / (B / K))`` when ``K | B``);
    with ``weights``, the class that needs the most batches at its share. For a multi-label
    layout: batches until every drawn group was seen once in full (``weights``: ``{label: w}``). ``plan_or_files`` is
    what ``balanced_dataset`` takes (e.g. ``fn_args.train_files``), a ``LayoutPlan``, or
    ``[(split_dir, plan)]``.
    """
    if isinstance(plan_or_files, LayoutPlan):
        located = [('', plan_or_files)]  # the plan's own (relative) files: only counts matter
    else:
        located = located_plans(plan_or_files)
    classes, weights, _ = groups_to_read(located, weights)
    shares = resolve_weights(weights, classes.names, batch_size)
    return batches_to_cover(shares, batch_size, classes.counts)


def _peek_feature_names(files: Sequence[str]) -> set:
    record = first_record(files[0]) if files else None
    return set() if record is None else feature_names(record)


def _feature_spec_of(schema) -> dict:
    from tensorflow_transform.tf_metadata import schema_utils

    return schema_utils.schema_as_feature_spec(schema).feature_spec


def provenance_spec(schema, names: Sequence[str]) -> dict:
    """Parse specs of the features in ``names`` that ``schema`` marks ``DEPRECATED``.

    SchemaGen deprecates BalancedAugmenter's provenance features when a split it reads lacks them
    (eval and test are not rebalanced), and a deprecated feature has no parse spec. Each one is
    parsed as ``[1]`` dense values of its schema type with a zero default (``0``, ``0.0`` or
    ``b''``) where an example lacks it: ``is_synthetic`` 0 for originals and ``source_fingerprint``
    ``b''`` where there is no source. A feature with more than one value per example is parsed as
    a ``tf.SparseTensor``.
    """
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
        spec = {**_feature_spec_of(schema), **provenance_spec(schema, provenance)}
        transform = tf_transform_output is not None
    elif tf_transform_output is not None:
        present = _peek_feature_names(next(f for f in classes.files if f))
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
        ``B * w_k / sum(w)`` examples, following a fixed schedule. Multi-label layouts
        (``BalancedInputGen(multi_label=...)``): ``None`` draws the groups as the plan says;
        ``{label: weight}`` aims the ``'label_balanced'`` rule at those relative label
        frequencies. The label is then a dense int64 multi-hot ``[B, L]`` in the order of
        ``balanced_input_gen.label_names``.
      seed: seed of the per-class shuffles (same seed, same stream).
      label_key: feature popped as the label after parsing/transforming (default
        ``label_feature``; set it when the transform renames the label).
      shuffle_buffer: per-class shuffle buffer of streamed classes (a class smaller than it is
        fully shuffled; classes held in memory are always fully shuffled).
      provenance_features: BalancedAugmenter's provenance features (its ``provenance_feature``,
        ``source_feature`` and ``partner_feature``), parsed even where the schema marks them ``DEPRECATED``, as
        SchemaGen does when eval/test lack them (see ``provenance_spec``), and carried past
        ``tf_transform_output``'s transform like the label. Pass ``()`` to parse exactly what
        the schema keeps. Drop them before the model (``features.pop('is_synthetic')``) unless
        it should see them.
      memory_budget: bytes of serialized examples (plus 48 per example) that may be held in
        memory (default 256 MiB). If every sampled class fits, the classes are read once into
        memory and sampled from there (start-up and per-batch cost independent of the number of
        classes, a full reshuffle of every class every pass); otherwise, or with ``0``, each
        class is streamed from its files with a ``shuffle_buffer`` window shuffle.
      input_context: the ``tf.distribute.InputContext`` that
        ``strategy.distribute_datasets_from_function`` passes to its function. ``batch_size`` is
        then the global batch (divisible by ``num_replicas_in_sync``), and the dataset gives this
        input pipeline's per-replica batches of every global batch, in replica order: the
        batches of one step, over all replicas and workers, are exactly one global batch. Do
        not ``shard`` it. Not needed with ``strategy.experimental_distribute_dataset`` or
        ``model.fit`` under a strategy's scope (they split the global batches themselves).

    Returns:
      A repeating ``tf.data.Dataset`` of ``(features dict, label)`` batches of exactly
      ``batch_size`` examples (``batch_size / num_replicas_in_sync`` with ``input_context``); use
      ``steps_per_epoch`` for Keras ``steps_per_epoch``.
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
        # Parse whole groups of batches at once, then cut them into batches (dense features
        # only: the cut reshapes tensors; sparse or ragged features are parsed batch by batch).
        parsed = groups.map(to_pair, num_parallel_calls=autotune)
        if all(isinstance(s, tf.TensorSpec) for s in tf.nest.flatten(parsed.element_spec)):
            return _distributable(_cut_into_batches(parsed, batch_size).prefetch(autotune))
    batches = batches_of(groups, grouped, batch_size).map(to_pair, num_parallel_calls=autotune)
    return _distributable(batches.prefetch(autotune))


def _cut_into_batches(parsed, batch_size: int):
    """Groups of whole batches cut into batches by a reshape and ``unbatch``, not ``rebatch``:
    tf.distribute's DATA sharding turns the ``rebatch`` at the end of a pipeline into its own
    per-replica split, which would pass whole groups through (see ``_distributable``)."""
    import tensorflow as tf

    def split(tensor):
        shape = tf.concat([[-1, batch_size], tf.shape(tensor)[1:]], axis=0)
        batches = tf.reshape(tensor, shape)
        batches.set_shape([None, batch_size, *tensor.shape[1:]])
        return batches

    return parsed.map(lambda *pair: tf.nest.map_structure(split, pair)).unbatch()


def _distributable(dataset):
    """``dataset`` with tf.distribute's auto-shard policy set to ``DATA``.

    ``experimental_distribute_dataset`` (and ``model.fit`` under a strategy's scope) shards a
    dataset per worker. ``FILE`` sharding (the first try of the default ``AUTO``) would give each
    worker some of every class's files, and so other class counts; ``DATA`` sharding gives every
    worker the same global batches, split per replica (``rebatch``) and then sharded by worker,
    so the batches of one step are together exactly one global batch.
    """
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
    """The label order of the label ``balanced_dataset`` returns for these files.

    Multi-label layouts: position ``i`` of the multi-hot label is ``label_names(...)[i]``
    (canonical label order; ``'0' .. 'L-1'`` for ``'multi_hot'``). Single-label layouts: the
    class names, in the order of the class index. Takes what ``balanced_dataset`` takes (e.g.
    ``fn_args.train_files``), a plan, or ``[(split_dir, plan)]``.

    Example::

        names = label_names(fn_args.train_files)  # e.g. ['cat', 'dog', 'fish']
    """
    if isinstance(files_or_plan, MultiLabelLayoutPlan):
        return list(files_or_plan.labels)
    if isinstance(files_or_plan, LayoutPlan):
        return list(files_or_plan.classes)
    classes, _, plan = groups_to_read(located_plans(files_or_plan))
    return list(plan.labels) if plan is not None else list(classes.names)
