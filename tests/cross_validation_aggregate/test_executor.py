"""CrossValidationAggregate's executor on real TFMA outputs of two folds (examples that carry
their predictions, no model): a class absent from one fold, the gate read from the folds'
EvalConfig, no baseline; and its errors, which leave no output behind."""

import json
import os
import re

import pytest

from tests.metrics.tfma_runs import run, write_examples
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError

# (label, predicted class) per fold; class 2 has no example in fold-1.
FOLDS = {
    'fold-0': [(0, 0), (0, 0), (1, 1), (1, 0), (2, 2), (2, 0)],  # recalls 1, 0.5, 0.5
    'fold-1': [(0, 0), (0, 1), (1, 1), (1, 1)],  # recalls 0.5, 1; class 2 absent
}


def one_hot(k):
    return [1.0 if i == k else 0.0 for i in range(3)]


def _evaluate(root, min_macro_recall=0.6, strict_fold=None):
    """A TFMA run per fold, gating macro recall >= ``min_macro_recall`` (>= 0.95 in
    ``strict_fold``); returns their output folders."""
    from tfx_balance import balanced_eval_config

    uris = []
    for fold, rows in FOLDS.items():
        config = balanced_eval_config(
            'label',
            num_classes=3,
            min_macro_recall=0.95 if fold == strict_fold else min_macro_recall,
            prediction_key='scores',
        )
        labels = [label for label, _ in rows]
        data = write_examples(
            str(root / f'{fold}.tfrecord'),
            labels,
            [one_hot(p) for _, p in rows],
            [1.0] * len(rows),
        )
        uris.append(str(root / fold))
        run(config, data, uris[-1])
    return uris


@pytest.fixture(scope='module')
def evaluations(tmp_path_factory):
    return _evaluate(tmp_path_factory.mktemp('evaluations'))


def do(tmp_path, uris, thresholds=None, gate_on='mean'):
    from tfx.types import standard_artifacts

    from tfx_balance.cross_validation_aggregate.component import CrossValidationResult
    from tfx_balance.cross_validation_aggregate.executor import Executor

    def artifact(cls, uri):
        a = cls()
        a.uri = uri
        return a

    inputs = {
        f'{keys.FOLD_EVALUATION_KEY_PREFIX}{i}': [artifact(standard_artifacts.ModelEvaluation, u)]
        for i, u in enumerate(uris)
        if u is not None
    }
    out = artifact(CrossValidationResult, str(tmp_path / 'out'))
    blessing = artifact(standard_artifacts.ModelBlessing, str(tmp_path / 'blessing'))
    os.makedirs(out.uri)
    os.makedirs(blessing.uri)
    Executor().Do(
        inputs,
        {keys.CROSS_VALIDATION_KEY: [out], keys.BLESSING_KEY: [blessing]},
        {
            'folds': json.dumps(list(FOLDS)),
            'thresholds': None if thresholds is None else json.dumps(thresholds),
            'gate_on': gate_on,
        },
    )
    with open(os.path.join(out.uri, keys.CROSS_VALIDATION_JSON_FILE)) as f:
        return json.load(f), blessing


def test_a_class_absent_from_a_fold_is_left_out_of_its_estimate(tmp_path, evaluations):
    result, _ = do(tmp_path, evaluations)
    metrics = result['models']['candidate']['metrics']
    assert metrics['recall/2']['values'] == [0.5, None] and metrics['recall/2']['n'] == 1
    assert metrics['recall/2']['std'] is None and metrics['recall/2']['interval'] is None
    assert metrics['macro_recall']['values'] == pytest.approx([2 / 3, 0.75])
    assert metrics['macro_recall']['mean'] == pytest.approx((2 / 3 + 0.75) / 2)
    assert result['models']['baseline'] is None and result['differences'] == {}


def test_without_thresholds_the_folds_eval_config_gates_on_the_mean(tmp_path, evaluations):
    result, blessing = do(tmp_path, evaluations)
    (check,) = result['gate']['checks']
    assert (check['rule'], check['compared']) == ('macro_recall >= 0.6', 'mean over 2 fold(s)')
    assert check['passed'] and result['gate']['blessed']
    assert os.listdir(blessing.uri) == ['BLESSED']
    assert blessing.get_int_custom_property('blessed') == 1


def test_explicit_thresholds_replace_the_eval_configs(tmp_path, evaluations):
    result, blessing = do(tmp_path, evaluations, {'recall/1': {'lower_bound': 0.8}})
    (check,) = result['gate']['checks']
    assert check['rule'] == 'recall/1 >= 0.8' and check['value'] == pytest.approx(0.75)
    assert not result['gate']['blessed'] and os.listdir(blessing.uri) == ['NOT_BLESSED']
    assert blessing.get_int_custom_property('blessed') == 0


def assert_fails_cleanly(tmp_path, match, call):
    from tests.support.errors import documented_errors

    with pytest.raises(DataError, match=match) as info:
        call()
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)
    assert os.listdir(tmp_path / 'out') == [] and os.listdir(tmp_path / 'blessing') == []


def test_errors_name_the_fold_or_metric_and_leave_no_output(tmp_path, evaluations):
    not_tfma = tmp_path / 'not_tfma'
    not_tfma.mkdir()
    cases = [
        ([evaluations[0], str(not_tfma)], None, r'the evaluation of fold-1 \(.*\) holds no TFMA'),
        ([evaluations[0], None], None, 'fold-1 has 0 evaluation'),
        (evaluations, {'recall/9': {'lower_bound': 0.1}}, "names metric 'recall/9'"),
        (evaluations, {'macro_recall': {'min_change': 0.0}}, 'compares with a baseline model'),
    ]
    for i, (uris, thresholds, match) in enumerate(cases):
        case = tmp_path / str(i)
        case.mkdir()
        assert_fails_cleanly(case, match, lambda c=case, u=uris, t=thresholds: do(c, u, t))


def test_one_evaluation_given_for_two_folds_is_refused_not_counted_twice(tmp_path, evaluations):
    """Issue 38, case 4: fold-0's evaluation wired to fold 0 and fold 1 was counted twice in the
    mean, the spread and the interval, and BLESSED."""
    assert_fails_cleanly(
        tmp_path,
        r'fold-0 and fold-1 have the same evaluation \(.*fold-0\); each fold needs the '
        'evaluation of its own fold Evaluator',
        lambda: do(tmp_path, [evaluations[0], evaluations[0] + os.sep]),
    )


def test_folds_whose_eval_configs_gate_differently_are_refused_without_thresholds(tmp_path):
    """Issue 38, case 5: fold-1's EvalConfig demands macro recall >= 0.95, fold-0's >= 0.6; only
    fold 0's thresholds were applied, silently, and the result was BLESSED."""
    (tmp_path / 'evaluations').mkdir()
    uris = _evaluate(tmp_path / 'evaluations', strict_fold='fold-1')
    assert_fails_cleanly(
        tmp_path,
        r"the folds' EvalConfigs gate differently \(macro_recall: fold-0 "
        r"\{'lower_bound': 0.6\}, fold-1 \{'lower_bound': 0.95\}\)",
        lambda: do(tmp_path, uris),
    )
    result, blessing = do(tmp_path / 'given', uris, {'macro_recall': {'lower_bound': 0.95}})
    assert not result['gate']['blessed']  # thresholds given: they apply to every fold alike
