"""The HTML report renders in headless Chromium with its charts drawn."""

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


def check_rendered(html_path, png_path, summary):
    """Shared by the e2e tests: both charts are in the DOM with one bar per value, and the
    screenshot shows the series colours."""
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
