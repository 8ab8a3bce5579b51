"""A multi-label run's summary and HTML report: per label (in the summary's order, the rarest label
first) recall, precision and F1 of both models, macro recall and macro F1 over the labels, the
gate, and no accuracy (a small fixed summary; the multi-label e2e test reads a real run)."""

from pipelines.common import summary as run_summary
from pipelines.common.report import render_report
from tests.pipelines.test_report import check_rendered

LABELS = ['9', '8', '0']  # rarest first, as stage_counts orders them
MULTI_LABEL = {
    'title': 'multi-label test',
    'description': 'synthetic multi-label summary',
    'label_feature': 'labels',
    'multi_label': True,
    'classes': LABELS,
    'stages': {
        'input': {'9': 10, '8': 40, '0': 900},
        'train': {'9': 7, '8': 28, '0': 630},
        'test': {'9': 2, '8': 8, '0': 180},
    },
    'validators': [{'name': 'StratifiedCheck', 'passed': True, 'findings': [], 'notes': []}],
    'recall': {
        'balanced': {'9': 0.5, '8': 0.625, '0': 0.95},
        'baseline': {'9': 0.0, '8': 0.25, '0': 1.0},
    },
    'macro_recall': {'balanced': 0.692, 'baseline': 0.417},
    'precision': {
        'balanced': {'9': 0.25, '8': 0.5, '0': 0.99},
        'baseline': {'9': 0.0, '8': 1.0, '0': 0.97},
    },
    'f1': {
        'balanced': {'9': 0.333, '8': 0.556, '0': 0.97},
        'baseline': {'9': 0.0, '8': 0.4, '0': 0.985},
    },
    'macro_f1': {'balanced': 0.62, 'baseline': 0.462},
    'gate': {
        'blessed': True,
        'validation_ok': True,
        'checks': [
            {
                'metric': 'macro_label_recall',
                'rule': '- baseline >= +0.03',
                'value': 0.275,
                'passed': True,
            },
            {'metric': 'macro_label_f1', 'rule': '>= 0.6', 'value': 0.62, 'passed': True},
        ],
    },
}


def test_console_summary_is_per_label_rarest_first_with_the_gate_and_no_accuracy():
    text = run_summary.format_summary(MULTI_LABEL)
    assert (
        "Label counts per stage (label 'labels', examples carrying each label, rarest first):"
    ) in text
    title = 'Per-label recall, precision and F1 on the test split:'
    table = text[text.index(title) :].splitlines()
    assert table[1].split() == ['recall', 'precision', 'F1']
    assert table[2].split() == ['label'] + ['balanced', 'baseline'] * 3
    assert [line.split() for line in table[3:7]] == [
        ['9', '0.500', '0.000', '0.250', '0.000', '0.333', '0.000'],
        ['8', '0.625', '0.250', '0.500', '1.000', '0.556', '0.400'],
        ['0', '0.950', '1.000', '0.990', '0.970', '0.970', '0.985'],
        ['macro', '0.692', '0.417', '-', '-', '0.620', '0.462'],
    ]
    assert '  macro_label_recall - baseline >= +0.03: 0.275  PASS' in text
    assert '  macro_label_f1 >= 0.6: 0.620  PASS' in text
    assert 'accuracy' not in text.lower()


def test_report_is_per_label_in_the_summary_order_and_renders(tmp_path):
    html = render_report(MULTI_LABEL)
    assert '<h2>Label counts</h2>' in html and 'Per-label recall on the test split' in html
    assert html.index('data-category="9"') < html.index('data-category="8"')
    assert html.index('data-category="8"') < html.index('data-category="0"')
    # One table: per label recall, precision and F1 of both models, the macro values last.
    assert (
        '<thead><tr><th></th><th colspan="2">recall</th><th colspan="2">precision</th>'
        '<th colspan="2">F1</th></tr><tr><th>label</th>' + '<th>balanced</th><th>baseline</th>' * 3
    ) in html
    assert (
        '<tr><td>9</td><td>0.500</td><td>0.000</td><td>0.250</td><td>0.000</td>'
        '<td>0.333</td><td>0.000</td></tr>'
    ) in html
    assert (
        '<tr><td>macro</td><td>0.692</td><td>0.417</td><td>-</td><td>-</td>'
        '<td>0.620</td><td>0.462</td></tr>'
    ) in html
    f1_chart = html[html.index('<svg id="f1-chart"') :]
    f1_chart = f1_chart[: f1_chart.index('</svg>')]
    assert 'Per-label F1 on the test split' in f1_chart
    assert f1_chart.count('class="bar"') == 6
    assert 'data-series="balanced" data-category="8" data-value="0.556"' in f1_chart
    assert 'Accuracy' not in html
    path = tmp_path / 'report.html'
    path.write_text(html)
    dom = check_rendered(str(path), str(tmp_path / 'shot.png'), MULTI_LABEL)
    assert 'Balanced model BLESSED: the Pusher shipped it' in dom
