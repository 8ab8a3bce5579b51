"""The issue-41 benchmark's data and plan measures count what they say (small, exact)."""

import numpy as np
import pytest

from benchmarks.multilabel_quality import data, report
from benchmarks.multilabel_quality import jobs as bench

# 1,000 examples: label 0 on 905, label 1 on 80, label 2 on 20 (2%: rare), 5 of them with 0.
SETS = [(0,)] * 900 + [(1,)] * 80 + [(2,)] * 15 + [(0, 2)] * 5


def test_hierarchy_data_puts_parents_on_every_child_and_is_seeded():
    x, y = data.prototypes(2_000, seed=3)
    children = y[:, data.PARENTS :]
    for child in range(data.CHILDREN):
        assert (y[children[:, child] == 1, child % data.PARENTS] == 1).all()
    assert int((y.sum(axis=1) == 0).sum()) == 96 and int(children.sum(axis=0)[0]) == 849
    again, _ = data.prototypes(2_000, seed=3)
    assert np.array_equal(x, again)
    train = data.train_test(x, y)
    assert (len(train[0]), len(train[2])) == (1_400, 600)


def test_plan_coverage_counts_unread_examples_and_lift():
    old = bench.plan_coverage(SETS, 3, 'label_balanced')
    new = bench.plan_coverage(SETS, 3, 'floored_label_balanced')
    # label_balanced: groups 0, 1, 2 get 273, 364, 363 draws: 900 - 3 * 273 = 81 never read in
    # 3 epochs, label 0 at 0.364 / 0.905 = 0.40x.
    assert (old['unread_in_3_epochs'], old['epochs_to_read_all']) == (81, 4)
    assert old['min_lift'] == pytest.approx(0.402, abs=0.001)
    assert (new['unread_in_3_epochs'], new['epochs_to_read_all'], new['groups_not_drawn']) == (
        0,
        3,
        0,
    )
    assert new['min_lift'] == pytest.approx(0.55) and new['rare_lifted_2x'] == 1


def test_best_rare_lift_is_the_linear_programs_optimum():
    # With the floors (300, 27, 7 draws of 1,000) the rest can lift label 2 to 33x while label 0
    # keeps 0.5x of 90.5%; without them, 33.8x.
    assert bench.best_rare_lift(SETS, 3) == pytest.approx(33.0)
    assert bench.best_rare_lift(SETS, 3, floors=False) == pytest.approx(33.0 + 5 / 6)
    assert bench.best_rare_lift([(0,)] * 5 + [(1,)] * 5, 2) is None  # no label on <= 2%


def test_report_says_when_the_section_was_not_measured():
    assert report.render_section({'multilabel_quality': {'missing': 'not measured: x'}}) == [
        '_not measured: x._'
    ]
    assert report.render_section({}) == []


def test_multilabel_input_goals_name_the_policy_measured():
    from benchmarks.dataset import multilabel_input as bench_multilabel_input
    from benchmarks.dataset.report import multilabel_input_goals
    from tfx_balance.core.balanced_input_gen.policies import DEFAULT_POLICY

    assert bench_multilabel_input.POLICY == DEFAULT_POLICY
    rows = [
        {'method': m, 'runs': [1.0]}
        for m in ('plain', *(f'balanced_dataset ({p})' for p in bench_multilabel_input.POLICIES))
    ]
    ml = {
        'reads': {'rows': rows, 'best_plain': 'plain', 'examples': 100_000},
        'training': {'policy': DEFAULT_POLICY, 'rows': {}},
        'policy': DEFAULT_POLICY,
        'ratio': 1.2,
        'policy_ratios': {DEFAULT_POLICY: 1.2, 'label_balanced': 1.3, 'repeat_factor': 1.1},
        'training_ratio': 1.0,
    }
    (read, fit) = multilabel_input_goals({'multilabel_input': ml})
    assert read[0].endswith(f'(100k, {DEFAULT_POLICY})')
    assert read[1] == '1.20x (label_balanced 1.30x, repeat_factor 1.10x)'
    assert f'{DEFAULT_POLICY}, one sigmoid layer' in fit[0]
    # results measured before the default changed name label_balanced
    old = {**ml, 'policy_ratios': None, 'ratio_repeat_factor': 1.1, 'training': {'rows': {}}}
    del old['policy']
    (read, fit) = multilabel_input_goals({'multilabel_input': old})
    assert read[0].endswith('(100k, label_balanced)') and read[1] == '1.20x (repeat_factor 1.10x)'
