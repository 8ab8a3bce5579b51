"""balance_plan.json found from a Trainer's files (core/balanced_input_gen/plan_file.py)."""

import os

import pytest

from tests.core.balanced_input_gen.support import RECORDS, SCHEMA
from tests.support.examples import write_records
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.errors import DataError


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
