"""StratifiedSplitter executor: reads an Examples artifact, writes exactly stratified splits."""

from __future__ import annotations

import apache_beam as beam

from tfx_balance import artifacts, keys
from tfx_balance.core.records import read_named_file_batches
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit, strategy_for
from tfx_balance.examples_executor import ExamplesExecutor


@beam.ptransform_fn
def ReadNamedSplitBatches(pipeline, examples, splits):  # noqa: N802
    """Reads ``splits`` of ``examples`` as ``("split '<name>'", serialized records)`` batches
    (``records.read_named_file_batches``, files spread over the workers), so
    that data errors name the split an example came from. Every function this job runs on a worker
    is in ``core/``: a multi-processing worker imports no TFX (only Beam and TensorFlow)."""
    files = [
        (f"split '{split}'", path)
        for split in splits
        for path in artifacts.check_split_files(examples, split)
    ]
    return (
        pipeline
        | 'Files' >> beam.Create(files)
        | 'SpreadFiles' >> beam.Reshuffle()
        | 'ReadBatches' >> beam.FlatMapTuple(read_named_file_batches)
    )


class Executor(ExamplesExecutor):
    """Splits examples into named splits with exact per-class counts.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload).
      output_dict['examples']: one Examples artifact; receives ``Split-<name>/`` gzipped
        TFRecords for every split in ``splits`` and ``split_counts.json`` (with folds or label
        bins, structured: ``report``).
      exec_properties: StratifiedSplitConfig's arguments (core/split/config.py), as its
        ``to_exec_properties`` writes them.
    """

    COMPONENT = 'StratifiedSplitter'
    REPORT_FILE = keys.SPLIT_COUNTS_FILE

    def decode_config(self, exec_properties) -> StratifiedSplitConfig:
        return StratifiedSplitConfig.from_exec_properties(exec_properties)

    def read_splits(self, examples, config):
        return artifacts.resolve_splits(examples, config.input_splits, 'input_splits')

    def passthrough_splits(self, examples, config, read):
        return []  # every input example goes to one of the output splits

    def output_splits(self, examples, config, read):
        return list(config.splits)

    def describe(self, config, read, passthrough):
        group = f', group_feature {config.group_feature!r}' if config.group_feature else ''
        if config.folds is not None:
            group += f', {config.folds} folds, holdout {config.holdout or {}}'
        if config.binned:
            group += f', label bins {config.label_bins or list(config.label_bin_edges)}'
        group += f', multi_label {config.multi_label!r}' if config.multi_label else ''
        return (
            f'reading split(s) {read}, label {config.label_feature!r}, splits '
            f'{dict(config.splits)}, seed {config.seed}{group}.'
        )

    def expand(self, pipeline, examples, output, config, read, passthrough):
        result = SplitOutputs(
            pipeline
            | 'StratifiedSplit'
            >> StratifiedSplit(
                batches_source=lambda: ReadNamedSplitBatches(examples, read), config=config
            )
        )
        # The large part streams into Beam's sharded writer; the small ranked part is written
        # per split in one stage. No Flatten: it would buffer the large part.
        for name, records in result.whole.items():
            _ = records | f'Write[{name}]' >> artifacts.WriteRecords(
                artifacts.output_split_dir(output, name),
                prefix=f'{artifacts.RECORD_FILE_PREFIX}-whole',
            )
        _ = result.ranked | 'WriteRanked' >> artifacts.WriteSmallSplits(
            output, list(config.splits), prefix=f'{artifacts.RECORD_FILE_PREFIX}-ranked'
        )
        return result.report

    def summary(self, report, config) -> str:
        return strategy_for(config).format_report(report, list(config.splits))
