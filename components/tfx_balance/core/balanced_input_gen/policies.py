"""Group draws of a label-set stream: the policies of ``RULES`` (one table, by name).

An example's group is its rarest label (no label: the last group); a policy gives each group its
draws per epoch ``D_g``. Guarantees and limits: docs/balanced_input_gen.md, "Multi-label splits".

Example:
    >>> counts = [[6, 0], [0, 2]]  # group of label 'a': 6 examples; of 'b': 2 (no co-occurrence)
    >>> draws = group_draws('label_balanced', [6, 2], [0, 1], counts, [6, 2], n=8)
    >>> draws
    [4, 4]
    >>> expected_frequencies(draws, [6, 2], counts)
    [0.5, 0.5]
    >>> group_draws('floored_label_balanced', [90, 10], [0, 1], [[90, 0], [0, 10]], [90, 10], 100)
    [50, 50]
"""

from __future__ import annotations

import math
import numbers
from typing import Mapping, Sequence

import numpy as np

from tfx_balance.core.balanced_input_gen.schedule import checked_weights
from tfx_balance.core.common.errors import ConfigError

DEFAULT_POLICY = 'floored_label_balanced'
EPOCHS_TO_READ_ALL = 3  # 'floored_label_balanced' reads every example within this many epochs
MIN_LIFT = 0.5  # 'floored_label_balanced' keeps every label at >= this x its data frequency
_MIN_LIFT_AIM = 0.55  # aimed at, so that whole draws keep MIN_LIFT
DEFAULT_REPEAT_THRESHOLD = 0.1
NO_LABEL_GROUP = ''  # the name of the group of examples without a label (no label has it)


def check_policy(policy, repeat_threshold) -> tuple:
    """``(policy, repeat_threshold)`` checked: a known policy, a threshold in ``(0, 1]``."""
    if policy not in RULES:
        names = ', '.join(repr(name) for name in POLICIES[:-1]) + f' or {POLICIES[-1]!r}'
        raise ConfigError(f'policy must be {names} (with multi_label), got {policy!r}.')
    t = repeat_threshold
    ok = isinstance(t, numbers.Real) and not isinstance(t, bool) and math.isfinite(t)
    if not ok or not 0 < t <= 1:
        raise ConfigError(
            f'repeat_threshold must be a number in (0, 1] (the label frequency below which '
            f'examples are repeated), got {t!r}; e.g. repeat_threshold=0.1.'
        )
    return policy, float(t)


