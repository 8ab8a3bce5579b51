"""Reading and writing ``Examples`` artifacts the TFX way, shared by every executor: split
folders, spans and windows, reading and writing records, naming a damaged input file, and
leaving no output after a failure (``guard.py``)."""

from tfx_balance.base.artifacts.guard import checked_beam_pipeline, output_guard, unwrap_error
from tfx_balance.base.artifacts.integrity import explain_read_failure, find_unreadable_file
from tfx_balance.base.artifacts.read import (
    RAW_RECORD_COLUMN,
    ReadSplitBatches,
    ReadSplits,
    make_records_source,
)
from tfx_balance.base.artifacts.spans import (
    as_window,
    check_same_splits,
    copy_span_and_version,
    latest,
    oldest_first,
    require_single,
    source_names,
    span_of,
    warn_repeated_spans,
)
from tfx_balance.base.artifacts.splits import (
    check_split_files,
    copy_split,
    finish_examples,
    output_split_dir,
    require_tf_example,
    resolve_splits,
    split_file_pattern,
    split_folders,
    split_names,
)
from tfx_balance.base.artifacts.write import RECORD_FILE_PREFIX, WriteRecords, WriteSmallSplits
from tfx_balance.core.common.json_files import WriteJson, read_json, write_json

__all__ = [
    'RAW_RECORD_COLUMN',
    'RECORD_FILE_PREFIX',
    'ReadSplitBatches',
    'ReadSplits',
    'WriteJson',
    'WriteRecords',
    'WriteSmallSplits',
    'as_window',
    'check_same_splits',
    'check_split_files',
    'checked_beam_pipeline',
    'copy_split',
    'explain_read_failure',
    'find_unreadable_file',
    'copy_span_and_version',
    'finish_examples',
    'latest',
    'oldest_first',
    'make_records_source',
    'output_guard',
    'output_split_dir',
    'read_json',
    'require_single',
    'require_tf_example',
    'resolve_splits',
    'source_names',
    'span_of',
    'split_file_pattern',
    'split_folders',
    'split_names',
    'unwrap_error',
    'warn_repeated_spans',
    'write_json',
]
