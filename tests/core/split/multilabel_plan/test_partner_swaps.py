"""PlanSearch.partner_swaps: units sharing a rare label trade splits; the objective only falls,
the sizes, the rule and every unit are kept, and the frequent labels come nearer their shares."""

import collections
import random

import numpy as np

from tests.support.multilabel import searched
from tfx_balance.core.split.multilabel_plan import PlanSearch, label_split_counts, plan_counts


def _rare_heavy(n=3000, rare=900, seed=4):
    """Two frequent labels (30%, 15%) and ``rare`` labels of 3 units on random examples: eval
    and test (10% each) need units of most rare labels (issue 40's 5,000-label shape, small)."""
    rng = random.Random(seed)
    labels = [{0} if rng.random() < 0.3 else set() for _ in range(n)]
    for i in range(n):
        if rng.random() < 0.15:
            labels[i].add(1)
    for label in range(100, 100 + rare):
        for i in rng.sample(range(n), 3):
            labels[i].add(label)
    return dict(collections.Counter(tuple(sorted(s)) for s in labels))


def _cost(search) -> float:
    c, t = search.label_counts, search.targets
    empty = ((c == 0) & search.everywhere[:, None]).sum()
    chi = ((c - t) ** 2 / t).sum()
    sizes = search.size_cost(search.sizes, search.split_units).sum()
    return float(chi + search.presence * empty + sizes)


def test_partner_swaps_lower_the_cost_and_keep_sizes_units_and_the_rule():
    search = searched(_rare_heavy(), [8, 1, 1])
    before, sizes = _cost(search), search.counts.sum(axis=0).tolist()
    frequent = np.abs(search.label_counts[:2] / search.targets[:2] - 1).max()
    assert search.partner_swaps() > 0
    assert _cost(search) < before - 1
    assert search.counts.sum(axis=0).tolist() == sizes
    assert (search.counts.sum(axis=1) == search.units).all()
    assert (search.counts[~search.allowed] == 0).all()
    assert np.abs(search.label_counts[:2] / search.targets[:2] - 1).max() < frequent


def test_the_plan_with_partner_swaps_steers_the_frequent_labels_it_could_not_before(monkeypatch):
    strata = _rare_heavy()

    def worst(plan):
        per_label = label_split_counts(plan)
        return max(
            abs(c / (sum(per_label[label]) * share) - 1)
            for label in (0, 1)
            for c, share in zip(per_label[label], (0.8, 0.1, 0.1))
        )

    with_partners = plan_counts(strata, [8, 1, 1])
    monkeypatch.setattr(PlanSearch, 'partner_swaps', lambda search: 0)
    without = plan_counts(strata, [8, 1, 1])
    # measured: label 0 in eval / test 64 / 64 without, 71 / 80 with (share 89.6)
    assert worst(with_partners) < worst(without) - 0.05
    assert [sum(c[i] for c in with_partners.values()) for i in range(3)] == [2400, 300, 300]


def test_swap_delta_is_the_exact_cost_change_of_the_two_moves_with_and_without_groups():
    checked = 0
    for seed in range(6):
        rng = random.Random(seed)
        sets = [tuple(sorted(rng.sample(range(12), rng.randint(1, 3)))) for _ in range(200)]
        table = dict(collections.Counter(sets))
        examples = {s: m * rng.randint(1, 4) for s, m in table.items()} if seed % 2 else None
        total = sum((examples or table).values())
        search = PlanSearch(table, [3, 1, 1], [total * w / 5 for w in (3, 1, 1)], examples)
        search.greedy()
        for _ in range(100):
            x, y = rng.sample(range(len(search.sets)), 2)
            a, b = rng.sample(range(3), 2)
            if not (search.counts[x, a] and search.counts[y, b]):
                continue
            before, delta = _cost(search), search.swap_delta(x, a, y, b)
            search.move(x, a, b)
            search.move(y, b, a)
            assert abs(_cost(search) - before - delta) < 1e-6
            search.move(y, a, b)
            search.move(x, b, a)
            checked += 1
    assert checked > 100  # measured: 126


def test_the_plan_logs_how_many_partner_swaps_it_made(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger='tfx_balance.core.split.multilabel_plan.search'):
        plan_counts(_rare_heavy(), [8, 1, 1])
    lines = [r.getMessage() for r in caplog.records if 'partner swaps' in r.getMessage()]
    assert lines  # one per call that traded (the plan calls partner swaps up to twice)
    assert all(line.startswith('multi-label plan: ') and int(line.split()[2]) > 0 for line in lines)


def test_two_units_of_a_rare_label_trade_splits_to_move_a_frequent_label():
    # label 5: one unit in train, on (0, 5), one in eval, on (5,); label 0 sits 5:2 for a share
    # of 3.5:3.5. Moving either unit alone would empty a pair of label 5; trading them moves one
    # unit of label 0 and leaves label 5 where it was.
    search = PlanSearch({(0,): 6, (0, 5): 1, (5,): 1}, [1, 1], [4, 4], None)
    search.counts[:] = [[4, 2], [1, 0], [0, 1]]  # (0,), (0, 5), (5,) per split
    search.label_counts[:] = [[5, 2], [1, 1]]
    search.sizes[:] = [5, 3]
    search.split_units[:] = [5, 3]
    assert search.partner_swaps() == 1
    assert search.counts.tolist() == [[4, 2], [0, 1], [1, 0]]
    assert search.label_counts.tolist() == [[4, 3], [1, 1]]
