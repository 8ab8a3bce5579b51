"""Every DeprecationWarning of tfx-balance points at the user's line (here: this file), however
the user reaches it, so Python's default filters show it; ``logs.quiet()`` keeps them visible
while it hides third-party deprecations (issue 53, case 8)."""

import importlib
import subprocess
import sys

import pytest

from tfx_balance.core.deprecation import TfxBalanceDeprecationWarning


def _warned_here(call, match):
    with pytest.warns(DeprecationWarning, match=match) as caught:
        call()
    ours = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert ours and all(w.filename == __file__ for w in ours), [
        (w.filename, w.lineno) for w in caught
    ]


def test_balanced_eval_config_multi_label_true_warns_at_the_callers_line():
    from tfx_balance import balanced_eval_config

    _warned_here(
        lambda: balanced_eval_config('tags', multi_label=True, labels=['cat', 'dog']),
        "balanced_eval_config\\(multi_label=True\\) is deprecated; write multi_label='multi_hot'",
    )


def test_calibration_metric_multi_label_true_warns_at_the_callers_line():
    from tfx_balance.metrics import ExpectedCalibrationError

    _warned_here(lambda: ExpectedCalibrationError(multi_label=True), 'ExpectedCalibrationError')


def test_old_names_warn_at_the_importing_line():
    def import_statement():
        sys.modules.pop('tfx_balance.core.allocation', None)
        import tfx_balance.core.allocation  # noqa: F401

    def import_module():
        sys.modules.pop('tfx_balance.core.allocation', None)
        importlib.import_module('tfx_balance.core.allocation')

    def old_class_name():
        from tfx_balance.core.split.config import SplitConfig  # noqa: F401

    def old_layout():
        from tfx_balance.core.balanced_input_gen.config import LayoutConfig
        from tfx_balance.core.balanced_input_gen.layout import MultiLabelLayout

        MultiLabelLayout('/tmp/x', 'train', LayoutConfig('label', multi_label='ids').validate())

    moved = 'tfx_balance.core.allocation moved to tfx_balance.core.split.allocation'
    _warned_here(import_statement, moved)
    _warned_here(import_module, moved)
    _warned_here(old_class_name, 'SplitConfig is now StratifiedSplitConfig')
    _warned_here(old_layout, 'MultiLabelLayout is now BalancedLayout')


SCRIPT = """
import warnings
from tfx_balance.core.split import config
config.SplitConfig  # line 4: Python's default filters
from tfx_balance import logs
logs.quiet()
warnings.warn_explicit('third-party deprecation', DeprecationWarning, 'lib.py', 1, module='numpy')
config.SplitConfig  # line 8: under quiet()
"""


def test_own_deprecations_are_shown_by_default_and_under_quiet():
    shown = subprocess.run(
        [sys.executable, '-c', SCRIPT], capture_output=True, text=True, check=True
    ).stderr
    message = (
        'TfxBalanceDeprecationWarning: tfx_balance.core.split.config.SplitConfig is now '
        'StratifiedSplitConfig'
    )
    assert f'<string>:4: {message}' in shown, shown
    assert f'<string>:8: {message}' in shown, shown
    assert 'third-party deprecation' not in shown
