"""The interval metrics (tfx_balance.metrics.intervals) on real TFMA runs: their values are the
bounds ``tfx_balance.core.intervals`` computes from the same counts (numpy), a class without
examples gets none; and the paired counts of both models' predictions on the same examples, fed
to the combiner as TFMA's evaluator feeds it (``StandardMetricInputs`` with one prediction per
model).
"""

import json

import numpy as np
import pytest

from tests.metrics import tfma_runs
from tfx_balance.core import intervals

NUM_CLASSES = 4  # class 3 has no example
COUNTS = [40, 12, 3]


def class_data(seed=0):
    """Labels of COUNTS, scores right about 80% of the time."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(COUNTS)), COUNTS)
    right = rng.random(labels.size) < 0.8
    predicted = np.where(right, labels, (labels + 1) % NUM_CLASSES)
    scores = np.eye(NUM_CLASSES, dtype=np.float32)[predicted] * 0.7 + 0.075
    return labels, predicted, scores


@pytest.fixture(scope='module')
def class_run(tmp_path_factory):
    import tensorflow_model_analysis as tfma

    labels, predicted, scores = class_data()
    config = json.dumps({'num_classes': NUM_CLASSES, 'confidence': 0.9})
    metrics = [
        tfma.MetricConfig(class_name=name, module='tfx_balance.metrics', config=config)
        for name in ('MacroRecallInterval', 'PerClassRecallInterval', 'MinClassRecallInterval')
    ]
    out = tfma_runs.evaluate(
        tmp_path_factory,
        'intervals',
        tfma_runs.weighted_eval_config(metrics),
        [int(label) for label in labels],
        list(scores),
        np.ones(labels.size),
    )
    values = tfma_runs.metric_values(out)
    return (
        {name: v for (_, weighted, _, name), v in values.items() if not weighted},
        labels,
        predicted,
    )


def test_bounds_are_the_core_intervals_of_the_counts(class_run):
    got, labels, predicted = class_run
    hits = np.array([((labels == k) & (predicted == k)).sum() for k in range(3)])
    totals = np.array(COUNTS)
    for k in range(3):
        low, high = intervals.recall_interval(hits[k], totals[k], 0.9)
        assert got[f'recall_lower_90/{k}'] == pytest.approx(low)
        assert got[f'recall_upper_90/{k}'] == pytest.approx(high)
    macro = intervals.macro_interval(hits, totals, 0.9)
    assert (got['macro_recall_lower_90'], got['macro_recall_upper_90']) == pytest.approx(macro)
    minimum = intervals.min_recall_interval(hits, totals, 0.9)
    assert got['min_class_recall_lower_90'] == pytest.approx(minimum.lower)


def test_a_class_without_examples_gets_no_interval(class_run):
    got, _, _ = class_run
    assert 'recall_lower_90/3' not in got and 'recall_upper_90/3' not in got
    assert got['recall_lower_90/classes_absent'] == '3'
    assert got['macro_recall_lower_90/classes_absent'] == '3'


def test_the_rare_class_gets_the_widest_interval(class_run):
    got, _, _ = class_run
    width = {k: got[f'recall_upper_90/{k}'] - got[f'recall_lower_90/{k}'] for k in range(3)}
    assert width[2] > width[1] > width[0]


def paired_combiner(metric, model_names=('candidate', 'baseline')):
    """The paired combiner of ``metric`` for the candidate, under an EvalConfig of two models."""
    import tensorflow_model_analysis as tfma

    eval_config = tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(name=model_names[0], label_key='label'),
            tfma.ModelSpec(name=model_names[1], label_key='label', is_baseline=True),
        ]
    )
    computations = metric.computations(eval_config=eval_config, model_names=list(model_names))
    baseline_only = metric.computations(eval_config=eval_config, model_names=[model_names[1]])
    assert baseline_only == []  # the improvement is the candidate's only
    combiners = [c for c in computations if getattr(c, 'combiner', None) is not None]
    (combiner,) = [c.combiner for c in combiners]
    derived = [c for c in computations if c not in combiners]
    return combiner, derived


def standard_inputs(label, candidate, baseline):
    from tensorflow_model_analysis.metrics import metric_types

    return metric_types.StandardMetricInputs(
        labels=np.asarray(label),
        predictions={'candidate': np.asarray(candidate), 'baseline': np.asarray(baseline)},
        example_weights=np.asarray([1.0]),
    )


def run_combiner(combiner, elements):
    accumulator = combiner.create_accumulator()
    for element in elements:
        accumulator = combiner.add_input(accumulator, element)
    return combiner.extract_output(combiner.merge_accumulators([accumulator]))


def test_paired_counts_of_single_label_models():
    from tfx_balance.metrics import MacroRecallImprovementInterval

    # No num_classes: the names are the ids the scores and labels show.
    combiner, derived = paired_combiner(MacroRecallImprovementInterval(min_improvement=0.05))
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], [30, 10, 4])
    candidate = np.where(rng.random(labels.size) < 0.9, labels, (labels + 1) % 3)
    baseline = np.where(rng.random(labels.size) < 0.6, labels, (labels + 2) % 3)
    eye = np.eye(3, dtype=np.float32)
    out = run_combiner(
        combiner,
        [standard_inputs([y], eye[c], eye[b]) for y, c, b in zip(labels, candidate, baseline)],
    )
    (counts,) = out.values()
    only_c = [((labels == k) & (candidate == k) & (baseline != k)).sum() for k in range(3)]
    only_b = [((labels == k) & (baseline == k) & (candidate != k)).sum() for k in range(3)]
    assert [a.tolist() for a in counts.arrays(3)] == [only_c, only_b, [30, 10, 4]]
    values = {k.name: v for d in derived for k, v in d.result(out).items()}
    expected = intervals.paired_improvement_interval(only_c, only_b, [30, 10, 4], 0.95)
    assert values['macro_recall_improvement_lower_95'] == pytest.approx(expected.lower)
    assert values['macro_recall_improvement_upper_95'] == pytest.approx(expected.upper)
    recall = lambda predicted: np.mean([(predicted[labels == k] == k).mean() for k in range(3)])  # noqa: E731
    estimate = values['macro_recall_improvement_lower_95/estimate']
    assert estimate == pytest.approx(recall(candidate) - recall(baseline))
    verdict = values['macro_recall_improvement_lower_95/verdict']
    assert verdict.split(':')[0] in {'improved', 'undecided'}


def test_paired_counts_of_multi_label_models_count_each_positive_label():
    from tfx_balance.metrics import MacroLabelRecallImprovementInterval

    combiner, _ = paired_combiner(MacroLabelRecallImprovementInterval(num_labels=3))
    elements = [
        standard_inputs([1, 0, 1], [0.9, 0.1, 0.2], [0.2, 0.1, 0.8]),  # label 0 only c, 2 only b
        standard_inputs([1, 1, 0], [0.9, 0.9, 0.9], [0.9, 0.1, 0.1]),  # label 1 only c
        standard_inputs([0, 0, 1], [0.1, 0.1, 0.6], [0.1, 0.1, 0.7]),  # label 2 both
    ]
    (counts,) = run_combiner(combiner, elements).values()
    assert [a.tolist() for a in counts.arrays(3)] == [[1, 1, 0], [0, 0, 1], [2, 1, 2]]


def test_without_a_baseline_spec_the_improvement_is_not_gated():
    import tensorflow_model_analysis as tfma

    from tfx_balance.metrics import MacroRecallImprovementInterval

    config = tfma.EvalConfig(model_specs=[tfma.ModelSpec(label_key='label')])
    (computation,) = MacroRecallImprovementInterval(num_classes=2).computations(
        eval_config=config, model_names=['']
    )
    values = {k.name: v for k, v in computation.result({}).items()}
    assert values['macro_recall_improvement_lower_95'] == np.inf
    assert values['macro_recall_improvement_lower_95/verdict'].startswith('no baseline model')


LABEL_POSITIVES = [30, 8, 2, 0]  # of 60 examples; label 3 has no positive example


def label_data(seed=0):
    """Multi-hot labels with LABEL_POSITIVES, and sigmoid scores of a model that finds a
    positive label 80% of the time and predicts a negative one 5% of the time."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((60, len(LABEL_POSITIVES)), dtype=np.int64)
    for k, count in enumerate(LABEL_POSITIVES):
        labels[rng.choice(60, count, replace=False), k] = 1
    predicted = np.where(
        labels == 1, rng.random(labels.shape) < 0.8, rng.random(labels.shape) < 0.05
    )
    return labels, predicted, np.where(predicted, 0.8, 0.2).astype(np.float32)


