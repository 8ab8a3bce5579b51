"""Deprecated: the 0.1.0 name of ``tfx_balance.core.split.config`` (removed in 0.3.0), where
``SplitConfig`` is now ``StratifiedSplitConfig`` (TFX has a proto named ``SplitConfig``)."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.core.split.config import DEFAULT_SPLITS
from tfx_balance.core.split.config import StratifiedSplitConfig as SplitConfig

__all__ = ['DEFAULT_SPLITS', 'SplitConfig']
warn_moved(__name__ + '.SplitConfig', 'tfx_balance.core.split.config.StratifiedSplitConfig')
