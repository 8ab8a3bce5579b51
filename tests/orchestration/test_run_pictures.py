"""tfx_balance.orchestration.run_pictures: a file a browser opens beside LocalDagRunner's `value`, none beside a
Kubeflow URI, and a run's pictures on one page."""

import os

import pytest

from tfx_balance.base.html_report import browser_file
from tfx_balance.core.pictures import picture_page
from tfx_balance.orchestration.run_pictures import run_page

PAGE = picture_page(
    'split_counts.json', {'a': {'train': 8, 'eval': 1}, 'b': {'train': 2, 'eval': 1}}
)


def test_a_local_value_file_gets_a_report_html_beside_it(tmp_path):
    folder = tmp_path / 'StratifiedSplitter' / 'html_report' / '7'
    folder.mkdir(parents=True)
    (folder / 'value').write_text(PAGE)
    path = browser_file(str(folder / 'value'), PAGE)
    assert path == os.path.abspath(folder / 'report.html')
    assert (folder / 'report.html').read_text() == PAGE


def test_a_kubeflow_uri_is_the_page_itself_and_nothing_is_written_beside_it(tmp_path):
    uri = str(tmp_path / 'task' / 'html_report')  # KFP's URI of the output: the file the UI reads
    os.makedirs(os.path.dirname(uri))
    assert browser_file(uri, PAGE) == uri
    assert os.listdir(tmp_path / 'task') == []


def test_the_run_page_holds_the_newest_picture_of_each_component_in_run_order(tmp_path):
    for component, artifact_id, kind in (
        ('StratifiedSplitter', 3, 'old'),
        ('StratifiedSplitter', 12, 'new'),
        ('BalancedAugmenter', 5, 'aug'),
    ):
        folder = tmp_path / component / 'html_report' / str(artifact_id)
        folder.mkdir(parents=True)
        (folder / 'value').write_text(PAGE.replace('split_counts', kind))
    path = run_page(str(tmp_path))
    assert path == os.path.abspath(tmp_path / 'pictures.html')
    page = (tmp_path / 'pictures.html').read_text()
    assert 'data-picture="old"' not in page
    assert page.index('data-picture="aug"') < page.index('data-picture="new"')  # 5 ran before 12


def test_a_root_without_pictures_names_what_was_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match='holds no html_report output'):
        run_page(str(tmp_path))
