"""Deprecated home of ``PreviousSpanStrategy`` (0.2.0; removed in 0.4.0): ``tfx_balance.resolvers``.
Kept so that a pipeline compiled with 0.2.0, whose IR names this module, still runs."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.resolvers import PreviousSpanStrategy

__all__ = ['PreviousSpanStrategy']
warn_moved(__name__, 'tfx_balance.resolvers', had_in='0.2.0')
