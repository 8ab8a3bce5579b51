"""Deprecated: the 0.2.0 home of ``PreviousSpanStrategy`` (removed in 0.4.0), now
``tfx_balance.resolvers``: the strategy gives every component its window of earlier spans, not
only this validator its baseline. Kept so that a pipeline compiled with 0.2.0, whose IR names
this module, still runs."""

from tfx_balance.core.deprecation import warn_moved
from tfx_balance.resolvers import PreviousSpanStrategy

__all__ = ['PreviousSpanStrategy']
warn_moved(__name__, 'tfx_balance.resolvers', had_in='0.2.0')
