"""The model gate in a sample run's summary and HTML report, and the accuracy verdict computed from
the run's own numbers (synthetic summaries; the digits e2e test reads a real run)."""

import copy
import json

from pipelines.common import summary as run_summary
from pipelines.common.report import render_report
from tests.pipelines.test_report import SUMMARY, check_rendered

GATE = {
    'blessed': True,
    'validation_ok': True,
    'checks': [
        {'metric': 'macro_recall', 'rule': '>= 0.75', 'value': 0.8, 'passed': True},
        {'metric': 'macro_recall', 'rule': '- baseline >= +0.02', 'value': 0.05, 'passed': True},
    ],
}


def summary_with(accuracy, gate=GATE):
    result = copy.deepcopy(SUMMARY)
    result['accuracy'] = accuracy
    result['gate'] = gate
    result['accuracy_verdict'] = run_summary.accuracy_verdict(result)
    return result


def test_accuracy_verdict_when_the_baseline_has_the_higher_accuracy():
    verdict = summary_with({'balanced': 0.90, 'baseline': 0.95})['accuracy_verdict']
    assert verdict == (
        'Accuracy alone would have shipped the wrong model: the baseline scores 0.950, the '
        "balanced model 0.900, yet its recall of class 'b' is 0.500 (balanced: 0.800) and its "
        'macro recall 0.750 (balanced: 0.800).'
    )


def test_accuracy_verdict_when_the_baseline_passes_the_old_accuracy_gate():
    verdict = summary_with({'balanced': 0.95, 'baseline': 0.90})['accuracy_verdict']
    assert verdict.startswith('Accuracy alone would have blessed the baseline too: it scores 0.900')
    assert "class 'b' is 0.500" in verdict


def test_accuracy_verdict_when_accuracy_tells_them_apart():
    verdict = summary_with({'balanced': 0.45, 'baseline': 0.30})['accuracy_verdict']
    assert verdict.startswith('Accuracy separates the models by +0.150')


# The taxi demo's numbers (pipelines/taxi/README.md): both models miss Dispute, Unknown and Pcard; only the
# balanced model finds No Charge.
TAXI_RECALL = {
    'balanced': {
        'Cash': 0.757,
        'Credit Card': 0.928,
        'Dispute': 0.0,
        'No Charge': 0.875,
        'Pcard': 0.0,
        'Unknown': 0.0,
    },
    'baseline': {
        'Cash': 0.998,
        'Credit Card': 0.954,
        'Dispute': 0.0,
        'No Charge': 0.0,
        'Pcard': 0.0,
        'Unknown': 0.0,
    },
}


def taxi_summary(recall, macro):
    result = copy.deepcopy(SUMMARY)
    result.update(recall=recall, macro_recall=macro, accuracy={'balanced': 0.81, 'baseline': 0.975})
    return run_summary.accuracy_verdict(result)


def test_accuracy_verdict_names_the_class_the_balanced_model_recalls_best_above_the_baseline():
    verdict = taxi_summary(TAXI_RECALL, {'balanced': 0.427, 'baseline': 0.325})
    assert verdict == (
        'Accuracy alone would have shipped the wrong model: the baseline scores 0.975, the '
        "balanced model 0.810, yet its recall of class 'No Charge' is 0.000 (balanced: 0.875) "
        'and its macro recall 0.325 (balanced: 0.427).'
    )
    assert run_summary.largest_recall_gain(TAXI_RECALL) == 'No Charge'


def test_accuracy_verdict_names_no_class_when_every_recall_ties():
    tied = {'balanced': TAXI_RECALL['baseline'], 'baseline': TAXI_RECALL['baseline']}
    assert run_summary.largest_recall_gain(tied) is None
    verdict = taxi_summary(tied, {'balanced': 0.325, 'baseline': 0.325})
    assert verdict == (
        "Macro recall does not favour the balanced model here: 0.325 vs the baseline's 0.325 "
        '(accuracy 0.810 vs 0.975).'
    )


def test_accuracy_verdict_names_no_class_when_the_baseline_recalls_every_class_as_well():
    wins = copy.deepcopy(TAXI_RECALL)
    wins['balanced']['No Charge'] = 0.0  # the baseline now ties or wins on every class
    assert run_summary.largest_recall_gain(wins) is None
    verdict = taxi_summary(wins, {'balanced': 0.281, 'baseline': 0.325})
    assert verdict.startswith('Macro recall does not favour the balanced model here: 0.281 vs the')
    assert 'class' not in verdict


def test_a_recall_gain_hidden_by_rounding_to_three_decimals_is_not_named():
    recall = {'balanced': {'a': 0.5004, 'b': 0.2}, 'baseline': {'a': 0.5001, 'b': 0.2}}
    assert run_summary.largest_recall_gain(recall) is None


