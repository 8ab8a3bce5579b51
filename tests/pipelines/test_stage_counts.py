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


def test_stage_counts_of_a_multi_label_split_list_the_rarest_label_first(tmp_path):
    out = tmp_path / 'StratifiedSplitter' / 'examples' / '3'
    out.mkdir(parents=True)
    row = lambda train, test: {  # noqa: E731
        'train': {'count': train, 'share': 0.0},
        'test': {'count': test, 'share': 0.0},
    }
    report = {
        'multi_label': 'multi_hot',
        'examples': {'train': 8, 'test': 2},
        'labels': {'0': row(7, 2), '1': row(1, 1), '2': row(3, 0)},
        '(no label)': row(0, 0),
        'label_cardinality': {'train': 1.4, 'test': 1.5},
    }
    (out / 'split_counts.json').write_text(json.dumps(report))
    plan_dir = tmp_path / 'BalancedInputGen' / 'examples' / '5'
    plan_dir.mkdir(parents=True)
    frequencies = {'0': 0.75, '1': 0.5, '2': 0.5}  # BalancedInputGen's expected frequencies
    labels_plan = [{'label': k, 'expected_frequency': f} for k, f in frequencies.items()]
    plan = {'splits': {'train': {'multi_label': {'epoch_draws': 8, 'labels': labels_plan}}}}
    (plan_dir / 'balance_plan.json').write_text(json.dumps(plan))
    labels, stages = stage_counts(str(tmp_path))
    assert labels == ['1', '2', '0']  # 2, 3 and 9 examples carry them
    assert stages == {
        'input': {'1': 2, '2': 3, '0': 9},
        'train': {'1': 1, '2': 3, '0': 7},
        'test': {'1': 1, '2': 0, '0': 2},
        'train (balanced input)': {'0': 6, '1': 4, '2': 4},  # per epoch of 8 draws
    }
