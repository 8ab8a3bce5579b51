"""StratifiedSplitter executor: reads an Examples artifact, writes exactly stratified splits."""

from __future__ import annotations

import json
import types

from tfx_balance import artifacts, keys
from tfx_balance.core import allocation
from tfx_balance.core.labels import format_count_table
from tfx_balance.core.stratified_split import SplitOutputs, StratifiedSplit
from tfx_balance.examples_executor import ExamplesExecutor


def decode_splits(value: str) -> dict:
    """Decodes the ``splits`` property (JSON list of ``[name, weight]`` pairs, order kept)."""
    return allocation.validate_split_weights([tuple(p) for p in json.loads(value)])


class Executor(ExamplesExecutor):
    """Splits examples into named splits with exact per-class counts.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload).
      output_dict['examples']: one Examples artifact; receives ``Split-<name>/`` gzipped
        TFRecords for every split in ``splits`` and ``split_counts.json``.
      exec_properties:
        label_feature: name of the int64/bytes label feature.
        splits: JSON list of ``[name, weight]`` pairs (positive weights, order matters).
        seed: int seed of the example hash.
        input_splits: JSON list of input split names to read (merged); null = all.
        group_feature: optional feature whose equal values stay in one split.
    """

    COMPONENT = 'StratifiedSplitter'
    REPORT_FILE = keys.SPLIT_COUNTS_FILE

    def decode_config(self, exec_properties):
        input_splits = exec_properties.get(keys.INPUT_SPLITS_KEY)
        return types.SimpleNamespace(
            splits=decode_splits(exec_properties[keys.SPLITS_KEY]),
            input_splits=json.loads(input_splits) if input_splits else None,
            label_feature=exec_properties[keys.LABEL_FEATURE_KEY],
            seed=int(exec_properties.get(keys.SEED_KEY) or 0),
            group_feature=exec_properties.get(keys.GROUP_FEATURE_KEY) or None,
        )

    def read_splits(self, examples, config):
        return artifacts.resolve_splits(examples, config.input_splits, 'input_splits')

    def passthrough_splits(self, examples, config, read):
        return []  # every input example goes to one of the output splits

    def output_splits(self, examples, config, read):
        return list(config.splits)

    def describe(self, config, read, passthrough):
        group = f', group_feature {config.group_feature!r}' if config.group_feature else ''
        return (
            f'reading split(s) {read}, label {config.label_feature!r}, splits '
            f'{dict(config.splits)}, seed {config.seed}{group}.'
        )

    def expand(self, pipeline, examples, output, config, read, passthrough):
        result = SplitOutputs(
            pipeline
            | 'StratifiedSplit'
            >> StratifiedSplit(
                batches_source=lambda: artifacts.ReadSplitBatches(examples, read),
                label_feature=config.label_feature,
                splits=config.splits,
                seed=config.seed,
                group_feature=config.group_feature,
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
        return result.counts

    def summary(self, report, config) -> str:
        return format_count_table(report, list(config.splits))
