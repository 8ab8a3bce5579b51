"""The per-class rebalance plan of BalancedAugmenter (core/balanced_augmenter/plan.py)."""

from tfx_balance.core.balanced_augmenter.plan import (
    AUGMENT,
    KEEP,
    UNDERSAMPLE,
    RebalancePlan,
    plan_rebalance,
)


def test_plan_rebalance_spreads_copies_and_finds_the_boundary_bucket():
    # 5 originals in buckets {1: 2, 7: 1, 9: 2}; 12 to generate: 2 each, 2 get a third.
    plan = plan_rebalance('a', 5, 17, False, {1: 2, 7: 1, 9: 2})
    assert (plan.mode, plan.copies_per_source, plan.select) == (AUGMENT, 2, 2)
    assert (plan.generated, plan.dropped) == (12, 0)
    assert plan.selected_bucket(1) and not plan.selected_bucket(7)
    assert plan.ranking.boundary == {}  # ranks 0-1 are exactly bucket 1
    plan = plan_rebalance('a', 5, 8, False, {1: 2, 7: 1, 9: 2})  # 3 extra: ranks 0..2
    assert (plan.copies_per_source, plan.select, plan.ranking.boundary) == (0, 3, {})
    assert plan.selected_bucket(7) and not plan.selected_bucket(9)
    plan = plan_rebalance('a', 5, 9, False, {1: 2, 7: 1, 9: 2})  # 4 extra: ranks 0..3
    assert plan.ranking.boundary == {9: 3}  # bucket 9 (ranks 3-4) straddles rank 4
    assert plan.selected_bucket(7)  # bucket 9 is ranked member by member


def test_plan_rebalance_undersample_and_keep():
    plan = plan_rebalance('a', 5, 2, True, {1: 2, 7: 1, 9: 2})
    assert (plan.mode, plan.select, plan.dropped, plan.output) == (UNDERSAMPLE, 2, 3, 2)
    assert plan_rebalance('a', 5, 2, False, {1: 5}).mode == KEEP
    assert plan_rebalance('a', 5, 5, True, {1: 5}).mode == KEEP
    zero = plan_rebalance('a', 5, 0, True, {1: 5})
    assert (zero.mode, zero.output, zero.ranking.boundary) == (UNDERSAMPLE, 0, {})
    assert not zero.selected_bucket(1)
    coarse = plan_rebalance('a', 5, 3, True, {0: 1, 1: 4}, bucket_bits=1)
    assert (coarse.ranking.boundary, coarse.selected_bucket(0)) == ({1: 1}, True)


def test_report_keys_are_the_class_names():
    plan = RebalancePlan(
        {c: plan_rebalance(c, 2, 2, False, {0: 2}) for c in (b'\xff\xfe', b'Cash', 3)}, {}, {}
    )
    assert list(plan.rows()) == ['3', 'Cash', '\\xff\\xfe']
