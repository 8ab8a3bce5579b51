"""Reading and writing ``Examples`` artifacts the TFX way, shared by every executor.

- ``splits.py``: split names and folders of an artifact, finishing an output artifact
  (``split_names``, payload format, span, version) and passing a split through unchanged.
- ``read.py``: input splits as serialized records, through ``tfx_bsl`` TFXIO or in batches.
- ``write.py``: gzipped TFRecords in ``Split-<name>/`` and the JSON reports beside them.
- ``integrity.py``: a read failure names the input file at fault.
- ``guard.py``: a failed executor leaves no output and raises the tfx-balance error alone.
"""

from tfx_balance.artifacts.guard import checked_beam_pipeline, output_guard, unwrap_error
from tfx_balance.artifacts.integrity import explain_read_failure, find_unreadable_file
from tfx_balance.artifacts.read import (
    RAW_RECORD_COLUMN,
    ReadSplitBatches,
    ReadSplits,
    make_records_source,
)
from tfx_balance.artifacts.splits import (
    check_split_files,
    copy_span_and_version,
    copy_split,
    finish_examples,
    output_split_dir,
    require_tf_example,
    resolve_splits,
    span_of,
    split_file_pattern,
    split_names,
)
from tfx_balance.artifacts.write import (
    RECORD_FILE_PREFIX,
    WriteJson,
    WriteRecords,
    WriteSmallSplits,
    read_json,
    write_json,
)

__all__ = [
    'RAW_RECORD_COLUMN',
    'RECORD_FILE_PREFIX',
    'ReadSplitBatches',
    'ReadSplits',
    'WriteJson',
    'WriteRecords',
    'WriteSmallSplits',
    'check_split_files',
    'checked_beam_pipeline',
    'copy_split',
    'explain_read_failure',
    'find_unreadable_file',
    'copy_span_and_version',
    'finish_examples',
    'make_records_source',
    'output_guard',
    'output_split_dir',
    'read_json',
    'require_tf_example',
    'resolve_splits',
    'span_of',
    'split_file_pattern',
    'split_names',
    'unwrap_error',
    'write_json',
]
