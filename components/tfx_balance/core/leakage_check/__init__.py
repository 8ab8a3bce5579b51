"""The leakage check: examples in two splits, and synthetic examples outside training.

Pure logic (Beam + numpy + TensorFlow's decoders, no TFX), behind the LeakageCheck component
(rules: docs/leakage_check.md):

- ``config.py``: ``LeakageConfig``, the checked arguments, and ``bucket_count``.
- ``check.py``: ``FindLeakage``, the streaming Beam transform from record batches (and
  earlier spans' key indexes, ``read_source``) to the report.
- ``index.py``: the key index, a span's keys as data for later runs (``read_index``).
- ``counts.py``: ``LeakageCounts``, exact mergeable counts, and the per-bucket count.
- ``report.py``: the report (JSON-ready dict, markdown) and ``LeakageError``.
"""

from tfx_balance.core.leakage_check.check import (
    FindLeakage,
    WithIndex,
    key_array,
    leakage_fingerprints,
    read_source,
    read_synthetic,
)
from tfx_balance.core.leakage_check.config import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_TRAINING_PATTERNS,
    LeakageConfig,
    bucket_count,
)
from tfx_balance.core.leakage_check.counts import LeakageCounts, count_bucket
from tfx_balance.core.leakage_check.index import ReadKeyIndex
from tfx_balance.core.leakage_check.report import (
    LeakageError,
    error_message,
    leakage_report,
    to_markdown,
)

__all__ = [
    'DEFAULT_MAX_EXAMPLES',
    'DEFAULT_TRAINING_PATTERNS',
    'FindLeakage',
    'LeakageConfig',
    'LeakageCounts',
    'LeakageError',
    'ReadKeyIndex',
    'WithIndex',
    'bucket_count',
    'count_bucket',
    'error_message',
    'key_array',
    'leakage_fingerprints',
    'leakage_report',
    'read_source',
    'read_synthetic',
    'to_markdown',
]
