"""``balance_plan.json``: written (``plans_to_json``), found again from the files a Trainer is
given (``load_plans``), logged as a table (``plan_summary``), and turned into the groups a reader samples (``classes_of``).

Per-class plans of several splits read together are merged class by class; a label-set plan
(``multi_label``) is read one split at a time, its groups weighted by their draws per epoch
(``group_weights``). ``check_layout`` checks that every file a plan names is there.
Rules: docs/balanced_input_gen.md.

Example::

    located = load_plans('/pipeline/BalancedInputGen/examples/7/Split-train/*')
    classes = classes_of(located)  # names, counts and files of the classes to sample
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple, Union

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.balanced_input_gen.plan import (
    COMPONENT,
    PLAN_FILE,
    PLAN_FORMAT_VERSION,
    LayoutPlan,
    MultiLabelLayoutPlan,
)
from tfx_balance.core.errors import ConfigError, DataError


def plans_to_json(
    plans: Sequence[LayoutPlan],
    passthrough_splits: Sequence[str] = (),
    data_counts: Mapping[str, Mapping[str, int]] | None = None,
) -> dict:
    """The content of ``balance_plan.json``: every laid-out split's plan; ``data_counts``
    (``{split: {class: count}}``, the splits' counts before augmentation) is recorded per split."""
    data_counts = data_counts or {}
    plans = [
        dataclasses.replace(p, data_counts=tuple(sorted(data_counts[p.split].items())))
        if p.split in data_counts
        else p
        for p in plans
    ]
    return {
        'format_version': PLAN_FORMAT_VERSION,
        'written_by': COMPONENT,
        'splits': {p.split: p.to_json() for p in sorted(plans, key=lambda p: p.split)},
        'passthrough_splits': list(passthrough_splits),
    }


def plan_from_json(split: str, obj: Mapping) -> LayoutPlan:
    """The plan of one split of ``balance_plan.json``: a label-set plan where it has a
    ``multi_label`` section, else a per-class plan."""
    kind = MultiLabelLayoutPlan if 'multi_label' in obj else LayoutPlan
    return kind.from_json(split, obj)


def plan_summary(plan: MultiLabelLayoutPlan) -> str:
    """The table the executor logs: per label its count, data and stream frequency; per group
    its examples, draws per epoch and repeat (draws per example per epoch)."""
    freq = plan.expected_frequencies()
    lines = [
        f"split '{plan.split}': {plan.total} examples, policy {plan.policy!r}"
        + (f' (t={plan.repeat_threshold:g})' if plan.policy == 'repeat_factor' else '')
        + f', {sum(plan.draws)} draws per epoch, '
        + (
            f'every example read within {plan.epochs_to_read_all()} epoch(s)'
            if plan.epochs_to_read_all()
            else f'{sum(1 for d in plan.draws if d <= 0)} group(s) not drawn'
        ),
        f'{"label":<24} {"count":>9} {"data freq":>10} {"stream freq":>12}',
    ]
    for name, count, f in zip(plan.labels, plan.label_counts, freq):
        lines.append(f'{name[:24]:<24} {count:>9} {count / plan.total:>10.4f} {f:>12.4f}')
    lines.append(f'{"group (rarest label)":<24} {"examples":>9} {"draws":>10} {"repeat":>12}')
    for name, count, d in zip(plan.classes, plan.counts, plan.draws):
        shown = (name or '(no label)')[:24]
        lines.append(f'{shown:<24} {count:>9} {d:>10} {d / count:>12.3f}')
    return '\n'.join(lines)


def _no_plan_error(split_dir: str, plan_path: str) -> DataError:
    return DataError(
        f'no balance plan found for files in {split_dir}: expected {plan_path}. '
        f'balanced_dataset reads splits laid out per class by the {COMPONENT} component. Add '
        f"{COMPONENT}(examples=..., label_feature=..., splits=['train']) before the Trainer and "
        f"pass its outputs['examples'] to the Trainer (or to balanced_dataset)."
    )


def load_plans(file_pattern_or_list: Union[str, Sequence[str]]) -> List[Tuple[str, LayoutPlan]]:
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
        result.append((split_dir, plan_from_json(split, doc['splits'][split])))
    return result


@dataclasses.dataclass(frozen=True)
class MergedClasses:
    """Classes merged over all requested splits: names, counts and absolute files."""

    label_feature: str
    names: Tuple[str, ...]
    counts: Tuple[int, ...]
    files: Tuple[Tuple[str, ...], ...]


def summed_counts(per_split: Iterable[Iterable[Tuple[str, int]]]) -> Dict[str, int]:
    """``{class: count}`` summed class by class over the ``(class, count)`` rows of several
    splits (classes in the order first seen): how plans read together are merged, for the
    laid-out counts (``balanced_dataset``) and for the data's (the prior correction) alike.

    Example:
        >>> summed_counts([[('a', 3), ('b', 1)], [('b', 2), ('c', 5)]])
        {'a': 3, 'b': 3, 'c': 5}
    """
    counts: Dict[str, int] = {}
    for rows in per_split:
        for name, count in rows:
            counts[name] = counts.get(name, 0) + int(count)
    return counts


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


def check_layout(classes: MergedClasses) -> None:
    """Raises a ``DataError`` naming the class and file if a file in the plan is missing.

    Cheap: one listing per split folder, no file is opened. Called when a dataset is built, so a
    damaged layout fails there, not with TensorFlow's ``NotFoundError`` in the middle of training.
    """
    import tensorflow as tf

    listed: Dict[str, set] = {}
    for name, files in zip(classes.names, classes.files):
        for path in files:
            folder, base = os.path.split(path)
            if folder not in listed:
                present = tf.io.gfile.listdir(folder) if tf.io.gfile.isdir(folder) else []
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


def classes_of(plan_or_files) -> MergedClasses:
    """The classes of ``[(split_dir, plan)]`` or of the files named by patterns, merged."""
    return _merge(located_plans(plan_or_files))


def located_plans(plan_or_files) -> list:
    """``[(split_dir, plan)]`` as given, or of the files named by patterns."""
    if isinstance(plan_or_files, LayoutPlan):
        raise ConfigError(
            'pass the plan together with its split folder as [(split_dir, plan)], or the files.'
        )
    if (
        isinstance(plan_or_files, (list, tuple))
        and plan_or_files
        and all(isinstance(p, tuple) and len(p) == 2 for p in plan_or_files)
        and all(isinstance(p[1], LayoutPlan) for p in plan_or_files)
    ):
        return list(plan_or_files)
    return load_plans(plan_or_files)


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


def groups_to_read(located, weights: Mapping | None = None) -> tuple:
    """``(classes, weights, label-set plan or None)``: the one place the two layouts differ on
    reading. Per-class plans are merged over the splits, with the user's ``{class: weight}``;
    a label-set plan's groups are read as classes at their draws per epoch (``weights``:
    ``{label: relative frequency}``, see ``group_draws``).

    Example::

        classes, weights, multi = groups_to_read(load_plans(fn_args.train_files))
    """
    multi = multilabel_of(located)
    if multi is None:
        return classes_of(located), weights, None
    return merged_groups(located), group_weights(multi, weights), multi