def test_macro_f1_bounds_are_the_core_interval_of_the_label_counts(tmp_path_factory):
    import tensorflow_model_analysis as tfma

    labels, predicted, scores = label_data()
    config = {'num_labels': len(LABEL_POSITIVES)}
    out = tfma_runs.evaluate(
        tmp_path_factory,
        'f1-intervals',
        tfma_runs.weighted_eval_config(
            [
                tfma.MetricConfig(
                    class_name=name, module='tfx_balance.metrics', config=json.dumps(options)
                )
                for name, options in (
                    ('MacroLabelF1Interval', {**config, 'confidence': 0.95}),
                    ('MacroLabelF1', config),
                )
            ]
        ),
        [row.tolist() for row in labels],
        list(scores),
        np.ones(len(labels)),
    )
    got = {
        name: v
        for (_, weighted, _, name), v in tfma_runs.metric_values(out).items()
        if not weighted
    }
    present = [0, 1, 2]
    hits = (labels & predicted)[:, present].sum(axis=0)
    expected = intervals.f1_interval(
        hits, labels[:, present].sum(axis=0), predicted[:, present].sum(axis=0), 0.95
    )
    assert (got['macro_label_f1_lower_95'], got['macro_label_f1_upper_95']) == pytest.approx(
        expected
    )
    assert got['macro_label_f1_lower_95'] < got['macro_label_f1'] < got['macro_label_f1_upper_95']
    assert got['macro_label_f1_lower_95/labels_absent'] == '3'


