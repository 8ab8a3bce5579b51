"""Deprecated: the 0.1.0 name of ``tfx_balance.core.balanced_input_gen`` (the core of BalancedInputGen and balanced_dataset),
removed in 0.3.0. Its submodules' 0.1.0 names are not kept: import them from the new package."""

from tfx_balance.core import balanced_input_gen as _package
from tfx_balance.core.deprecation import warn_moved

# 0.1.0 had every name of the package but these, which came later.
_NEWER = {
    'DEFAULT_MEMORY_BUDGET',
    'MultiLabelLayoutPlan',
    'POLICIES',
    'PriorCorrection',
    'label_names',
    'prior_correction',
    'with_prior_correction',
}
__all__ = [name for name in _package.__all__ if name not in _NEWER]
globals().update({name: getattr(_package, name) for name in __all__})
warn_moved(__name__, 'tfx_balance.core.balanced_input_gen')
