"""The layout plan of a split: its groups (classes, or rarest labels with ``multi_label``), their
counts and shard files, class weights and output bias, as written in ``balance_plan.json``.

Example:
    >>> plan = make_multilabel_plan(
    ...     'train', 'tags', 0, 'ids', [1, 2], [[0, 1], [1], [], [0]],
    ...     policy='label_balanced', threshold=0.1)
    >>> plan.classes, plan.labels, plan.draws
    (('1', '2', ''), ('1', '2'), (2, 1, 1))
    >>> plan.epochs_to_read_all()
    1
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Dict, Mapping, Sequence, Tuple

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    class_name,
    sorted_classes,
)
from tfx_balance.core.common.records import feature_names

PLAN_FILE = keys.BALANCE_PLAN_FILE
PLAN_FORMAT_VERSION = 1
COMPONENT = 'BalancedInputGen'
DEFAULT_EXAMPLES_PER_SHARD = 50_000


@dataclasses.dataclass(frozen=True)
class LayoutPlan:
    """How one split was laid out: per class (by index) its name, count, shard files,
    ``class_weights`` ``n / (K * n_c)`` and ``output_bias`` ``log(n_c / n)``; ``data_counts``
    before BalancedAugmenter when known; ``augmenter_marked`` (None: not recorded)."""

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
    augmenter_marked: bool | None = None

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
        if self.augmenter_marked is not None:
            out[keys.AUGMENTER_MARKED] = self.augmenter_marked
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
            augmenter_marked=obj.get(keys.AUGMENTER_MARKED),
        )


def carries_augmenter_mark(record: bytes) -> bool:
    """Whether a laid-out example carries BalancedAugmenter's provenance feature (default name)."""
    return keys.DEFAULT_PROVENANCE_FEATURE in feature_names(record)


def class_weights_and_bias(counts: Sequence[int]) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
    """Returns ``(n / (K * n_c), log(n_c / n))`` per class for the given class counts."""
    n, k = sum(counts), len(counts)
    weights = tuple(n / (k * c) for c in counts)
    bias = tuple(math.log(c / n) for c in counts)
    return weights, bias


def safe_class_name(name: str, limit: int = 40) -> str:
    """A file-name-safe form of a class name."""
    safe = re.sub(r'[^A-Za-z0-9_.]+', '_', name).strip('.')[:limit]
    return safe or '_'


def shard_file_name(index: int, name: str, shard: int, shards: int) -> str:
    """``class-<index>-<safe name>-<shard>-of-<shards>.gz``: unique per (class index, shard)."""
    return f'class-{index:05d}-{safe_class_name(name)}-{shard:05d}-of-{shards:05d}.gz'


def groups_of_plan(names, counts, examples_per_shard: int, file_names=None) -> dict:
    """The per-group fields of a plan, shards of ``examples_per_shard`` examples at most:
    >>> groups_of_plan(('a', 'b'), (3, 1), 2)['files'][1]
    ('class-00001-b-00000-of-00001.gz',)
    """
    counts = tuple(int(c) for c in counts)
    file_names = names if file_names is None else file_names
    shards = [max(1, math.ceil(c / examples_per_shard)) for c in counts]
    files = tuple(
        tuple(shard_file_name(i, file_names[i], s, shards[i]) for s in range(shards[i]))
        for i in range(len(counts))
    )
    weights, bias = class_weights_and_bias(counts)
    return dict(
        classes=tuple(names), counts=counts, files=files, class_weights=weights, output_bias=bias
    )


def empty_split_error(split: str) -> DataError:
    """The error of a laid-out split without examples (either label kind)."""
    return DataError(
        f"split '{split}' has no examples; {COMPONENT} needs at least one labelled example "
        'per laid-out split. Check the upstream component or leave this split out of splits.'
    )


def make_plan(
    split: str,
    label_feature: str,
    seed: int,
    class_counts: Mapping,
    examples_per_shard: int = DEFAULT_EXAMPLES_PER_SHARD,
    fingerprints: Mapping | None = None,
) -> LayoutPlan:
    """The plan of a split from ``{class: count}``; ``fingerprints`` name examples in errors."""
    if not class_counts:
        raise empty_split_error(split)
    if fingerprints is None:
        fingerprints = {v: '(not recorded)' for v in class_counts}
    check_label_kinds(fingerprints, label_feature, f"split '{split}'")
    check_distinct_names(class_counts, label_feature, f"split '{split}'")
    kinds = {type(v) for v in class_counts}
    values = sorted_classes(class_counts)
    names = tuple(class_name(v) for v in values)
    counts = tuple(int(class_counts[v]) for v in values)
    return LayoutPlan(
        split=split,
        label_feature=label_feature,
        label_type='int64' if kinds == {int} else 'bytes',
        seed=int(seed),
        **groups_of_plan(names, counts, examples_per_shard),
    )


