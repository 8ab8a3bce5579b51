"""The layout plan of a split: its classes, counts, shard files, class weights and output bias.

``BalancedInputGen`` writes one :class:`LayoutPlan` per laid-out split into ``balance_plan.json``
at the artifact root (:func:`plans_to_json`); :func:`load_plans` finds it again from the files a
Trainer is given, and :func:`classes_of` merges the plans of the splits read together.
Rules: docs/balanced_input_gen.md.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    sorted_classes,
)

PLAN_FILE = keys.BALANCE_PLAN_FILE
PLAN_FORMAT_VERSION = 1
COMPONENT = 'BalancedInputGen'
DEFAULT_EXAMPLES_PER_SHARD = 50_000


@dataclasses.dataclass(frozen=True)
class LayoutPlan:
    """How one split was laid out per class (read back by ``balanced_dataset``).

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
      data_counts: ``((class, count), ...)``: the split's class counts before BalancedAugmenter
        (from its ``rebalance_plan.json``, classes by their raw value), when BalancedInputGen was
        given ``augmented_examples``; empty otherwise (the laid-out counts are the data's).
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
    data_counts: Tuple[Tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return int(sum(self.counts))

    def class_weight_dict(self) -> Dict[int, float]:
        """``{class index: weight}``, ready for Keras ``fit(class_weight=...)``."""
        return dict(enumerate(self.class_weights))

    def to_json(self) -> dict:
        out = {
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
        if self.data_counts:
            out[keys.DATA_COUNTS] = dict(self.data_counts)
        return out

    @classmethod
    def from_json(cls, split: str, obj: Mapping) -> LayoutPlan:
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
            data_counts=tuple((k, int(v)) for k, v in obj.get(keys.DATA_COUNTS, {}).items()),
        )


# Plan kinds besides LayoutPlan: {key of their section in a split's JSON: plan class}; the
# multi-label plan (multilabel_plan.py) registers itself here.
PLAN_KINDS: Dict[str, type] = {}


def plan_from_json(split: str, obj: Mapping) -> LayoutPlan:
    """The plan of one split of ``balance_plan.json`` (of the kind its sections say)."""
    for key, kind in PLAN_KINDS.items():
        if key in obj:
            return kind.from_json(split, obj)
    return LayoutPlan.from_json(split, obj)


def class_weights_and_bias(counts: Sequence[int]) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
    """Returns ``(n / (K * n_c), log(n_c / n))`` per class for the given class counts."""
    n, k = sum(counts), len(counts)
    weights = tuple(n / (k * c) for c in counts)
    bias = tuple(math.log(c / n) for c in counts)
    return weights, bias


def safe_class_name(name: str, limit: int = 40) -> str:
    """A file-name-safe form of a class name (letters, digits, ``_`` and ``.``).

    Several classes may share a safe form (``'a b'`` and ``'a/b'``); shard names stay unique
    because they start with the class index (:func:`shard_file_name`).
    """
    safe = re.sub(r'[^A-Za-z0-9_.]+', '_', name).strip('.')[:limit]
    return safe or '_'


def shard_file_name(index: int, name: str, shard: int, shards: int) -> str:
    """``class-<index>-<safe name>-<shard>-of-<shards>.gz``: unique per (class index, shard)."""
    return f'class-{index:05d}-{safe_class_name(name)}-{shard:05d}-of-{shards:05d}.gz'


def make_plan(
    split: str,
    label_feature: str,
    seed: int,
    class_counts: Mapping,
    examples_per_shard: int = DEFAULT_EXAMPLES_PER_SHARD,
    fingerprints: Mapping | None = None,
) -> LayoutPlan:
    """Builds the plan of a split from ``{class value: count}`` (values int or bytes);
    ``fingerprints`` (``{class value: fingerprint of one example}``) name examples in errors."""
    if not class_counts:
        raise DataError(
            f"split '{split}' has no examples; {COMPONENT} needs at least one labelled example "
            'per laid-out split. Check the upstream component or leave this split out of splits.'
        )
    if fingerprints is None:
        fingerprints = {v: '(not recorded)' for v in class_counts}
    check_label_kinds(fingerprints, label_feature, f"split '{split}'")
    check_distinct_names(class_counts, label_feature, f"split '{split}'")
    kinds = {type(v) for v in class_counts}
    values = sorted_classes(class_counts)
    names = tuple(class_name(v) for v in values)
    counts = tuple(int(class_counts[v]) for v in values)
    shards = [max(1, math.ceil(c / examples_per_shard)) for c in counts]
    files = tuple(
        tuple(shard_file_name(i, names[i], s, shards[i]) for s in range(shards[i]))
        for i in range(len(counts))
    )
    weights, bias = class_weights_and_bias(counts)
    return LayoutPlan(
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
        return _merge(plan_or_files)
    return _merge(load_plans(plan_or_files))
