"""What a reader samples: the plans of the splits read together, merged into classes.

``groups_to_read``: per-class plans of several splits are merged class by class; a label-set
plan is read one split at a time, its groups as classes at their draws per epoch. Example::

    classes = classes_of(fn_args.train_files)  # e.g. a window of spans: their classes merged
"""

from __future__ import annotations

import dataclasses
import os
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.balanced_input_gen.plan import (
    COMPONENT,
    PLAN_FILE,
    LayoutPlan,
    MultiLabelLayoutPlan,
)
from tfx_balance.core.balanced_input_gen.plan_file import located_plans
from tfx_balance.core.common.errors import ConfigError, DataError


@dataclasses.dataclass(frozen=True)
class MergedClasses:
    """Classes merged over all requested splits: names, counts and absolute files."""

    label_feature: str
    names: Tuple[str, ...]
    counts: Tuple[int, ...]
    files: Tuple[Tuple[str, ...], ...]


def groups_to_read(located, weights: Mapping | None = None) -> tuple:
    """``(classes, weights, label-set plan or None)`` of the located plans."""
    multi = multilabel_of(located)
    if multi is None:
        return classes_of(located), weights, None
    return merged_groups(located), group_weights(multi, weights), multi


def classes_of(plan_or_files) -> MergedClasses:
    """The classes of ``[(split_dir, plan)]`` or of the files named by patterns, merged."""
    return _merge(located_plans(plan_or_files))


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


def group_weights(plan: MultiLabelLayoutPlan, weights: Mapping | None = None) -> dict:
    """``{group name: draws per epoch}`` of the groups drawn (for ``resolve_weights``)."""
    return {name: d for name, d in zip(plan.classes, draws_to_read(plan, weights)) if d > 0}


def draws_to_read(plan: MultiLabelLayoutPlan, weights: Mapping | None = None) -> list:
    """Draws per epoch of every group: the plan's, or ``'label_balanced'`` aimed at ``weights``."""
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


def _merge(located: Sequence[Tuple[str, LayoutPlan]]) -> MergedClasses:
    label_features = {p.label_feature for _, p in located}
    if len(label_features) > 1:
        raise DataError(
            f'the files come from splits laid out by different labels {sorted(label_features)}; '
            'read splits laid out with the same label_feature.'
        )
    label_types = {p.label_type for _, p in located}
    if len(label_types) > 1:
        raise DataError(f'the splits mix label types {sorted(label_types)}; use one label type.')
    counts = summed_counts(zip(p.classes, p.counts) for _, p in located)
    files: Dict[str, List[str]] = {name: [] for name in counts}
    for split_dir, plan in located:
        for name, names in zip(plan.classes, plan.files):
            files[name].extend(os.path.join(split_dir, f) for f in names)
    order = list(counts)
    if label_types == {'int64'}:
        order.sort(key=int)
    else:
        order.sort(key=lambda n: n.encode('utf-8', 'surrogateescape'))
    return MergedClasses(
        label_feature=label_features.pop(),
        names=tuple(order),
        counts=tuple(counts[n] for n in order),
        files=tuple(tuple(files[n]) for n in order),
    )


def summed_counts(per_split: Iterable[Iterable[Tuple[str, int]]]) -> Dict[str, int]:
    """``{class: count}`` summed over several splits' ``(class, count)`` rows (first seen first):
    >>> summed_counts([[('a', 3), ('b', 1)], [('b', 2), ('c', 5)]])
    {'a': 3, 'b': 3, 'c': 5}
    """
    counts: Dict[str, int] = {}
    for rows in per_split:
        for name, count in rows:
            counts[name] = counts.get(name, 0) + int(count)
    return counts


def check_layout(classes: MergedClasses) -> None:
    """Raises a ``DataError`` naming the class and file if a file in the plan is missing."""
    import tensorflow as tf

    listed: Dict[str, set] = {}
    for name, files in zip(classes.names, classes.files):
        for path in files:
            folder, base = os.path.split(path)
            if folder not in listed:
                try:
                    present = tf.io.gfile.listdir(folder)
                except tf.errors.NotFoundError:  # the split folder itself is gone
                    present = []
                listed[folder] = {f.rstrip('/') for f in present}
            if base not in listed[folder]:
                missing = [f for f in files if os.path.basename(f) not in listed[folder]]
                raise DataError(
                    f"class '{name}' is missing file {path}: {len(missing)} of its "
                    f'{len(files)} files listed in '
                    f'{os.path.join(os.path.dirname(folder), PLAN_FILE)} are not there, so the '
                    f'layout is damaged. Re-run {COMPONENT} (with caching off for that run) to '
                    'write the split again, and do not move or delete its output files.'
                )
