"""Reading a multi-label layout: group weights, the multi-hot label, ``label_names``.

:func:`~tfx_balance.core.balanced_input.dataset.balanced_dataset` and
:func:`~tfx_balance.core.balanced_input.dataset.steps_per_epoch` call these when the files were
laid out with ``multi_label``: the groups are read like classes, with the plan's draws per epoch
as their weights (or, with ``weights={label: w}``, the ``'label_balanced'`` rule aimed at those
relative label frequencies), and the label is returned as a dense int64 multi-hot ``[B, L]``:
position ``i`` is label ``label_names(files)[i]`` (for ``'multi_hot'`` the feature's own
positions). Rules: docs/balanced_input_gen.md (multi-label section).
"""

from __future__ import annotations

import os
from typing import Mapping

from tfx_balance.core.balanced_input import multilabel_policy as policies
from tfx_balance.core.balanced_input.multilabel_plan import MultiLabelLayoutPlan
from tfx_balance.core.balanced_input.plan import LayoutPlan, MergedClasses, classes_of, load_plans
from tfx_balance.core.errors import ConfigError


def multilabel_of(located) -> MultiLabelLayoutPlan | None:
    """The multi-label plan among ``[(split_dir, plan)]`` (one split), or None if single-label."""
    multi = [p for _, p in located if isinstance(p, MultiLabelLayoutPlan)]
    if not multi:
        return None
    if len(located) > 1:
        raise ConfigError(
            f'balanced_dataset reads one multi-label split at a time, got '
            f'{len(located)}: {", ".join(p.split for _, p in located)} (each split has its own '
            'groups and draws). Pass the files of one split, e.g. fn_args.train_files.'
        )
    return multi[0]


def merged_groups(located) -> MergedClasses:
    """The groups of a one-split multi-label layout as ``MergedClasses`` (absolute files)."""
    split_dir, plan = located[0]
    files = tuple(tuple(os.path.join(split_dir, f) for f in fs) for fs in plan.files)
    return MergedClasses(plan.label_feature, plan.classes, plan.counts, files)


def group_draws(plan: MultiLabelLayoutPlan, weights: Mapping | None = None) -> list:
    """Draws per epoch of every group: the plan's, or the ``'label_balanced'`` rule aimed at
    ``weights`` (``{label: relative frequency}``, labels left out: 0; the no-label group keeps
    its share of the data)."""
    if weights is None:
        return list(plan.draws)
    targets = policies.label_targets(weights, list(plan.labels))
    return policies.group_draws(
        'label_balanced',
        plan.counts,
        plan.group_labels,
        plan.dense_group_label_counts(),
        plan.label_counts,
        plan.total,
        targets=targets,
    )


def group_weights(plan: MultiLabelLayoutPlan, weights: Mapping | None = None) -> dict:
    """``{group name: draws per epoch}`` of the groups drawn (for ``resolve_weights``)."""
    return {name: d for name, d in zip(plan.classes, group_draws(plan, weights)) if d > 0}


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
    pairs = isinstance(files_or_plan, (list, tuple)) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], LayoutPlan) for p in files_or_plan
    )
    located = list(files_or_plan) if pairs and files_or_plan else load_plans(files_or_plan)
    plan = multilabel_of(located)
    return list(plan.labels) if plan is not None else list(classes_of(located).names)
