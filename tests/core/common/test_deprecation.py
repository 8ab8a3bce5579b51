"""core/deprecation: 0.2.0's moved names import until 0.4.0, as the same objects, with a
DeprecationWarning that names the new home and points at the user's line however the user
reaches it (so Python's default filters show it); ``logs.quiet()`` keeps them visible while it
hides third-party deprecations; 0.1.0's names are gone in 0.3.0, and names no release had too."""

import importlib
import os
import subprocess
import sys
import warnings

import pytest

from tfx_balance.core.common.deprecation import (
    MOVED_MODULES,
    TfxBalanceDeprecationWarning,
    moved_to,
)

OLD = 'tfx_balance.class_distribution_validator.resolver'  # 0.2.0's home of PreviousSpanStrategy


def test_previous_span_strategy_keeps_its_0_2_0_path_until_0_4_0_for_compiled_pipelines():
    """A pipeline compiled with 0.2.0 names the strategy's class path in its IR; TFX finds the
    class by that path when the Resolver runs."""
    from tfx.dsl.input_resolution.ops import ops

    from tfx_balance.orchestration.resolvers import PreviousSpanStrategy

    sys.modules.pop(OLD, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        found = ops.get_by_class_path(f'{OLD}.PreviousSpanStrategy')
    assert found is PreviousSpanStrategy
    (warning,) = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert str(warning.message) == (
        f'{OLD} is deprecated since 0.3.0 and removed in 0.4.0: use tfx_balance.orchestration.resolvers.'
    )
    import tfx_balance

    assert tfx_balance.PreviousSpanStrategy is PreviousSpanStrategy
    assert (
        PreviousSpanStrategy.__module__ == 'tfx_balance.orchestration.resolvers'
    )  # what compiles now


def test_the_warning_points_at_the_users_line_however_the_name_is_reached():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        sys.modules.pop(OLD, None)
        from tfx_balance.class_distribution_validator.resolver import (  # noqa: F401
            PreviousSpanStrategy,  # an import statement
        )

        sys.modules.pop(OLD, None)
        importlib.import_module(OLD)
    ours = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert [w.filename for w in ours] == [__file__] * 2


SCRIPT = """
import warnings
from tfx_balance.core.common.deprecation import warn_moved
warn_moved('old.name', 'new.name')  # line 4: Python's default filters
from tfx_balance.orchestration import logs
logs.quiet()
warnings.warn_explicit('third-party deprecation', DeprecationWarning, 'lib.py', 1, module='numpy')
warn_moved('old.name', 'new.name')  # line 8: under quiet()
"""


def test_own_deprecations_are_shown_by_default_and_under_quiet():
    # Python's default filters: without the PYTHONWARNINGS that make test sets to quiet the suite
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    shown = subprocess.run(
        [sys.executable, '-c', SCRIPT], capture_output=True, text=True, check=True, env=env
    ).stderr
    message = (
        'TfxBalanceDeprecationWarning: old.name is deprecated since 0.3.0 and removed in 0.4.0: '
        'use new.name.'
    )
    assert f'<string>:4: {message}' in shown, shown
    assert f'<string>:8: {message}' in shown, shown
    assert 'third-party deprecation' not in shown


@pytest.mark.parametrize(
    'name',
    [
        'tfx_balance.core.split.multilabel',  # names between two commits of unreleased work
        'tfx_balance.core.leakage',
        'tfx_balance.core.augment.config',
        # 0.1.0's modules, deprecated in 0.2.0 and removed in 0.3.0
        'tfx_balance.core.stratified_split',
        'tfx_balance.core.split_config',
        'tfx_balance.core.allocation',
        'tfx_balance.core.augment',
        'tfx_balance.core.balanced_input',
        'tfx_balance.core.class_distribution',
    ],
)
def test_names_no_release_has_are_gone(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)


def test_0_1_0_module_attributes_are_gone():
    from tfx_balance.core.common import records
    from tfx_balance.metrics import counts

    assert not hasattr(records, 'read_labels') and not hasattr(counts, 'validate_classes')


def test_previous_span_strategy_is_deprecated_for_periodic_at_the_users_line():
    import tfx_balance

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        strategy = tfx_balance.PreviousSpanStrategy
    assert strategy.__name__ == 'PreviousSpanStrategy'
    (warning,) = [w for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert str(warning.message).startswith(
        'tfx_balance.PreviousSpanStrategy is deprecated since 0.3.0 and removed in 0.4.0: use '
        'tfx_balance.periodic'
    )
    assert warning.filename == __file__


@pytest.mark.parametrize('old', sorted(MOVED_MODULES))
def test_every_moved_0_2_0_module_path_imports_the_same_module_with_a_warning(old):
    new = MOVED_MODULES[old]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    ours = [str(w.message) for w in caught if issubclass(w.category, TfxBalanceDeprecationWarning)]
    assert ours == [f'{old} is deprecated since 0.3.0 and removed in 0.4.0: use {new}.']


def test_a_module_under_a_moved_path_moved_with_it_and_others_did_not():
    assert moved_to('tfx_balance.artifacts.splits') == 'tfx_balance.base.artifacts.splits'
    assert moved_to('tfx_balance.core.labels') == 'tfx_balance.core.common.labels'
    assert moved_to('tfx_balance.core.labels_x') is None
    assert moved_to('tfx_balance.core.split.allocation') is None


def test_python_m_runs_a_moved_module_with_the_warning():
    # Python's default filters: without the PYTHONWARNINGS that make test sets to quiet the suite
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    done = subprocess.run(
        [sys.executable, '-m', 'tfx_balance.kubeflow', '--help'],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert 'factory' in done.stdout
    assert (
        'tfx_balance.kubeflow is deprecated since 0.3.0 and removed in 0.4.0: use '
        'tfx_balance.orchestration.kubeflow.' in done.stderr
    )
