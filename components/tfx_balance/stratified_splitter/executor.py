"""StratifiedSplitter executor: reads an Examples artifact, writes exactly stratified splits."""

from __future__ import annotations

import os
from typing import Any, Dict, List

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from tfx_balance import artifacts, keys
from tfx_balance.core.labels import format_count_table
from tfx_balance.core.records import read_file_batches
from tfx_balance.core.split_config import SplitConfig
from tfx_balance.core.stratified_split import SplitOutputs, StratifiedSplit


@beam.ptransform_fn
def ReadNamedSplitBatches(pipeline, examples, splits):  # noqa: N802
    """Reads ``splits`` of ``examples`` as ``("split '<name>'", serialized records)`` batches
    (:func:`~tfx_balance.core.records.read_file_batches`, files spread over the workers), so that
    data errors name the split an example came from."""
    files = [
        (f"split '{split}'", path)
        for split in splits
        for path in artifacts.check_split_files(examples, split)
    ]
    return (
        pipeline
        | 'Files' >> beam.Create(files)
        | 'SpreadFiles' >> beam.Reshuffle()
        | 'ReadBatches'
        >> beam.FlatMapTuple(lambda where, path: ((where, b) for b in read_file_batches(path)))
    )


class Executor(base_beam_executor.BaseBeamExecutor):
    """Splits examples into named splits with exact per-class counts.

    Do(input_dict, output_dict, exec_properties):
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

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        examples = artifact_utils.get_single_instance(input_dict[keys.INPUT_EXAMPLES_KEY])
        output = artifact_utils.get_single_instance(output_dict[keys.EXAMPLES_KEY])
        config = SplitConfig.from_exec_properties(exec_properties)
        splits = config.splits

        artifacts.require_tf_example(examples, 'StratifiedSplitter')
        read_splits = artifacts.resolve_splits(examples, config.input_splits, 'input_splits')
        counts_path = os.path.join(output.uri, keys.SPLIT_COUNTS_FILE)

        logging.info(
            'StratifiedSplitter: reading split(s) %s, label %r, splits %s, seed %d%s.',
            read_splits,
            config.label_feature,
            splits,
            config.seed,
            f', group_feature {config.group_feature!r}' if config.group_feature else '',
        )
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, examples, read_splits
            ) as pipeline:
                result = SplitOutputs(
                    pipeline
                    | 'StratifiedSplit'
                    >> StratifiedSplit(
                        batches_source=lambda: ReadNamedSplitBatches(examples, read_splits),
                        config=config,
                    )
                )
                # The large part streams into Beam's sharded writer; the small ranked part is
                # written per split in one stage. No Flatten: it would buffer the large part.
                for name, records in result.whole.items():
                    _ = records | f'Write[{name}]' >> artifacts.WriteRecords(
                        artifacts.output_split_dir(output, name),
                        prefix=f'{artifacts.RECORD_FILE_PREFIX}-whole',
                    )
                _ = result.ranked | 'WriteRanked' >> artifacts.WriteSmallSplits(
                    output, list(splits), prefix=f'{artifacts.RECORD_FILE_PREFIX}-ranked'
                )
                _ = result.counts | 'WriteCounts' >> artifacts.WriteJson(counts_path)
            artifacts.finish_examples(examples, output, splits)
            counts = artifacts.read_json(counts_path)
            logging.info(
                'StratifiedSplitter per-class counts:\n%s',
                format_count_table(counts, list(splits)),
            )
