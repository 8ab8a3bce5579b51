"""StratifiedSplitter executor: reads an Examples artifact, writes exactly stratified splits."""

from __future__ import annotations

import os

import apache_beam as beam
from absl import logging
from tfx.types import artifact_utils

from tfx_balance.base import artifacts
from tfx_balance.base.artifacts.history import SplitAssignments, earlier_inputs
from tfx_balance.base.examples_executor import ExamplesExecutor
from tfx_balance.core.common import keys
from tfx_balance.core.common.records import read_named_file_batches
from tfx_balance.core.split import assignments
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.stratified import STRATEGIES, SplitOutputs, StratifiedSplit


@beam.ptransform_fn
def ReadNamedSplitBatches(pipeline, examples, splits):  # noqa: N802
    """Reads ``splits`` of ``examples`` as ``("split '<name>'", records)`` batches, files spread
    over the workers, so that data errors name the split; every worker function is in ``core/``."""
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
      input_dict['previous_assignments']: optional SplitAssignments of earlier spans, or
        input_dict['history']: LookBack's SpanHistory, whose window is taken by this span: their
        units keep their split (core/split/assignments.py).
      output_dict['examples']: ``Split-<name>/`` gzipped TFRecords per split in ``splits``, and
        ``split_counts.json``.
      output_dict['assignments']: this span's units and their splits, ``assignments.json``, and
        the input's span and version.
      exec_properties: StratifiedSplitConfig's (core/split/config.py).
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

    def describe(self, run):
        config = run.config
        group = f', group_feature {config.group_feature!r}' if config.group_feature else ''
        if config.folds is not None:
            group += f', {config.folds} folds, holdout {config.holdout or {}}'
        if config.binned:
            group += f', label bins {config.label_bins or list(config.label_bin_edges)}'
        group += f', multi_label {config.multi_label!r}' if config.multi_label else ''
        return (
            f'reading split(s) {run.read}, label {config.label_feature!r}, splits '
            f'{dict(config.splits)}, seed {config.seed}{group}.'
        )

    def expand(self, pipeline, run):
        examples, output, config = run.examples, run.output, run.config
        earlier = earlier_inputs(  # the Resolver's window, or the history's
            run.input_dict, keys.PREVIOUS_ASSIGNMENTS_KEY, 'assignments', SplitAssignments, examples
        )
        previous = None
        if earlier:
            spans = [(name, artifact.uri) for name, artifact in artifacts.oldest_first(earlier)]
            names = ', '.join(name for name, _ in spans)
            logging.info('%s: units of %s pinned.', self.COMPONENT, names)
            previous = assignments.read_window(pipeline, spans, config)
        out = run.output_dict.get(keys.ASSIGNMENTS_KEY)  # always under TFX
        out = artifact_utils.get_single_instance(out) if out else None
        result = SplitOutputs(
            pipeline
            | 'StratifiedSplit'
            >> StratifiedSplit(
                batches_source=lambda: ReadNamedSplitBatches(examples, run.read),
                config=config,
                previous=previous,
                assignments=out is not None,
            )
        )
        # The large part streams into Beam's sharded writer; the small ranked part is written
        # per split in one stage. No Flatten: it would buffer the large part.
        for name, records in result.whole.items():
            _ = records | f'Write[{name}]' >> artifacts.WriteRecords(
                artifacts.output_split_dir(output, name),
                prefix=f'{artifacts.RECORD_FILE_PREFIX}-whole',
                batched=True,
            )
        _ = result.ranked | 'WriteRanked' >> artifacts.WriteSmallSplits(
            output, list(config.splits), prefix=f'{artifacts.RECORD_FILE_PREFIX}-ranked'
        )
        if out is not None:
            _ = result.assignments | 'WriteAssignments' >> artifacts.WriteRecords(
                out.uri, prefix=keys.ASSIGNMENT_RECORDS_PREFIX
            )
            artifacts.write_json(
                os.path.join(out.uri, keys.ASSIGNMENTS_FILE), assignments.header(config)
            )
            artifacts.copy_span_and_version(examples, out)
        return result.report

    def summary(self, report, config) -> str:
        return STRATEGIES[config.multi_label].format_report(report, list(config.splits))
