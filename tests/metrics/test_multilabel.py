"""The multi-label tfx_balance.metrics metrics on real TFMA runs (``tfma.run_model_analysis`` on
examples that carry their sigmoid scores), checked against scikit-learn on the same arrays.

Conventions checked: label i is predicted where score i >= threshold; a label with no positive
example is left out of recall, macro recall, macro F1 and min recall (sklearn ``labels=`` the
present label indices); precision of a never-predicted label is 0 (sklearn ``zero_division=0``).
"""

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from tests.metrics import tfma_runs
from tfx_balance import balanced_eval_config

NUM_LABELS = 5  # label 3 is never predicted; label 4 has no positive example
NAMES = ['cat', 'dog', 'owl', 'emu']  # 'owl' is never predicted; 'emu' has no positive example
METRICS = ['PerLabelRecall', 'PerLabelPrecision', 'PerLabelF1', 'MacroLabelRecall', 'MacroLabelF1']


def multi_label_data(seed, shares, never_predicted, size=160):
    """Multi-hot labels (label i with probability ``shares[i]``), sigmoid-like scores that are
    mostly right, ``never_predicted``'s scores below any threshold, weights in {0.5, 1, 2, 3}."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((size, len(shares))) < shares).astype(np.int64)
    scores = 0.45 * labels + 0.55 * rng.random(labels.shape)
    scores[:, never_predicted] = 0.01
    weights = rng.choice([0.5, 1.0, 2.0, 3.0], size=size)
    return labels, scores.astype(np.float32), weights


def sklearn_expected(labels, predicted, weights):
    """The metrics as scikit-learn computes them on the same arrays."""
    present = [i for i in range(labels.shape[1]) if (weights * labels[:, i]).sum() > 0]
    args = {'sample_weight': weights, 'zero_division': 0}
    recall = recall_score(labels, predicted, average=None, **args)
    f1 = f1_score(labels, predicted, average=None, **args)
    return present, {
        'recall': {i: recall[i] for i in present},
        'f1': {i: f1[i] for i in present},
        'precision': dict(enumerate(precision_score(labels, predicted, average=None, **args))),
        'macro_label_recall': recall_score(
            labels, predicted, average='macro', labels=present, **args
        ),
        'macro_label_f1': f1_score(labels, predicted, average='macro', labels=present, **args),
        'min_label_recall': min(recall[i] for i in present),
    }


def check_against_sklearn(labels, predicted, weights, got, names):
    present, expected = sklearn_expected(labels, predicted, weights)
    assert {k: v for k, v in got.items() if k.startswith('recall/') and k[7:] in names} == (
        pytest.approx({f'recall/{names[i]}': v for i, v in expected['recall'].items()}, abs=1e-6)
    )
    assert {k: v for k, v in got.items() if k.startswith('precision/') and k[10:] in names} == (
        pytest.approx({f'precision/{names[i]}': v for i, v in expected['precision'].items()})
    )
    if any(k.startswith('f1/') for k in got):
        assert {k: v for k, v in got.items() if k.startswith('f1/') and k[3:] in names} == (
            pytest.approx({f'f1/{names[i]}': v for i, v in expected['f1'].items()}, abs=1e-6)
        )
    for key in ('macro_label_recall', 'macro_label_f1', 'min_label_recall'):
        assert got[key] == pytest.approx(expected[key], abs=1e-6), key
    absent = ', '.join(names[i] for i in range(len(names)) if i not in present)
    assert got['recall/labels_absent'] == got['macro_label_recall/labels_absent'] == absent


@pytest.fixture(scope='module')
def int_run(tmp_path_factory):
    """Int 0/1 labels, num_labels=5, threshold 0.5, weighted and unweighted."""
    import tensorflow_model_analysis as tfma

    labels, scores, weights = multi_label_data(0, [0.5, 0.3, 0.12, 0.06, 0.0], never_predicted=3)
    config = json.dumps({'num_labels': NUM_LABELS})
    metrics = [
        tfma.MetricConfig(class_name=name, module='tfx_balance.metrics', config=config)
        for name in [*METRICS, 'MinLabelRecall']
    ]
    eval_config = tfma_runs.weighted_eval_config(metrics)
    out = tfma_runs.evaluate(
        tmp_path_factory, 'multi-label-int', eval_config, labels.tolist(), scores, weights
    )
    return labels, (scores >= 0.5).astype(np.int64), weights, tfma_runs.metric_values(out)


def by_name(values, weighted, model=''):
    return {k: v for (m, w, diff, k), v in values.items() if w == weighted and m == model}


def test_int_labels_match_sklearn_weighted_and_unweighted(int_run):
    labels, predicted, weights, values = int_run
    names = [str(i) for i in range(NUM_LABELS)]
    check_against_sklearn(labels, predicted, np.ones_like(weights), by_name(values, False), names)
    check_against_sklearn(labels, predicted, weights, by_name(values, True), names)
    weighted, unweighted = by_name(values, True), by_name(values, False)
    assert weighted['macro_label_f1'] != pytest.approx(unweighted['macro_label_f1'], abs=1e-3)


def test_never_predicted_label_has_recall_and_precision_zero_and_is_listed(int_run):
    labels, predicted, _, values = int_run
    got = by_name(values, False)
    assert labels[:, 3].sum() > 0 and predicted[:, 3].sum() == 0
    assert got['recall/3'] == 0.0 and got['precision/3'] == 0.0 and got['min_label_recall'] == 0.0
    assert got['precision/labels_never_predicted'] == '3'


def test_label_without_positive_example_is_left_out_and_listed(int_run):
    labels, predicted, _, values = int_run
    got = by_name(values, False)
    assert labels[:, 4].sum() == 0 and predicted[:, 4].sum() > 0  # predicted, never true
    assert 'recall/4' not in got and 'f1/4' not in got and got['precision/4'] == 0.0
    assert got['macro_label_recall'] == pytest.approx(sum(got[f'recall/{i}'] for i in range(4)) / 4)
    assert got['macro_label_f1/labels_absent'] == got['min_label_recall/labels_absent'] == '4'


def test_macro_f1_is_exact_on_a_small_known_input(tmp_path_factory):
    # Label 0: positives examples 0, 1; predicted 0, 2, 3 -> hits 1, precision 1/3, recall 1/2,
    # F1 2 * 1 / (2 + 3) = 0.4. Label 1: positives 1, 2; predicted 0, 1 -> hits 1, F1 2 / 4 = 0.5.
    import tensorflow_model_analysis as tfma

    labels = [[1, 0], [1, 1], [0, 1], [0, 0]]
    scores = np.array([[0.9, 0.6], [0.2, 0.7], [0.6, 0.4], [0.7, 0.1]], np.float32)
    config = json.dumps({'labels': ['a', 'b']})
    metrics = [
        tfma.MetricConfig(class_name=name, module='tfx_balance.metrics', config=config)
        for name in METRICS
    ]
    out = tfma_runs.evaluate(
        tmp_path_factory,
        'multi-label-known',
        tfma_runs.weighted_eval_config(metrics),
        labels,
        scores,
        [1.0] * 4,
    )
    got = by_name(tfma_runs.metric_values(out), False)
    assert got['macro_label_f1'] == pytest.approx(0.45, abs=1e-12)
    assert (got['f1/a'], got['f1/b']) == pytest.approx((0.4, 0.5), abs=1e-12)
    assert (got['precision/a'], got['recall/a']) == pytest.approx((1 / 3, 0.5), abs=1e-12)
    assert got['macro_label_recall'] == pytest.approx(0.5, abs=1e-12)


@pytest.fixture(scope='module')
def gated_run(tmp_path_factory):
    """Float 0/1 labels, named labels, threshold 0.3, weighted, through balanced_eval_config
    with gates the model fails."""
    labels, scores, weights = multi_label_data(1, [0.5, 0.25, 0.1, 0.0], never_predicted=2)
    config = balanced_eval_config(
        'label',
        multi_label='multi_hot',
        labels=NAMES,
        threshold=0.3,
        min_macro_recall=0.7,
        min_label_recall=0.2,
        prediction_key=tfma_runs.SCORES,
        example_weight_key='weight',
    )
    out = tfma_runs.evaluate(
        tmp_path_factory, 'multi-label-gate', config, labels.astype(float).tolist(), scores, weights
    )
    return labels, (scores >= 0.3).astype(np.int64), weights, out


def test_balanced_eval_config_metrics_match_sklearn_at_its_threshold(gated_run):
    labels, predicted, weights, out = gated_run
    values = tfma_runs.metric_values(out)
    check_against_sklearn(labels, predicted, weights, by_name(values, True), NAMES)
    assert by_name(values, True)['recall/labels_absent'] == 'emu'


def test_gate_refuses_a_model_that_never_predicts_a_label(gated_run):
    import tensorflow_model_analysis as tfma

    labels, predicted, weights, out = gated_run
    validation = tfma.load_validation_result(out)
    assert not validation.validation_ok
    failing = {
        (m.metric_key.name, round(m.metric_value.double_value.value, 6))
        for per_slice in validation.metric_validations_per_slice
        for m in per_slice.failures
    }
    _, expected = sklearn_expected(labels, predicted, weights)
    assert expected['macro_label_recall'] < 0.7
    assert failing == {
        ('macro_label_recall', round(expected['macro_label_recall'], 6)),
        ('min_label_recall', 0.0),
    }


def test_label_vector_of_another_length_fails_the_tfma_run_with_our_message(tmp_path_factory):
    labels, scores, weights = multi_label_data(2, [0.5, 0.3, 0.2], never_predicted=2, size=20)
    rows = labels.tolist()
    rows[5] = rows[5][:2]
    config = balanced_eval_config(
        'label', multi_label='multi_hot', num_labels=3, prediction_key=tfma_runs.SCORES
    )
    out = tfma_runs.output_dir(tmp_path_factory, 'multi-label-bad')
    data = tfma_runs.write_examples(out + '.tfrecord', rows, scores, weights)
    with pytest.raises(Exception) as info:
        tfma_runs.run(config, data, out)
    ours = tfma_runs.data_error_of(info.value)
    assert f'a multi-hot label vector has 2 entries ({rows[5]}) but 3 (num_labels=3)' in str(ours)
