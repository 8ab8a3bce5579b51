"""The HTML report renders in headless Chromium with its charts drawn and every series named in
its chart's legend, inside the chart."""

import json
import os
import re

from pipelines.common.report import render_report
from tests.support.browser import color_pixels, render

SUMMARY = {
    'title': 'report test',
    'description': 'synthetic summary',
    'label_feature': 'label',
    'classes': ['a', 'b', 'c'],
    'stages': {
        'input': {'a': 900, 'b': 90, 'c': 9},
        'train': {'a': 720, 'b': 72, 'c': 7},
        'train (augmented)': {'a': 720, 'b': 720, 'c': 720},
    },
    'validators': [
        {'name': 'StratifiedCheck', 'passed': True, 'findings': []},
        {'name': 'BalancedCheck', 'passed': False, 'findings': ["class 'c' is missing"]},
    ],
    'recall': {'balanced': {'a': 0.9, 'b': 0.8, 'c': 0.7}, 'baseline': {'a': 1.0, 'b': 0.5}},
    'macro_recall': {'balanced': 0.8, 'baseline': 0.75},
}
BLUE, ORANGE, GREEN = (0x4E, 0x79, 0xA7), (0xF2, 0x8E, 0x2B), (0x59, 0xA1, 0x4F)
TEAL = (0x76, 0xB7, 0xB2)  # the fifth series
# The taxi demo's shape: 7 classes and 5 stages, the last with the longest name.
TAXI_CLASSES = ['Cash', 'Credit Card', 'Dispute', 'No Charge', 'Pcard', 'Prcard', 'Unknown']
TAXI_LIKE = {
    **SUMMARY,
    'classes': TAXI_CLASSES,
    'stages': {
        stage: {c: 1000 // (i + 1) + j for i, c in enumerate(TAXI_CLASSES)}
        for j, stage in enumerate(['input', 'train', 'eval', 'test', 'train (augmented)'])
    },
    'recall': {
        'balanced': dict.fromkeys(TAXI_CLASSES, 0.5),
        'baseline': dict.fromkeys(TAXI_CLASSES, 0.25),
    },
}
# Run in the browser on a copy of the report (the report itself has no script): for every chart,
# the series of its bars and, for each, the <text> elements naming it, with whether each lies
# inside the chart and clear of the other series' names, as laid out by Chromium.
MEASURE_LEGENDS = """<script>
const inside = (b, box) =>
  b.left >= box.left && b.right <= box.right && b.top >= box.top && b.bottom <= box.bottom;
const overlap = (a, b) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const series = [...new Set([...svg.querySelectorAll('rect.bar')].map(r => r.dataset.series))];
  const texts = [...svg.querySelectorAll('text')];
  const named = series.map(name => texts.filter(t => t.textContent === name));
  const boxes = named.map(ts => ts.map(t => t.getBoundingClientRect()));
  return {
    id: svg.id,
    series: series,
    legend: series.filter((name, i) => boxes[i].length > 0),
    inside: series.filter((name, i) => boxes[i].some(b => inside(b, box))),
    overlapping: series.filter((name, i) => boxes[i].some(b => boxes.some(
      (others, j) => j !== i && others.some(o => overlap(b, o))))),
  };
});
const out = document.createElement('pre');
out.id = 'legend-check';
out.textContent = JSON.stringify(charts);
document.body.appendChild(out);
</script>"""


def legends(html_path, out_dir):
    """What MEASURE_LEGENDS finds in the report at ``html_path`` rendered by Chromium."""
    with open(html_path) as f:
        page = f.read().replace('</body>', MEASURE_LEGENDS + '</body>')
    measured = os.path.join(out_dir, 'legend_check.html')
    with open(measured, 'w') as f:
        f.write(page)
    dom = render(measured, os.path.join(out_dir, 'legend_check.png'))
    found = re.search(r'<pre id="legend-check">(.*?)</pre>', dom, re.S)
    assert found, 'the legend measurement did not run'
    return json.loads(
        found.group(1).replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    )


def check_legends(html_path, out_dir, summary):
    """Every chart names every series of its bars, each name drawn inside the chart and clear of
    the other series' names; a multi-label summary (per-label F1) has an F1 chart too. The
    report's own charts come first, then those of the components' pictures it embeds."""
    charts = legends(html_path, out_dir)
    own = ['counts-chart', 'recall-chart', *(['f1-chart'] if summary.get('f1') else [])]
    assert [c['id'] for c in charts][: len(own)] == own
    if summary.get('pictures'):
        assert len(charts) > len(own)  # the pictures draw charts too
    for chart in charts:
        assert chart['legend'] == chart['series'], chart
        assert chart['inside'] == chart['series'], chart
        assert chart['overlapping'] == [], chart


def check_rendered(html_path, png_path, summary):
    """Shared by the e2e tests: both charts are in the DOM with one bar per value, the
    screenshot shows the series colours, and every series is named inside its chart."""
    dom = render(html_path, png_path)
    counts_svg = re.search(r'<svg id="counts-chart".*?</svg>', dom, re.S).group(0)
    recall_svg = re.search(r'<svg id="recall-chart".*?</svg>', dom, re.S).group(0)
    n_classes = len(summary['classes'])
    assert counts_svg.count('class="bar"') == n_classes * len(summary['stages'])
    assert recall_svg.count('class="bar"') == n_classes * len(summary['recall'])
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', counts_svg)]
    assert max(heights) > 100  # bars are drawn at a visible scale
    for colour in (BLUE, ORANGE):
        assert color_pixels(png_path, colour) > 200, colour
    check_legends(html_path, os.path.dirname(os.path.abspath(png_path)), summary)
    return dom


def test_report_renders_with_charts_drawn(tmp_path):
    html_path = tmp_path / 'report.html'
    html_path.write_text(render_report(SUMMARY))
    dom = check_rendered(str(html_path), str(tmp_path / 'shot.png'), SUMMARY)
    assert color_pixels(str(tmp_path / 'shot.png'), GREEN) > 200  # third stage series
    assert 'VIOLATION' in dom and "class 'c' is missing" in dom
    assert 'n/a' in dom  # baseline has no recall for class c


def test_report_is_self_contained(tmp_path):
    html = render_report(SUMMARY)
    assert '<script' not in html
    assert not re.search(r'(src|href)="(http|//)', html)


def test_every_series_of_a_five_stage_seven_class_chart_is_named_in_its_legend(tmp_path):
    # The taxi demo's counts chart: 'train (augmented)', the fifth series, fell off the legend.
    html_path = tmp_path / 'report.html'
    html_path.write_text(render_report(TAXI_LIKE))
    charts = {c['id']: c for c in legends(str(html_path), str(tmp_path))}
    stages = ['input', 'train', 'eval', 'test', 'train (augmented)']
    assert charts['counts-chart']['series'] == stages
    assert charts['counts-chart']['inside'] == stages
    dom = check_rendered(str(html_path), str(tmp_path / 'shot.png'), TAXI_LIKE)
    assert color_pixels(str(tmp_path / 'shot.png'), TEAL) > 200  # the fifth series is drawn
    assert dom.count('class="legend-item"') == 5 + 2


def test_a_legend_too_long_for_one_row_wraps_and_the_chart_grows_to_hold_it(tmp_path):
    stages = {f'stage number {i} with a long name': {'a': i + 1} for i in range(6)}
    summary = {**SUMMARY, 'classes': ['a'], 'stages': stages, 'recall': {}}
    html = render_report(summary)
    counts_svg = re.search(r'<svg id="counts-chart".*?</svg>', html, re.S).group(0)
    assert int(re.search(r'height="(\d+)"', counts_svg).group(1)) > 300  # rows were added
    html_path = tmp_path / 'report.html'
    html_path.write_text(html)
    (counts, _) = legends(str(html_path), str(tmp_path))
    assert counts['legend'] == list(stages)
    assert counts['inside'] == list(stages) and counts['overlapping'] == []


def test_report_draws_a_reliability_diagram_per_model_and_the_calibration_table():
    bins = [[0.0, float('nan'), float('nan')]] * 13 + [[0.25, 0.9, 0.8], [0.75, 0.97, 0.99]]
    calibration = {
        'balanced': {'expected_calibration_error': 0.015, 'log_loss': 0.154, 'bins': bins},
        'baseline': {'expected_calibration_error': 0.007, 'log_loss': 0.141, 'bins': bins[:14]},
    }
    html = render_report({**SUMMARY, 'calibration': calibration})
    svg = re.search(r'<svg id="reliability-chart".*?</svg>', html, re.S).group(0)
    assert svg.count('<polyline') == 2  # one line per model
    assert svg.count('<circle') == 2 + 1  # one point per non-empty bin
    assert '>balanced</text>' in svg and '>baseline</text>' in svg
    assert '<td>balanced</td><td>0.015</td><td>0.154</td>' in html
    assert 'reliability-chart' not in render_report(SUMMARY)  # no calibration, no section
