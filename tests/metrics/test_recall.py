"""The four tfx_balance.metrics metrics on real TFMA runs (``tfma.run_model_analysis`` on examples
that carry their predictions), checked against a plain numpy computation."""

import json

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from tests.metrics import tfma_runs

INT_CLASSES = 5  # class 3 is never predicted; class 4 has no example
NAMES = ['cat', 'dog', 'owl', 'emu']  # 'owl' is never predicted; 'emu' has no example
METRICS = ['MacroRecall', 'MultiClassBalancedAccuracy', 'PerClassRecall', 'MinClassRecall']


def imbalanced_data(seed, shares, never_predicted):
    """Labels drawn with ``shares`` (0 = absent class), scores with ``never_predicted``'s score
    zeroed so argmax never picks it, and weights in {0.5, 1, 2, 3}."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(shares), size=150, p=np.asarray(shares) / sum(shares))
    scores = rng.dirichlet(np.ones(len(shares)), size=len(labels))
    # Mostly right: add weight to the true class for 60% of the examples.
    right = rng.random(len(labels)) < 0.6
    scores[right, labels[right]] += 1.0
    scores[:, never_predicted] = 0.0
    scores /= scores.sum(axis=1, keepdims=True)
    weights = rng.choice([0.5, 1.0, 2.0, 3.0], size=len(labels))
    return labels, scores.astype(np.float32), weights


def eval_config(class_args):
    import tensorflow_model_analysis as tfma

    config = json.dumps(class_args)
    metrics = [
        tfma.MetricConfig(class_name=name, module='tfx_balance.metrics', config=config)
        for name in METRICS
    ]
    metrics.append(
        tfma.MetricConfig(
            class_name='MultiClassBalancedAccuracy',
            module='tfx_balance.metrics',
            config=json.dumps({**class_args, 'adjusted': True, 'name': 'adjusted_accuracy'}),
        )
    )
    return tfma_runs.weighted_eval_config(metrics)


def run(tmp_path_factory, name, labels, scores, weights, class_args):
    out = tfma_runs.evaluate(
        tmp_path_factory, name, eval_config(class_args), labels, scores, weights
    )
    return tfma_runs.metric_values(out)


@pytest.fixture(scope='module')
def int_run(tmp_path_factory):
    labels, scores, weights = imbalanced_data(0, [60, 30, 15, 8, 0], never_predicted=3)
    values = run(
        tmp_path_factory, 'int', labels.tolist(), scores, weights, {'num_classes': INT_CLASSES}
    )
    return labels, scores.argmax(axis=1), weights, values


@pytest.fixture(scope='module')
def string_run(tmp_path_factory):
    ids, scores, weights = imbalanced_data(1, [50, 25, 10, 0], never_predicted=2)
    labels = [NAMES[i] for i in ids]
    values = run(tmp_path_factory, 'string', labels, scores, weights, {'classes': NAMES})
    return ids, scores.argmax(axis=1), weights, values


def check_against_numpy(labels, predicted, weights, values, names, absent):
    for weighted in (False, True):
        w = weights if weighted else np.ones_like(weights)
        expected = tfma_runs.numpy_recalls(labels, predicted, w, len(names))
        got = {k: v for (_, kw, _, k), v in values.items() if kw == weighted}
        per_class = {k: v for k, v in got.items() if k.startswith('recall/') and k[7:] in names}
        assert per_class == pytest.approx(
            {f'recall/{names[k]}': r for k, r in expected.items()}, abs=1e-6
        )
        assert got['recall/classes_absent'] == absent
        assert got['macro_recall/classes_absent'] == absent
        assert got['macro_recall'] == pytest.approx(np.mean(list(expected.values())), abs=1e-6)
        assert got['balanced_accuracy'] == pytest.approx(
            balanced_accuracy_score(labels, predicted, sample_weight=w), abs=1e-6
        )
        assert got['adjusted_accuracy'] == pytest.approx(
            balanced_accuracy_score(labels, predicted, sample_weight=w, adjusted=True), abs=1e-6
        )
        assert got['min_class_recall'] == pytest.approx(min(expected.values()), abs=1e-6)


def test_int_labels_match_numpy_weighted_and_unweighted(int_run):
    labels, predicted, weights, values = int_run
    check_against_numpy(labels, predicted, weights, values, [str(k) for k in range(5)], '4')


def test_class_never_predicted_has_recall_zero_not_one(int_run):
    _, predicted, _, values = int_run
    assert 3 not in predicted
    assert values[('', False, False, 'recall/3')] == 0.0
    assert values[('', True, False, 'min_class_recall')] == 0.0


def test_absent_class_is_left_out_of_the_average_and_listed(int_run):
    labels, predicted, _, values = int_run
    assert 4 not in labels and 4 in predicted  # predicted, yet no example of it
    assert ('', False, False, 'recall/4') not in values
    present = [values[('', False, False, f'recall/{k}')] for k in range(4)]
    assert values[('', False, False, 'macro_recall')] == pytest.approx(sum(present) / 4)


def test_example_weights_change_the_result(int_run):
    _, _, _, values = int_run
    assert values[('', True, False, 'macro_recall')] != pytest.approx(
        values[('', False, False, 'macro_recall')], abs=1e-3
    )


def test_string_labels_are_looked_up_in_classes(string_run):
    ids, predicted, weights, values = string_run
    assert 2 not in predicted and 3 not in ids
    check_against_numpy(ids, predicted, weights, values, NAMES, 'emu')
    assert values[('', False, False, 'recall/owl')] == 0.0


def test_tfma_resolves_balanced_accuracy_to_its_own_binary_metric():
    """Why the class is MultiClassBalancedAccuracy: TFMA looks class names up in its registry
    first and ignores ``module`` for them."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.metrics import metric_specs

    from tfx_balance.metrics import MacroRecall, MultiClassBalancedAccuracy

    def instance(class_name):
        return metric_specs.metric_instance(
            tfma.MetricConfig(class_name=class_name, module='tfx_balance.metrics')
        )

    assert type(instance('BalancedAccuracy')).__module__.startswith('tensorflow_model_analysis')
    assert type(instance('MultiClassBalancedAccuracy')) is MultiClassBalancedAccuracy
    assert type(instance('MacroRecall')) is MacroRecall


@pytest.mark.parametrize('weight', [np.nan, np.inf])
def test_non_finite_example_weight_fails_the_tfma_run_with_our_message(tmp_path_factory, weight):
    labels, scores, weights = imbalanced_data(2, [20, 10, 5, 0], never_predicted=2)
    weights[7] = weight
    with pytest.raises(Exception) as info:
        run(
            tmp_path_factory,
            'bad-weight',
            [NAMES[i] for i in labels],
            scores,
            weights,
            {'classes': NAMES},
        )
    ours = tfma_runs.data_error_of(info.value)
    assert f'example weight {weight!r} of an example of class {NAMES[labels[7]]!r}' in str(ours)
    assert 'drop example_weights from the EvalConfig' in str(ours)


@pytest.mark.parametrize('order', [['a', 'b', 'c'], ['b', 'a', 'c'], ['c', 'b', 'a']])
def test_min_class_recall_of_a_nan_recall_is_nan_in_any_order(order):
    from tfx_balance.metrics.recall import _min_class_recall

    recall = {'a': 0.5, 'b': float('nan'), 'c': 0.25}
    assert np.isnan(_min_class_recall({k: recall[k] for k in order}, 'm')['m'])
    del recall['b']
    assert _min_class_recall(recall, 'm') == {'m': 0.25}