def test_paired_f1_cells_of_multi_label_models():
    from tfx_balance.metrics import MacroLabelF1ImprovementInterval

    combiner, derived = paired_combiner(
        MacroLabelF1ImprovementInterval(num_labels=len(LABEL_POSITIVES), min_improvement=0.01)
    )
    labels, candidate, _ = label_data(0)
    _, baseline, _ = label_data(1)  # the same labels, other predictions
    elements = [
        standard_inputs(y, np.where(c, 0.9, 0.1), np.where(b, 0.9, 0.1))
        for y, c, b in zip(labels, candidate, baseline)
    ]
    out = run_combiner(combiner, elements)
    (counts,) = out.values()
    cells = np.zeros((len(LABEL_POSITIVES), 2, 2, 2))
    for y, c, b in zip(labels, candidate.astype(int), baseline.astype(int)):
        for k in range(len(LABEL_POSITIVES)):
            cells[k, y[k], c[k], b[k]] += 1
    assert counts.label_cells.tolist() == cells.tolist()
    values = {k.name: v for d in derived for k, v in d.result(out).items()}
    expected = intervals.paired_f1_improvement_interval(cells[:3], 0.95)
    name = 'macro_label_f1_improvement_lower_95'
    assert (values[name], values['macro_label_f1_improvement_upper_95']) == pytest.approx(expected)

    def macro_f1(predicted):
        hits = (labels & predicted)[:, :3].sum(0)
        return np.mean(2 * hits / (labels[:, :3].sum(0) + predicted[:, :3].sum(0)))

    assert values[f'{name}/estimate'] == pytest.approx(macro_f1(candidate) - macro_f1(baseline))
    needed = intervals.f1_examples_needed(cells[:3], 0.95, 0.02)
    assert values[f'{name}/examples_per_class_needed'] == needed
    from tfx_balance.metrics.intervals import verdict

    # The smallest label has 2 positive examples; the verdict speaks of labels.
    assert values[f'{name}/verdict'] == verdict(expected, 0.01, needed, 2, 0.02, 'label')


def test_recall_and_f1_improvements_share_one_paired_count():
    from tfx_balance.metrics import (
        MacroLabelF1ImprovementInterval,
        MacroLabelRecallImprovementInterval,
    )

    recall, _ = paired_combiner(MacroLabelRecallImprovementInterval(num_labels=3))
    f1, _ = paired_combiner(MacroLabelF1ImprovementInterval(num_labels=3))
    assert recall._key == f1._key  # TFMA computes a computation key once


def test_paired_cells_of_two_label_lengths_do_not_merge():
    from tfx_balance.core.common.errors import DataError
    from tfx_balance.metrics import MacroLabelF1ImprovementInterval

    combiner, _ = paired_combiner(MacroLabelF1ImprovementInterval())
    three = combiner.add_input(
        combiner.create_accumulator(), standard_inputs([1, 0, 1], [0.9] * 3, [0.1] * 3)
    )
    two = combiner.add_input(
        combiner.create_accumulator(), standard_inputs([1, 0], [0.9] * 2, [0.1] * 2)
    )
    with pytest.raises(DataError, match='label vectors of 3 and of 2 entries'):
        combiner.merge_accumulators([three, two])
