"""pipelines/common/cv_summary.py: the cross-validated run's summary shows each fold's and the
mean macro recall of both models, their difference and the gate, from the aggregate's JSON."""

from pipelines.common.cv_summary import format_summary


def estimate(values):
    import statistics

    mean = statistics.mean(values)
    std = statistics.stdev(values)
    return {'values': values, 'n': 3, 'mean': mean, 'std': std, 'interval': [mean - 1, mean + 1]}


RESULT = {
    'folds': ['fold-0', 'fold-1', 'fold-2'],
    'models': {
        'candidate': {'name': 'balanced', 'metrics': {'macro_recall': estimate([0.4, 0.5, 0.6])}},
        'baseline': {'name': 'baseline', 'metrics': {'macro_recall': estimate([0.3, 0.3, 0.33])}},
    },
    'differences': {'macro_recall': estimate([0.1, 0.2, 0.27])},
    'gate': {
        'blessed': True,
        'gate_on': 'mean',
        'checks': [
            {
                'metric': 'macro_recall',
                'rule': 'macro_recall >= 0.4',
                'compared': 'mean over 3 fold(s)',
                'value': 0.5,
                'passed': True,
                'folds': 3,
            }
        ],
    },
    'pushed': True,
}


def test_summary_shows_every_fold_the_mean_and_spread_of_both_models_and_the_gate():
    text = format_summary(RESULT, 'taxi, 3-fold CV')
    lines = text.splitlines()
    assert '== taxi, 3-fold CV ==' in lines
    assert lines[2].split() == ['fold-0', 'fold-1', 'fold-2']
    assert lines[3] == 'macro_recall:'
    balanced, baseline, difference = lines[4:7]
    assert balanced.split()[:4] == ['balanced', '0.400', '0.500', '0.600']
    assert 'mean 0.500  +/- 0.100 (sample std)  95% [-0.500, 1.500]' in balanced
    assert baseline.split()[:4] == ['baseline', '0.300', '0.300', '0.330']
    assert difference.split()[:6] == ['balanced', '-', 'baseline', '0.100', '0.200', '0.270']
    assert 'Cross-validated gate (on the mean): BLESSED, pushed' in lines
    assert '  macro_recall >= 0.4: mean over 3 fold(s) = 0.500  PASS' in lines
