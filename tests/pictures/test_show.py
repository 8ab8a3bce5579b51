"""tfx_balance.show draws a report or says what it could not draw (issue 87): a channel whose
component has not run or failed, a path that is not there, a data file, an emptied report (a
failed component's), a folder without a report. Each error names the path and what to pass."""

import os
import re

import pytest

from tests.support.errors import documented_errors
from tests.support.examples import example, write_records
from tfx_balance.core.common.errors import ConfigError, DataError


def _pages(item):
    from tfx_balance.base.notebook import pictures_of

    return pictures_of(item)


def _refused(error, item):
    with pytest.raises(error) as raised:
        _pages(item)
    message = str(raised.value)
    assert any(re.search(p, message) for p in documented_errors()), message
    return message


def test_the_report_of_a_splitter_that_has_not_run_is_refused_naming_its_output():
    from tfx import v1 as tfx

    from tfx_balance import StratifiedSplitter

    splitter = StratifiedSplitter(
        examples=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Examples),
        label_feature='label',
        splits={'train': 8, 'eval': 2},
    )
    message = _refused(ConfigError, splitter.outputs['html_report'])
    assert "StratifiedSplitter.outputs['html_report'] has no artifact" in message


def test_a_data_file_a_missing_path_an_emptied_report_and_a_bare_folder_are_named(tmp_path):
    data = str(tmp_path / 'examples' / 'Split-train' / 'data.gz')
    write_records(data, [example(label='a')])
    message = _refused(ConfigError, data)
    assert f'show: {data} is not a report (not an HTML page)' in message
    missing = str(tmp_path / 'missing')
    assert f'show: {missing} does not exist' in _refused(ConfigError, missing)
    emptied = tmp_path / 'value'
    emptied.write_bytes(b'')
    assert f'show: {emptied} is empty: the component' in _refused(DataError, str(emptied))
    folder = str(tmp_path / 'examples')
    message = _refused(ConfigError, folder)
    assert f'show: the folder {folder} holds none of the reports' in message
    assert "pass a component's html_report output" in message


def test_a_report_file_and_a_report_folder_are_drawn(tmp_path):
    from tfx_balance.core.common import keys
    from tfx_balance.core.common.json_files import write_json
    from tfx_balance.core.pictures import picture_page

    report = {'a': {'train': 8, 'eval': 2}, 'b': {'train': 4, 'eval': 1}}
    write_json(os.path.join(tmp_path, keys.SPLIT_COUNTS_FILE), report)
    (page,) = _pages(str(tmp_path))
    assert page == picture_page(keys.SPLIT_COUNTS_FILE, report)
    (tmp_path / 'value').write_text(page)
    assert _pages(str(tmp_path / 'value')) == [page]