def test_console_summary_and_report_show_the_gate():
    failed = copy.deepcopy(GATE)
    failed['blessed'] = False
    failed['checks'][1].update(value=0.01, passed=False)
    result = summary_with({'balanced': 0.90, 'baseline': 0.95}, failed)
    text = run_summary.format_summary(result)
    assert 'Model gate (Evaluator -> Pusher): balanced model NOT BLESSED, not pushed' in text
    assert '  macro_recall >= 0.75: 0.800  PASS' in text
    assert '  macro_recall - baseline >= +0.02: 0.010  FAIL' in text
    assert result['accuracy_verdict'] in text
    html = render_report(result)
    assert '<p id="gate-verdict"><b>Balanced model NOT BLESSED: not pushed</b></p>' in html
    assert '<td>- baseline &gt;= +0.02</td><td>0.010</td><td>FAIL</td>' in html
    assert 'Accuracy alone would have shipped the wrong model' in html


def test_report_without_a_gate_has_no_gate_section():
    assert 'Model gate' not in render_report(SUMMARY)


def test_report_with_a_gate_renders_in_a_browser(tmp_path):
    result = summary_with({'balanced': 0.90, 'baseline': 0.95})
    html_path = tmp_path / 'report.html'
    html_path.write_text(render_report(result))
    dom = check_rendered(str(html_path), str(tmp_path / 'shot.png'), result)
    assert 'Balanced model BLESSED: the Pusher shipped it' in dom
    assert 'Accuracy alone would have shipped the wrong model' in dom


def test_a_validator_note_is_shown_as_a_pass_with_the_note_not_a_violation(tmp_path):
    from tests.support.taxi import EXPECTED_SPLIT_COUNTS
    from tfx_balance.core import class_distribution_validator as cd
    from tfx_balance.core.common import keys

    dists = {
        s: cd.LabelDistribution(s, {c: n[s] for c, n in EXPECTED_SPLIT_COUNTS.items() if n[s]}, '')
        for s in ('train', 'eval', 'test')
    }
    out = tmp_path / 'StratifiedCheck' / 'anomalies' / '7'
    out.mkdir(parents=True)
    report = cd.check_distributions(dists, 'payment_type')
    (out / keys.CLASS_DISTRIBUTION_JSON_FILE).write_text(json.dumps(report.to_json()))
    (verdict,) = run_summary.validator_verdicts(str(tmp_path), ['StratifiedCheck', 'BalancedCheck'])
    assert verdict['passed'] and verdict['findings'] == []
    (note,) = verdict['notes']
    assert note.startswith("class 'Prcard' of label 'payment_type' has 1 example(s)")
    result = summary_with({'balanced': 0.90, 'baseline': 0.95})
    result['validators'] = [verdict]
    text = run_summary.format_summary(result)
    assert f'  StratifiedCheck: PASS, 1 note(s) (not violations)\n    - note: {note}' in text
    assert 'VIOLATION' not in text
    html = render_report(result)
    assert '<th>notes (not violations)</th>' in html
    assert '<td>StratifiedCheck</td><td>PASS</td><td>-</td><td>class &#x27;Prcard&#x27;' in html
    assert 'VIOLATION' not in html


def test_intervals_are_printed_and_drawn_beside_the_gate():
    result = summary_with({'balanced': 0.90, 'baseline': 0.95})
    classes = result['classes']
    result['intervals'] = {
        'confidence': '95',
        'recall': {m: {c: [0.1, 0.9] for c in classes} for m in ('balanced', 'baseline')},
        'macro_recall': {'balanced': [0.62, 0.91], 'baseline': [0.55, 0.88]},
        'improvement': {
            'lower': -0.07,
            'upper': 0.17,
            'estimate': 0.05,
            'examples_per_class_needed': 240.0,
            'verdict': 'undecided: the interval [-0.070, +0.170] holds +0.02; about 240 examples',
        },
    }
    lines = run_summary.gate_lines(result)
    assert (
        '  macro recall, 95% intervals: balanced [0.620, 0.910]; baseline [0.550, 0.880]' in lines
    )
    assert (
        '  paired improvement +0.050, 95% interval [-0.070, +0.170]: undecided: the interval '
        '[-0.070, +0.170] holds +0.02; about 240 examples'
    ) in lines
    html = render_report(result)
    assert html.count('<line class="interval"') == 2 * len(classes)
    assert 'Per-class recall on the test split (95% intervals)' in html
    assert '<p id="improvement-interval">Paired improvement over the baseline: +0.050' in html
