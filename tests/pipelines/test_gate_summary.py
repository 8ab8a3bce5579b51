"""The model gate in a sample run's summary and HTML report, and the accuracy verdict computed from
the run's own numbers (synthetic summaries; the digits e2e test reads a real run)."""

import copy

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
