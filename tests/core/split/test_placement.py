"""core.split.placement and the strategy table: one plan shape for both label forms, the form
chosen in one place."""

from tests.support.examples import example
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import ExactStrategy, ToUnits
from tfx_balance.core.split.multilabel_plan import plan_counts
from tfx_balance.core.split.placement import ClassSplitPlan, cut, rank_boundary
from tfx_balance.core.split.strata import IterativeStrategy, LabelSetUnits, PackedPlans
from tfx_balance.core.split.stratified import STRATEGIES


def test_a_cut_of_the_rule_counts_is_the_class_plan():
    histogram = {0: 5, 3: 4, 7: 11}
    counts = allocate(20, [8, 1, 1])
    assert cut(counts, histogram, 3) == ClassSplitPlan.from_histogram(histogram, [8, 1, 1], 3)


def test_both_count_rules_take_the_same_table_shape():
    table = {(0,): 50, (0, 1): 30, (1,): 20, (): 10}
    iterative = plan_counts(table, [8, 1, 1])
    assert set(iterative) == set(table)
    assert all(sum(iterative[s]) == n for s, n in table.items())
    assert all(sum(allocate(n, [8, 1, 1])) == n for n in table.values())


def test_the_label_form_chooses_the_strategy_in_one_table():
    assert STRATEGIES == {
        None: ExactStrategy,
        'ids': IterativeStrategy,
        'multi_hot': IterativeStrategy,
    }
    for form, kind in STRATEGIES.items():
        config = StratifiedSplitConfig(label_feature='tags', multi_label=form)
        assert (
            type(kind.units(config, grouped=False))
            is {
                ExactStrategy: ToUnits,
                IterativeStrategy: LabelSetUnits,
            }[kind]
        )


def test_one_rank_boundary_ranks_a_boundary_bucket_of_either_form_by_hash_then_bytes():
    records = [example(label=1, x=float(i)) for i in range(10)]
    plan = cut((8, 1, 1), {0: 10}, bucket_bits=0)  # one bucket, straddling both cuts
    assert plan.ranking.boundary == {0: 0}
    single = ToUnits(StratifiedSplitConfig('label', seed=3), grouped=False)(records)
    sets = LabelSetUnits(StratifiedSplitConfig('label', seed=3, multi_label='ids'), False)(records)
    by_class = rank_boundary(((1, 0), single), {1: plan})
    by_set = rank_boundary((((1,), 0), sets), PackedPlans({(1,): plan}))
    in_rank_order = [u.records[0] for u in sorted(single, key=lambda u: (u.hash, u.records))]
    assert [(split, unit.records[0]) for split, unit in by_class] == list(
        zip([0] * 8 + [1, 2], in_rank_order)
    )
    assert [(s, u.records) for s, u in by_set] == [(s, u.records) for s, u in by_class]
    assert {unit.label for _, unit in by_class} == {1}
    assert {unit.stratum for _, unit in by_set} == {(1,)}
