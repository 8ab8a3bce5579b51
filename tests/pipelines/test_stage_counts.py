"""The sample summary reads split_counts.json as the splitter writes it: the plain table, or the
structured report of folds (and label bins)."""

import json

import pytest

from pipelines.common.summary import stage_counts

TABLE = {'a': {'fold-0': 3, 'fold-1': 2}, 'b': {'fold-0': 1, 'fold-1': 0}}


@pytest.mark.parametrize(
    'report', [TABLE, {'counts': TABLE, 'folds': ['fold-0', 'fold-1'], 'holdout': {}}]
)
def test_stage_counts_read_the_plain_and_the_folds_report(tmp_path, report):
    out = tmp_path / 'StratifiedSplitter' / 'examples' / '7'
    out.mkdir(parents=True)
    (out / 'split_counts.json').write_text(json.dumps(report))
    classes, stages = stage_counts(str(tmp_path))
    assert classes == ['a', 'b']
    assert stages == {
        'input': {'a': 5, 'b': 1},
        'fold-0': {'a': 3, 'b': 1},
        'fold-1': {'a': 2, 'b': 0},
    }
