"""balance_plan.json found from a Trainer's files (core/balanced_input_gen/plan_file.py)."""

import os

import pytest

from tests.core.balanced_input_gen.support import RECORDS, SCHEMA
from tests.support.examples import write_records
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.errors import DataError


def test_files_without_a_plan_name_balanced_input_gen(tmp_path):
    write_records(str(tmp_path / 'Split-train' / 'data.gz'), RECORDS)
    with pytest.raises(DataError, match='no balance plan found.*Add BalancedInputGen'):
        bi.balanced_dataset(str(tmp_path / 'Split-train' / '*'), 'label', 8, schema=SCHEMA)
    with pytest.raises(DataError, match='no balance plan found'):
        bi.steps_per_epoch([str(tmp_path / 'Split-train' / '*')], 8)


def test_a_split_that_was_passed_through_is_named(laid_out):
    eval_dir = os.path.join(os.path.dirname(os.path.dirname(laid_out)), 'Split-eval', '*')
    with pytest.raises(DataError, match="split 'eval'.*was not laid out.*laid-out splits: train"):
        bi.balanced_dataset(eval_dir, 'label', 8, schema=SCHEMA)


def _layouts_of_spans(laid_out, tmp_path, spans):
    """Copies of the ``laid_out`` layout, each with ``spans`` recorded in its plan as
    BalancedInputGen records its input's spans (None: a plan written before it recorded them)."""
    import json
    import shutil

    source = os.path.dirname(os.path.dirname(laid_out))
    files = []
    for i, recorded in enumerate(spans):
        root = str(tmp_path / f'layout-{i}')
        shutil.copytree(source, root)
        path = os.path.join(root, bi.PLAN_FILE)
        with open(path) as f:
            doc = json.load(f)
        assert 'spans' not in doc  # plans_to_json without spans records none
        if recorded is not None:
            doc['spans'] = recorded
        with open(path, 'w') as f:
            json.dump(doc, f)
        files.append(os.path.join(root, 'Split-train', '*'))
    return files


def test_a_span_two_layouts_hold_is_named_in_one_warning(laid_out, tmp_path, caplog):
    """A Trainer's SpanRangeStrategy window after a re-run: span 6 laid out twice."""
    import logging

    files = _layouts_of_spans(laid_out, tmp_path, [[5], [6], [6]])
    with caplog.at_level(logging.WARNING):
        assert len(bi.load_plans(files)) == 3  # both are read, as given
        bi.steps_per_epoch(files, 8)  # read again: the warning is not repeated
    (warning,) = [r.getMessage() for r in caplog.records if 'more than once' in r.getMessage()]
    first, second = (str(tmp_path / f'layout-{i}') for i in (1, 2))
    assert warning.startswith(
        f'the layouts read hold span 6 more than once (span 6 in {first}, {second}): each '
        'layout is read, so the span counts once per layout.'
    )
    assert "PreviousSpanStrategy (config={'num_spans': N, 'skip_newest': False})" in warning


def test_layouts_without_spans_or_of_distinct_spans_log_no_repeated_span(
    laid_out, tmp_path, caplog
):
    import logging

    with caplog.at_level(logging.WARNING):
        bi.load_plans(_layouts_of_spans(laid_out, tmp_path / 'a', [[0], [0]]))  # no spans: runs
        bi.load_plans(_layouts_of_spans(laid_out, tmp_path / 'b', [None, None]))  # older plans
        bi.load_plans(_layouts_of_spans(laid_out, tmp_path / 'c', [[5], [6, 7]]))
    assert not [r for r in caplog.records if 'more than once' in r.getMessage()]


def test_one_span_laid_out_twice_and_nothing_else_is_named_in_a_warning(laid_out, tmp_path, caplog):
    """Issue 73: a window of span 6 twice is a re-run read twice; only span 0 (data without
    spans) in every layout is a window of runs."""
    import logging

    files = _layouts_of_spans(laid_out, tmp_path, [[6], [6]])
    with caplog.at_level(logging.WARNING):
        bi.load_plans(files)
    (warning,) = [r.getMessage() for r in caplog.records if 'more than once' in r.getMessage()]
    first, second = (str(tmp_path / f'layout-{i}') for i in (0, 1))
    assert warning.startswith(
        f'the layouts read hold span 6 more than once (span 6 in {first}, {second}): each '
        'layout is read, so the span counts once per layout.'
    )
