"""core/deprecation: the 0.1.0 names that moved import until 0.3.0 (0.2.0's until 0.4.0), as the
same objects, with a DeprecationWarning that names the new home and points at the user's line
however the user reaches it (so Python's default filters show it); ``logs.quiet()`` keeps them
visible while it hides third-party deprecations; names no release had are gone (issues 52, 53)."""

import importlib
import os
import subprocess
import sys
import warnings

import pytest

from tfx_balance.core.deprecation import TfxBalanceDeprecationWarning

# 0.1.0 module -> (its home now, a name it had)
ALIASES = {
    'tfx_balance.core.stratified_split': ('tfx_balance.core.split.stratified', 'StratifiedSplit'),
    'tfx_balance.core.allocation': ('tfx_balance.core.split.allocation', 'allocate'),
    'tfx_balance.core.augment': ('tfx_balance.core.balanced_augmenter', 'BalancedAugment'),
    'tfx_balance.core.balanced_input': ('tfx_balance.core.balanced_input_gen', 'load_plans'),
    'tfx_balance.core.class_distribution': (
        'tfx_balance.core.class_distribution_validator',
        'rule_allocation',
    ),
}


def fresh_import(name):
    """Imports ``name`` anew and returns (module, the one warning it gave)."""
    sys.modules.pop(name, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        module = importlib.import_module(name)
    (warning,) = [w for w in caught if 'deprecated since 0.2.0' in str(w.message)]
    return module, warning


@pytest.mark.parametrize('old', sorted(ALIASES))
def test_a_0_1_0_module_imports_the_same_names_and_warns_with_the_version_removing_it(old):
    new, name = ALIASES[old]
    module, warning = fresh_import(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)
    assert (
        str(warning.message) == f'{old} is deprecated since 0.2.0 and removed in 0.3.0: use {new}.'
    )
    for exported in module.__all__:
        assert getattr(module, exported) is not None


def test_split_config_is_the_stratified_split_config_under_its_0_1_0_name():
    from tfx_balance.core.split.config import StratifiedSplitConfig

    module, warning = fresh_import('tfx_balance.core.split_config')
    assert module.SplitConfig is StratifiedSplitConfig
    assert 'use tfx_balance.core.split.config.StratifiedSplitConfig' in str(warning.message)


def test_the_warning_points_at_the_users_line_however_the_name_is_reached():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        sys.modules.pop('tfx_balance.core.allocation', None)
        from tfx_balance.core.allocation import allocate  # noqa: F401  (an import statement)

        sys.modules.pop('tfx_balance.core.allocation', None)
        importlib.import_module('tfx_balance.core.allocation')
        from tfx_balance.core.records import read_labels  # noqa: F401  (a module attribute)
        from tfx_balance.metrics import counts

        counts.validate_classes  # noqa: B018
    ours = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert [w.filename for w in ours] == [__file__] * 4


SCRIPT = """
import warnings
from tfx_balance.core import records
records.read_labels  # line 4: Python's default filters
from tfx_balance import logs
logs.quiet()
warnings.warn_explicit('third-party deprecation', DeprecationWarning, 'lib.py', 1, module='numpy')
records.read_labels  # line 8: under quiet()
"""


def test_own_deprecations_are_shown_by_default_and_under_quiet():
    # Python's default filters: without the PYTHONWARNINGS that make test sets to quiet the suite
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    shown = subprocess.run(
        [sys.executable, '-c', SCRIPT], capture_output=True, text=True, check=True, env=env
    ).stderr
    message = (
        'TfxBalanceDeprecationWarning: tfx_balance.core.records.read_labels is deprecated since '
        '0.2.0 and removed in 0.3.0: use tfx_balance.core.labels.read_labels.'
    )
    assert f'<string>:4: {message}' in shown, shown
    assert f'<string>:8: {message}' in shown, shown
    assert 'third-party deprecation' not in shown


def test_two_functions_whose_module_stayed_keep_their_0_1_0_import():
    from tfx_balance.core.labels import read_labels
    from tfx_balance.metrics.names import validate_classes

    with pytest.warns(DeprecationWarning, match='use tfx_balance.core.labels.read_labels'):
        from tfx_balance.core.records import read_labels as old_read_labels
    with pytest.warns(DeprecationWarning, match='use tfx_balance.metrics.names.validate_classes'):
        from tfx_balance.metrics.counts import validate_classes as old_validate_classes
    assert old_read_labels is read_labels and old_validate_classes is validate_classes


def test_previous_span_strategy_keeps_its_0_2_0_path_until_0_4_0_for_compiled_pipelines():
    """A pipeline compiled with 0.2.0 names the strategy's class path in its IR; TFX finds the
    class by that path when the Resolver runs."""
    from tfx.dsl.input_resolution.ops import ops

    from tfx_balance.resolvers import PreviousSpanStrategy

    old = 'tfx_balance.class_distribution_validator.resolver'
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        found = ops.get_by_class_path(f'{old}.PreviousSpanStrategy')
    assert found is PreviousSpanStrategy
    (warning,) = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert str(warning.message) == (
        f'{old} is deprecated since 0.3.0 and removed in 0.4.0: use tfx_balance.resolvers.'
    )
    import tfx_balance

    assert tfx_balance.PreviousSpanStrategy is PreviousSpanStrategy
    assert PreviousSpanStrategy.__module__ == 'tfx_balance.resolvers'  # what compiles now


@pytest.mark.parametrize(
    'name',
    [
        'tfx_balance.core.split.multilabel',  # names between two commits of unreleased work
        'tfx_balance.core.leakage',
        'tfx_balance.core.augment.config',  # 0.1.0's submodules: import from the new package
    ],
)
def test_names_no_release_had_are_gone(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)
