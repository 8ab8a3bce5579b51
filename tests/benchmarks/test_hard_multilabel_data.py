"""The issue-40 benchmark workloads have the stated shapes, are seeded, and the harness's
measures count what they say (on a hand-made assignment)."""

import numpy as np

from benchmarks.common import hard_multilabel_data as data
from benchmarks.multilabel_hard import jobs as bench


def _totals(w):
    return data.dense(data.unit_sets(w), w.num_labels).sum(axis=0)


def test_hierarchy_parent_on_every_child_example_and_a_short_tail():
    w = data.generate('hierarchy', 3_000)
    for labels in w.sets:
        for child in (label for label in labels if label >= data.NUM_PARENTS):
            assert data.parent_of(child) in labels
    unlabelled = sum(1 for s in w.sets if not s) / w.n
    assert 0.04 < unlabelled < 0.08
    totals = _totals(w)
    for label, count in data._rare_ids():
        assert totals[label] == count  # 2-5 examples at every size


def test_groups_of_1_to_12_examples():
    w = data.generate('hierarchy_groups', 3_000)
    sizes = data.group_sizes(w)
    assert sizes.sum() == 3_000 and sizes.min() >= 1 and sizes.max() <= 12
    units = data.unit_sets(w)
    for g, labels in zip(w.groups.tolist(), w.sets):
        assert set(labels) <= set(units[g])


def test_many_labels_counts():
    counts = data.many_label_counts()
    assert len(counts) == 4_980 and counts.count(1) == 1_424 and max(counts) == 9
    w = data.generate('many_labels', 2_000)
    totals = _totals(w)
    assert (totals[data.MANY_FREQUENT :] == counts).all()


def test_seeded():
    a, b = data.generate('hierarchy_groups', 1_000), data.generate('hierarchy_groups', 1_000)
    assert a.sets == b.sets and (a.groups == b.groups).all()
    assert data.generate('hierarchy', 1_000, seed=1).sets != data.generate('hierarchy', 1_000).sets


def test_measures_on_a_hand_made_assignment():
    # 3 units; label 0 on all (3 units: one per split expected at 1:1:1), label 1 on one unit
    # placed in the last split (its allocate gives the first split only: one violation)
    w = data.Workload('hierarchy', 3, [(0,), (0,), (0, 1)], None, 2)
    q = bench.measure(w, w.sets, np.array([0, 0, 2]), (1, 1, 1))
    assert q['missing_pairs'] == 1  # label 0 absent from split 1
    assert q['heaviest_rule_labels'] == 1 and q['heaviest_rule_units'] == 1
    assert q['unit_sizes'] == [2, 0, 1] and q['max_unit_size_deviation'] == 1.0


def test_assign_from_plan_follows_the_counts():
    sets = [(0,)] * 5 + [(0, 1)] * 3
    plan = {(0,): (3, 1, 1), (0, 1): (1, 1, 1)}
    assign = bench.assign_from_plan(sets, plan)
    counts = bench.label_counts(sets, assign, 3, 2)
    assert counts.T.tolist() == [[4, 2, 2], [1, 1, 1]]  # per label, per split


def test_ours_keeps_the_heaviest_split_rule_and_the_sizes_and_is_deterministic_on_many_labels():
    rng = np.random.default_rng(0)
    sets = []
    for _ in range(400):
        labels = {j for j in range(3) if rng.random() < 0.4}
        labels |= {3 + int(x) for x in rng.choice(120, size=int(rng.integers(0, 3)), replace=False)}
        sets.append(tuple(sorted(labels)))
    w = data.Workload('many_labels', 400, sets, None, 123)
    result = bench.ours(sets, (8, 1, 1))
    q = bench.measure(w, sets, result['assign'], (8, 1, 1))
    assert q['heaviest_rule_labels'] == 0
    assert q['unit_sizes'] == [320, 40, 40]
    from tfx_balance.core.split.multilabel_plan import plan_counts

    table = data.strata(sets)
    assert plan_counts(table, [8, 1, 1]) == plan_counts(
        dict(reversed(list(table.items()))), [8, 1, 1]
    )


def test_references_are_left_out_above_their_unit_limits(monkeypatch):
    sets = [(0,), (0, 1), (1,), ()] * 25
    w = data.Workload('many_labels', 100, sets, None, 2)
    monkeypatch.setitem(bench.ITERSTRAT_MAX_UNITS, 'many_labels', 99)
    monkeypatch.setitem(bench.SKMULTILEARN_MAX_UNITS, 'many_labels', 99)
    row = bench.measure_all(w, methods=bench.METHODS)
    assert list(row['methods']) == ['ours']
    assert row['methods']['ours']['unit_sizes'] == [80, 10, 10]
