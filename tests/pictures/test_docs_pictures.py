"""The docs' pictures (docs/pictures/<name>.html and .png, one per component page) are made by
this test from benchmarks/pictures/reports.py's 7-class reports: the committed HTML must be what
the package draws now. When it is not (or a PNG is missing), the test writes both, the PNG by
headless Chromium, and fails: commit docs/pictures. A PNG is only rewritten with its HTML, so
another Chromium's pixels never fail the test."""

import os

import pytest

from benchmarks.pictures.reports import example_reports
from tests.support.browser import render
from tfx_balance.core.pictures import PICTURES, kind_of, picture_page

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), 'docs')
FOLDER = os.path.join(DOCS, 'pictures')
CLASSES = 7


@pytest.mark.parametrize('report_file', sorted(PICTURES))
def test_the_docs_picture_is_what_the_package_draws(report_file):
    page = picture_page(report_file, example_reports(CLASSES)[report_file])
    html_path = os.path.join(FOLDER, f'{kind_of(report_file)}.html')
    png_path = html_path[: -len('.html')] + '.png'
    committed = open(html_path).read() if os.path.exists(html_path) else None
    if committed == page and os.path.exists(png_path):
        return
    os.makedirs(FOLDER, exist_ok=True)
    with open(html_path, 'w') as f:
        f.write(page)
    render(html_path, png_path, width=760, height=620)
    pytest.fail(f'{html_path} and its PNG were out of date and are rewritten: commit them')


def test_every_component_page_shows_its_picture():
    pages = {
        'split_counts': 'stratified_splitter.md',
        'rebalance_plan': 'balanced_augmenter.md',
        'class_distribution': 'class_distribution_validator.md',
        'leakage': 'leakage_check.md',
        'balance_plan': 'balanced_input_gen.md',
        'cross_validation': 'cross_validation.md',
    }
    assert sorted(pages) == sorted(kind_of(f) for f in PICTURES)
    for kind, page in pages.items():
        with open(os.path.join(DOCS, page)) as f:
            assert f'](pictures/{kind}.png)' in f.read(), page
