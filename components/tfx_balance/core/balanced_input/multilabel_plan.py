"""The layout plan of a multi-label split: groups (rarest label), labels, and the stream's plan.

A :class:`MultiLabelLayoutPlan` is a :class:`~tfx_balance.core.balanced_input.plan.LayoutPlan`
whose "classes" are the groups (named by their label; the no-label group is ``''``, shown as
``(no label)``), plus a ``multi_label`` section in ``balance_plan.json``: the label order (the
positions of the multi-hot label ``balanced_dataset`` returns), per label its count and the
expected frequency in the stream, per group its label counts, draws per epoch and repeat.
Rules: docs/balanced_input_gen.md (multi-label section).

Example:
    >>> plan = make_multilabel_plan(
    ...     'train', 'tags', 0, 'ids', [1, 2], [[0, 1], [1], [], [0]],
    ...     policy='label_balanced', threshold=0.1)
    >>> plan.classes, plan.labels, plan.draws
    (('1', '2', ''), ('1', '2'), (2, 1, 1))
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence, Tuple

from tfx_balance.core.balanced_input import multilabel_policy as policies
from tfx_balance.core.balanced_input.plan import (
    DEFAULT_EXAMPLES_PER_SHARD,
    PLAN_KINDS,
    LayoutPlan,
    class_weights_and_bias,
    shard_file_name,
)
from tfx_balance.core.labels import class_name


@dataclasses.dataclass(frozen=True)
class MultiLabelLayoutPlan(LayoutPlan):
    """A :class:`LayoutPlan` per group, plus the multi-label plan of the stream.

    Attributes (besides the groups as ``classes``, ``counts`` and ``files``):
      form: ``'ids'`` or ``'multi_hot'``.
      labels: label names in canonical order (multi-hot: ``'0' .. 'L-1'``, every position).
      label_counts: examples carrying each label.
      policy, repeat_threshold: the policy and ``t`` (``repeat_factor``) that gave ``draws``.
      group_label_counts: per group, ``{label index: examples of the group carrying it}``.
      draws: per group, draws per epoch ``D_g`` (the reader's group weights).
    """

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
        rows = [[0] * len(self.labels) for _ in self.classes]
        for row, pairs in zip(rows, self.group_label_counts):
            for label, count in pairs:
                row[label] = count
        return rows

    def expected_frequencies(self, draws: Sequence[int] | None = None) -> list:
        """The share of the stream's examples carrying each label (for ``draws``, default the
        plan's)."""
        return policies.expected_frequencies(
            self.draws if draws is None else draws, self.counts, self.dense_group_label_counts()
        )

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
            'labels': [
                {
                    'index': i,
                    'label': name,
                    'count': self.label_counts[i],
                    'data_frequency': self.label_counts[i] / self.total,
                    'expected_frequency': freq[i],
                }
                for i, name in enumerate(self.labels)
            ],
            'groups': [
                {
                    'group': name,
                    'count': self.counts[g],
                    'draws_per_epoch': self.draws[g],
                    'repeat': self.draws[g] / self.counts[g],
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


def plan_summary(plan: MultiLabelLayoutPlan) -> str:
    """The table the executor logs: per label its count, data and stream frequency; per group
    its examples, draws per epoch and repeat (draws per example per epoch)."""
    freq = plan.expected_frequencies()
    lines = [
        f"split '{plan.split}': {plan.total} examples, policy {plan.policy!r}"
        + (f' (t={plan.repeat_threshold:g})' if plan.policy == 'repeat_factor' else '')
        + f', {sum(plan.draws)} draws per epoch',
        f'{"label":<24} {"count":>9} {"data freq":>10} {"stream freq":>12}',
    ]
    for name, count, f in zip(plan.labels, plan.label_counts, freq):
        lines.append(f'{name[:24]:<24} {count:>9} {count / plan.total:>10.4f} {f:>12.4f}')
    lines.append(f'{"group (rarest label)":<24} {"examples":>9} {"draws":>10} {"repeat":>12}')
    for name, count, d in zip(plan.classes, plan.counts, plan.draws):
        shown = (name or '(no label)')[:24]
        lines.append(f'{shown:<24} {count:>9} {d:>10} {d / count:>12.3f}')
    return '\n'.join(lines)


PLAN_KINDS['multi_label'] = MultiLabelLayoutPlan


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
    """The plan from the canonical label values and, per example or per group, label sets.

    ``group_rows`` is either a list of label-index tuples, one per example (small data, tests),
    or ``{group label index (-1: none): (count, {label index: count})}`` as the layout counts it.
    """
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
    dense = [[0] * len(names) for _ in order]
    for row, p in zip(dense, pairs):
        for i, c in p:
            row[i] = c
    n = int(sum(counts))
    draws = policies.group_draws(policy, counts, order, dense, label_counts, n, threshold)
    shards = [max(1, math.ceil(c / examples_per_shard)) for c in counts]
    files = tuple(
        tuple(shard_file_name(i, group_names[i] or 'none', s, shards[i]) for s in range(shards[i]))
        for i in range(len(counts))
    )
    weights, bias = class_weights_and_bias(counts)
    return MultiLabelLayoutPlan(
        split=split,
        label_feature=label_feature,
        label_type='bytes' if any(isinstance(v, bytes) for v in label_values) else 'int64',
        seed=int(seed),
        classes=group_names,
        counts=counts,
        files=files,
        class_weights=weights,
        output_bias=bias,
        form=form,
        labels=names,
        label_counts=tuple(label_counts),
        policy=policy,
        repeat_threshold=float(threshold),
        group_label_counts=pairs,
        draws=tuple(int(d) for d in draws),
    )
