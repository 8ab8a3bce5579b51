"""StratifiedSplitter executor: reads an Examples artifact, writes exactly stratified splits."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from tfx_balance import artifacts, keys
from tfx_balance.core import allocation
from tfx_balance.core.labels import format_count_table
from tfx_balance.core.stratified_split import SplitOutputs, StratifiedSplit


def decode_splits(value: str) -> dict:
    """Decodes the ``splits`` property (JSON list of ``[name, weight]`` pairs, order kept)."""
    return allocation.validate_split_weights([tuple(p) for p in json.loads(value)])


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
        splits = decode_splits(exec_properties[keys.SPLITS_KEY])
        input_splits = exec_properties.get(keys.INPUT_SPLITS_KEY)
        input_splits = json.loads(input_splits) if input_splits else None
        label_feature = exec_properties[keys.LABEL_FEATURE_KEY]
        seed = int(exec_properties.get(keys.SEED_KEY) or 0)
        group_feature = exec_properties.get(keys.GROUP_FEATURE_KEY) or None

        artifacts.require_tf_example(examples, 'StratifiedSplitter')
        read_splits = artifacts.resolve_splits(examples, input_splits, 'input_splits')
        counts_path = os.path.join(output.uri, keys.SPLIT_COUNTS_FILE)

        logging.info(
            'StratifiedSplitter: reading split(s) %s, label %r, splits %s, seed %d%s.',
            read_splits,
            label_feature,
            splits,
            seed,
            f', group_feature {group_feature!r}' if group_feature else '',
        )
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, examples, read_splits
            ) as pipeline:
                result = SplitOutputs(
                    pipeline
                    | 'StratifiedSplit'
                    >> StratifiedSplit(
                        batches_source=lambda: artifacts.ReadSplitBatches(examples, read_splits),
                        label_feature=label_feature,
                        splits=splits,
                        seed=seed,
                        group_feature=group_feature,
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