def _epochs_to_read(count: int, draws: int) -> int | None:
    """``ceil(count / draws)``: epochs to read a group whole; None if it is not drawn."""
    return -(-count // draws) if draws > 0 else None


@dataclasses.dataclass(frozen=True)
class MultiLabelLayoutPlan(LayoutPlan):
    """A ``LayoutPlan`` of the groups, plus the labels, their counts, the policy, each group's
    ``draws`` per epoch and ``(label index, count)`` pairs."""

    form: str = 'ids'
    labels: Tuple[str, ...] = ()
    label_counts: Tuple[int, ...] = ()
    policy: str = policies.DEFAULT_POLICY
    repeat_threshold: float = policies.DEFAULT_REPEAT_THRESHOLD
    group_label_counts: Tuple[Tuple[Tuple[int, int], ...], ...] = ()
    draws: Tuple[int, ...] = ()

    @property
    def group_labels(self) -> list:
        """The label index of every group (-1 for the no-label group)."""
        return [self.labels.index(g) if g != policies.NO_LABEL_GROUP else -1 for g in self.classes]

    def dense_group_label_counts(self) -> list:
        return _dense(self.group_label_counts, len(self.labels))

    def expected_frequencies(self, draws: Sequence[int] | None = None) -> list:
        """The share of the stream's examples carrying each label (default: the plan's draws)."""
        return policies.expected_frequencies(
            self.draws if draws is None else draws, self.counts, self.dense_group_label_counts()
        )

    def epochs_to_read_all(self) -> int | None:
        """Epochs to read every example, ``max_g ceil(n_g / D_g)``; None if a group is not drawn."""
        per_group = [_epochs_to_read(c, d) for c, d in zip(self.counts, self.draws)]
        return None if None in per_group else max(per_group)

    def repeats(self) -> list:
        """Draws per epoch per example of each group, ``D_g / n_g``."""
        return [d / c for d, c in zip(self.draws, self.counts)]

    def to_json(self) -> dict:
        out = super().to_json()
        freq = self.expected_frequencies()
        out['multi_label'] = {
            'form': self.form,
            'policy': self.policy,
            'repeat_threshold': self.repeat_threshold,
            'epoch_draws': int(sum(self.draws)),
            'epochs_to_read_all': self.epochs_to_read_all(),
            'groups_not_drawn': sum(1 for d in self.draws if d <= 0),
            'labels': [
                {
                    'index': i,
                    'label': name,
                    'count': self.label_counts[i],
                    'data_frequency': self.label_counts[i] / self.total,
                    'expected_frequency': freq[i],
                    'lift': freq[i] * self.total / self.label_counts[i]
                    if self.label_counts[i]
                    else None,
                }
                for i, name in enumerate(self.labels)
            ],
            'groups': [
                {
                    'group': name,
                    'count': self.counts[g],
                    'draws_per_epoch': self.draws[g],
                    'repeat': self.draws[g] / self.counts[g],
                    'epochs_to_read_all': _epochs_to_read(self.counts[g], self.draws[g]),
                    'label_counts': [list(p) for p in self.group_label_counts[g]],
                }
                for g, name in enumerate(self.classes)
            ],
        }
        return out

    @classmethod
    def from_json(cls, split: str, obj: Mapping) -> MultiLabelLayoutPlan:
        base = LayoutPlan.from_json(split, obj)
        ml = obj['multi_label']
        return cls(
            **{f.name: getattr(base, f.name) for f in dataclasses.fields(LayoutPlan)},
            form=ml['form'],
            labels=tuple(r['label'] for r in ml['labels']),
            label_counts=tuple(int(r['count']) for r in ml['labels']),
            policy=ml['policy'],
            repeat_threshold=float(ml['repeat_threshold']),
            group_label_counts=tuple(
                tuple((int(a), int(b)) for a, b in g['label_counts']) for g in ml['groups']
            ),
            draws=tuple(int(g['draws_per_epoch']) for g in ml['groups']),
        )


def _dense(pairs, width: int) -> list:
    """Per group, ``(label index, count)`` pairs as a row of ``width`` counts."""
    rows = [[0] * width for _ in pairs]
    for row, group in zip(rows, pairs):
        for label, count in group:
            row[label] = count
    return rows


def make_multilabel_plan(
    split: str,
    label_feature: str,
    seed: int,
    form: str,
    label_values: Sequence,
    group_rows,
    policy: str = policies.DEFAULT_POLICY,
    threshold: float = policies.DEFAULT_REPEAT_THRESHOLD,
    examples_per_shard: int = DEFAULT_EXAMPLES_PER_SHARD,
) -> MultiLabelLayoutPlan:
    """The plan from the label values and ``group_rows``: one label-index tuple per example, or
    ``{group label index (-1: none): (count, {label index: count})}`` as the layout counts them."""
    if not isinstance(group_rows, Mapping):
        label_counts = [0] * len(label_values)
        for labels in group_rows:
            for i in labels:
                label_counts[i] += 1
        rank = policies.rarest_labels(label_counts)
        counted: dict = {}
        for labels in group_rows:
            entry = counted.setdefault(policies.group_of(labels, rank), [0, {}])
            entry[0] += 1
            for i in labels:
                entry[1][i] = entry[1].get(i, 0) + 1
        group_rows = {g: tuple(v) for g, v in counted.items()}
    names = tuple(class_name(v) for v in label_values)
    label_counts = [0] * len(names)
    for _, per_label in group_rows.values():
        for i, c in per_label.items():
            label_counts[i] += c
    order = sorted(group_rows, key=lambda g: (g < 0, g))  # label order, the no-label group last
    counts = tuple(int(group_rows[g][0]) for g in order)
    group_names = tuple(names[g] if g >= 0 else policies.NO_LABEL_GROUP for g in order)
    pairs = tuple(
        tuple(sorted((int(i), int(c)) for i, c in group_rows[g][1].items())) for g in order
    )
    dense = _dense(pairs, len(names))
    n = int(sum(counts))
    draws = policies.group_draws(policy, counts, order, dense, label_counts, n, threshold)
    return MultiLabelLayoutPlan(
        split=split,
        label_feature=label_feature,
        label_type='bytes' if any(isinstance(v, bytes) for v in label_values) else 'int64',
        seed=int(seed),
        # the no-label group '' is 'none' in its file names
        **groups_of_plan(
            group_names, counts, examples_per_shard, [g or 'none' for g in group_names]
        ),
        form=form,
        labels=names,
        label_counts=tuple(label_counts),
        policy=policy,
        repeat_threshold=float(threshold),
        group_label_counts=pairs,
        draws=tuple(int(d) for d in draws),
    )