def rarest_labels(label_counts: Sequence[int]) -> np.ndarray:
    """The rarity rank of every label: position in the order (count, canonical index)."""
    order = sorted(range(len(label_counts)), key=lambda i: (label_counts[i], i))
    rank = np.empty(len(label_counts), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def group_of(labels: Sequence[int], rank: np.ndarray) -> int:
    """The label index of an example's group (its rarest label), or -1 without a label."""
    return min(labels, key=lambda i: rank[i]) if labels else -1


def repeat_factors(group_labels, label_counts, n: int, threshold: float) -> list:
    """``max(1, sqrt(t / f_l))`` per group (``f_l`` the share of examples carrying ``l``)."""
    return [
        1.0 if g < 0 else max(1.0, math.sqrt(threshold / (label_counts[g] / n)))
        for g in group_labels
    ]


def _largest_remainder(shares: np.ndarray, total: int) -> list:
    """Integers summing to ``total`` in proportion to ``shares``; a positive share gets >= 1."""
    raw = shares / shares.sum() * total
    out = np.floor(raw).astype(np.int64)
    out[(shares > 0) & (out == 0)] = 1
    left = total - int(out.sum())
    if left > 0:
        order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
        for i in order[:left]:
            out[i] += 1
    return out.tolist()


def _repeat_factor(sizes, group_labels, group_label_counts, label_counts, n, threshold, targets):
    factors = repeat_factors(group_labels, label_counts, n, threshold)
    return [int(round(s * r)) for s, r in zip(sizes, factors)]


def _rarest_first(group_labels, label_counts) -> list:
    """Group indices by the rarity of their label (rarest first), the no-label group(s) last."""
    rank = rarest_labels(label_counts)
    return sorted(
        range(len(group_labels)),
        key=lambda g: rank[group_labels[g]] if group_labels[g] >= 0 else len(rank),
    )


def _fill(group_labels, share, order, goal, received) -> np.ndarray:
    """In ``order``, labelled group ``h`` gets ``max(0, goal_h - received_h)``."""
    received = np.array(received, dtype=np.float64)
    weight = np.zeros(len(group_labels))
    for g in order:
        label = group_labels[g]
        if label < 0:
            continue
        weight[g] = max(0.0, goal[label] - received[label])
        if weight[g] > 0:
            received += weight[g] * share[g]
    return weight


def _label_shares(sizes, group_label_counts) -> np.ndarray:
    """``a_g(l)``: the share of group ``g``'s examples carrying label ``l``."""
    share = np.asarray(group_label_counts, dtype=np.float64)
    return share / np.asarray(sizes, dtype=np.float64)[:, None]


def _label_balanced(sizes, group_labels, group_label_counts, label_counts, n, threshold, targets):
    share = _label_shares(sizes, group_label_counts)
    targets = np.ones(len(label_counts)) if targets is None else np.asarray(targets, float)
    order = _rarest_first(group_labels, label_counts)
    weight = _fill(group_labels, share, order, targets, np.zeros(len(label_counts)))
    if weight.sum() <= 0:
        raise ConfigError(
            'weights give no group a positive weight: every weight is 0, or every label with a '
            'positive weight only occurs together with rarer labels, so it has no group of its '
            'own. Give a positive weight to at least one label that has a group (the groups of '
            'balance_plan.json).'
        )
    unlabelled = [g for g, label in enumerate(group_labels) if label < 0]
    labelled_total = n - sum(sizes[g] for g in unlabelled)
    draws = [0] * len(sizes)
    for g in unlabelled:
        draws[g] = int(sizes[g])
    labelled = [g for g in range(len(sizes)) if group_labels[g] >= 0]
    for g, d in zip(labelled, _largest_remainder(weight[labelled], labelled_total)):
        draws[g] = d
    return draws


def _floored_label_balanced(
    sizes, group_labels, group_label_counts, label_counts, n, threshold, targets
):
    share = _label_shares(sizes, group_label_counts)
    targets = np.ones(len(label_counts)) if targets is None else np.asarray(targets, float)
    labelled = [g for g in range(len(sizes)) if group_labels[g] >= 0]
    draws = [int(sizes[g]) if group_labels[g] < 0 else 0 for g in range(len(sizes))]
    for g in labelled:
        draws[g] = -(-int(sizes[g]) // EPOCHS_TO_READ_ALL)  # ceil(n_g / E)
    rest = int(n) - sum(draws)
    if rest <= 0 or not labelled:
        return draws
    order = _rarest_first(group_labels, label_counts)
    received = np.asarray(draws, dtype=np.float64) / n @ share
    keep = _MIN_LIFT_AIM * np.asarray(label_counts, dtype=np.float64) / n

    def extra(c):  # labels at c * target, none below keep; rarest first
        return _fill(group_labels, share, order, np.maximum(c * targets, keep), received)

    budget = rest / n
    if extra(0.0).sum() > budget:  # keeping every label needs more: the rest at natural shares
        weight = np.asarray(sizes, dtype=np.float64)
    else:
        lo, hi = 0.0, 1.0  # extra(1) >= budget: the rarest label's group alone needs that much
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if extra(mid).sum() < budget else (lo, mid)
        weight = extra(hi)
    if weight[labelled].sum() <= 0:
        weight = np.asarray(sizes, dtype=np.float64)
    for g, d in zip(labelled, _largest_remainder(weight[labelled], rest)):
        draws[g] += d
    return draws


# The policies, by name: each gives the draws per epoch of every group.
RULES = {
    'floored_label_balanced': _floored_label_balanced,
    'label_balanced': _label_balanced,
    'repeat_factor': _repeat_factor,
}
POLICIES = tuple(RULES)


def group_draws(
    policy: str,
    group_sizes: Sequence[int],
    group_labels: Sequence[int],
    group_label_counts,
    label_counts: Sequence[int],
    n: int,
    threshold: float = DEFAULT_REPEAT_THRESHOLD,
    targets: Sequence[float] | None = None,
) -> list:
    """Draws per epoch ``D_g`` of every group. ``group_labels[g]``: its label index (-1: none);
    ``targets``: relative label frequencies (default all 1)."""
    rule = RULES[policy]
    return rule(group_sizes, group_labels, group_label_counts, label_counts, n, threshold, targets)


def expected_frequencies(draws, group_sizes, group_label_counts) -> list:
    """Share of the stream's examples carrying each label: ``sum_g D_g / E * a_g(l)``."""
    d = np.asarray(draws, dtype=np.float64)
    return (d @ _label_shares(group_sizes, group_label_counts) / d.sum()).tolist()


def label_targets(weights: Mapping, labels: Sequence[str]) -> list:
    """Relative target frequency per label from ``{label: weight}`` (labels left out: 0)."""
    checked = checked_weights(weights, list(labels), 'label')
    return [float(checked.get(name, 0)) for name in labels]
