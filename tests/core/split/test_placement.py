"""Where each unit goes: a class's counts cut into hash ranks, and a boundary bucket ranked by
hash then bytes, the same for both label forms."""

from tests.support.examples import example
from tfx_balance.core.common.hashing import BucketRanking
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import ToUnits
from tfx_balance.core.split.placement import ClassSplitPlan, PlaceUnits, boundaries
from tfx_balance.core.split.strata import LabelSetUnits, PackedPlans


def test_boundaries_are_cumulative_ends():
    assert boundaries([3, 0, 2]) == [3, 3, 5]


def test_a_plan_cuts_the_rule_counts_at_the_ranks_of_its_buckets():
    histogram = {0: 5, 3: 4, 7: 11}  # ranks 0-4, 5-8 and 9-19
    plan = ClassSplitPlan.of(allocate(20, [8, 1, 1]), histogram, 3)
    assert (plan.n, plan.counts, plan.rule, plan.pinned) == (20, (16, 2, 2), None, None)
    # both cuts (16, 18) fall in bucket 7, which starts at rank 9; no bucket starts after them
    assert plan.ranking == BucketRanking((16, 18), (8, 8), {7: 9})


def test_one_rank_boundary_ranks_a_boundary_bucket_of_either_form_by_hash_then_bytes():
    records = [example(label=1, x=float(i)) for i in range(10)]
    plan = ClassSplitPlan.of((8, 1, 1), {0: 10}, bucket_bits=0)  # one bucket, straddling both cuts
    assert plan.ranking.boundary == {0: 0}
    single = ToUnits(StratifiedSplitConfig('label', seed=3), grouped=False)(records)
    sets = LabelSetUnits(StratifiedSplitConfig('label', seed=3, multi_label='ids'), False)(records)
    by_class = PlaceUnits.rank_boundary(((1, 0), single), {1: plan})
    by_set = PlaceUnits.rank_boundary((((1,), 0), sets), PackedPlans({(1,): plan}))
    in_rank_order = [u.records[0] for u in sorted(single, key=lambda u: (u.hash, u.records))]
    assert [(split, unit.records[0]) for split, unit in by_class] == list(
        zip([0] * 8 + [1, 2], in_rank_order)
    )
    assert [(s, u.records) for s, u in by_set] == [(s, u.records) for s, u in by_class]
    assert {unit.stratum for _, unit in by_class} == {1}
    assert {unit.stratum for _, unit in by_set} == {(1,)}
