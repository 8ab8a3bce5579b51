"""The leakage check behind LeakageCheck, without TFX: ``FindLeakage`` (check.py), its
``LeakageConfig`` (config.py), the counts, groups, key index and report. Rules:
docs/leakage_check.md.
"""

from tfx_balance.core.leakage_check.check import (
    FindLeakage,
    key_array,
    leakage_fingerprints,
    read_source,
)
from tfx_balance.core.leakage_check.config import (
    DEFAULT_MAX_EXAMPLES,
    LeakageConfig,
    bucket_count,
)
from tfx_balance.core.leakage_check.counts import LeakageCounts
from tfx_balance.core.leakage_check.index import ReadKeyIndex
from tfx_balance.core.leakage_check.report import (
    LeakageError,
    error_message,
    leakage_report,
    to_markdown,
)

__all__ = [
    'DEFAULT_MAX_EXAMPLES',
    'FindLeakage',
    'LeakageConfig',
    'LeakageCounts',
    'LeakageError',
    'ReadKeyIndex',
    'bucket_count',
    'error_message',
    'key_array',
    'leakage_fingerprints',
    'leakage_report',
    'read_source',
    'to_markdown',
]
