"""PlanSearch.fill_exact: the fill step's exact program fills pairs two-move chains cannot, keeps
the sizes, the heaviest-split rule and every filled pair; forced_empty counts what no plan fills."""

import random

import numpy as np

from tests.support.multilabel import searched
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.multilabel_plan import PlanSearch, label_split_counts, plan_counts

# label 7 (3 units) misses test after the search and the chains: filling it takes three moves,
# (5, 7) eval -> test, (3, 5, 7) train -> eval, (5,) test -> train (sizes [4, 1, 1] exact)
THREE_MOVES = {(6,): 2, (3, 5, 7): 1, (5,): 1, (1, 3, 7): 1, (5, 7): 1}


def test_a_pair_that_takes_three_moves_is_filled_by_the_exact_program():
    search = searched(THREE_MOVES, [7, 2, 1])
    tolerance = np.zeros(3)
    assert search.fill_chains(tolerance) == 0
    labels = sorted({label for s in THREE_MOVES for label in s})  # the search's label order
    assert search.label_counts[labels.index(7)].tolist() == [2, 1, 0]
    plan = plan_counts(THREE_MOVES, [7, 2, 1])
    assert plan == {
        (1, 3, 7): (1, 0, 0),
        (3, 5, 7): (0, 1, 0),
        (5,): (1, 0, 0),
        (5, 7): (0, 0, 1),
        (6,): (2, 0, 0),
    }
    totals = label_split_counts(plan)
    assert totals[7] == [1, 1, 1] and totals[5] == [1, 1, 1]  # filled, and none emptied
    assert [sum(c[i] for c in plan.values()) for i in range(3)] == allocate(6, [7, 2, 1])
    for label in (1, 3, 6):  # fewer units than splits: only where allocate gives one
        assert all(
            a or not c for c, a in zip(totals[label], allocate(sum(totals[label]), [7, 2, 1]))
        )


def test_with_groups_the_program_fills_a_pair_and_no_split_moves_further_off_its_share():
    strata = {(0, 1): 1, (3,): 3, (4,): 2, (1,): 3}
    examples = {(0, 1): 2, (3,): 11, (4,): 6, (1,): 17}
    plan = plan_counts(strata, [2, 1, 1], examples)
    assert label_split_counts(plan)[1] == [2, 1, 1]  # the chains alone leave [3, 0, 1]
    sizes = [sum(c[i] * examples[s] / strata[s] for s, c in plan.items()) for i in range(3)]
    share = [36 * w / 4 for w in (2, 1, 1)]
    assert np.allclose(sizes, [17 + 1 / 3, 9 + 1 / 3, 9 + 1 / 3])
    assert max(abs(a - b) for a, b in zip(sizes, share)) <= 2 / 3 + 1e-9  # before: 2/3


def test_the_exact_program_does_not_depend_on_the_order_of_the_table():
    items = list(THREE_MOVES.items())
    random.Random(3).shuffle(items)
    assert plan_counts(dict(items), [7, 2, 1]) == plan_counts(THREE_MOVES, [7, 2, 1])


def test_forced_empty_counts_the_pairs_the_heaviest_split_rule_leaves_no_way_to_fill():
    # label 2: 3 units, two beside one-unit labels (train only): at most 2 splits
    strata = {(0, 2): 1, (1, 2): 1, (2,): 1, (4,): 17}
    search = PlanSearch(strata, [8, 1, 1], [16, 2, 2], None)
    assert search.forced_empty() == 1
    plan = plan_counts(strata, [8, 1, 1])
    assert label_split_counts(plan)[2] == [2, 1, 0]  # one pair empty: the forced one
    # a bound of the rule alone: with 7 units of label 4, eval and test (one unit each) must
    # hold label 4, and label 2 stays in train whatever the plan
    small = plan_counts({(0, 2): 1, (1, 2): 1, (2,): 1, (4,): 7}, [8, 1, 1])
    assert label_split_counts(small)[2] == [3, 0, 0]
    # with the third unit free as well, nothing is forced
    free = PlanSearch({(0, 2): 1, (2,): 2, (4,): 17}, [8, 1, 1], [16, 2, 2], None)
    assert free.forced_empty() == 0


def test_the_program_never_empties_a_filled_pair_and_keeps_every_unit():
    rng = random.Random(11)
    for _ in range(30):
        strata = {}
        for _ in range(rng.randint(4, 10)):
            labels = tuple(sorted(rng.sample(range(8), rng.randint(1, 3))))
            strata[labels] = strata.get(labels, 0) + rng.randint(1, 3)
        search = searched(strata, [7, 2, 1])
        search.fill_chains(np.zeros(3))
        before = (search.label_counts > 0) | ~search.everywhere[:, None]
        sizes = search.counts.sum(axis=0).tolist()
        search.fill_exact(np.zeros(3) + 1e-9)
        after = (search.label_counts > 0) | ~search.everywhere[:, None]
        assert np.all(after[before])
        assert (search.counts.sum(axis=1) == search.units).all()
        assert search.counts.sum(axis=0).tolist() == sizes
        labels = sorted({label for s in strata for label in s})  # the search's label order
        per_label = [
            [
                sum(c[s] for j, c in enumerate(search.counts) if label in search.sets[j])
                for s in range(3)
            ]
            for label in labels
        ]
        assert search.label_counts.tolist() == per_label
        assert (search.counts[~search.allowed] == 0).all()


def test_the_log_says_how_many_pairs_stay_empty_and_how_many_the_rule_forces(caplog):
    caplog.set_level('INFO', logger='tfx_balance.core.split.multilabel_plan.search')
    plan_counts({(0, 2): 1, (1, 2): 1, (2,): 1, (4,): 17}, [8, 1, 1])
    assert '1 stay empty (1 of them forced by the heaviest-split rule)' in caplog.text
