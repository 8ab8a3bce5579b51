"""The laid-out 4-class split shared by the balanced_input tests (one Beam run per module)."""

import os

import pytest

from tests.core.balanced_input_gen.support import RECORDS, lay_out


@pytest.fixture(scope='module')
def laid_out(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('laid_out'))
    lay_out(root, RECORDS)
    return os.path.join(root, 'Split-train', '*')
