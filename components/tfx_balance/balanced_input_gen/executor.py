"""BalancedInputGen executor: writes chosen splits as per-class shards plus the balance plan."""

from __future__ import annotations

import os
from typing import Any, Dict, List

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from tfx_balance import artifacts, keys
from tfx_balance.core.balanced_input import (
    PLAN_FILE,
    BalancedLayout,
    LayoutConfig,
    LayoutPlan,
    plans_to_json,
)
from tfx_balance.core.labels import format_count_table


def plan_table(doc: dict) -> str:
    """The per-class count table of every laid-out split in a ``balance_plan.json`` document."""
    splits = list(doc['splits'])
    rows: Dict[str, Dict[str, int]] = {}
    for split in splits:
        plan = LayoutPlan.from_json(split, doc['splits'][split])
        for name, count in zip(plan.classes, plan.counts):
            rows.setdefault(name, {})[split] = count
    return format_count_table(rows, splits)


class Executor(base_beam_executor.BaseBeamExecutor):
    """Lays the chosen splits out per class and writes ``balance_plan.json``.

    Do(input_dict, output_dict, exec_properties):
      input_dict['input_examples']: one Examples artifact (tf.Example payload).
      output_dict['examples']: one Examples artifact; every input split, the ``splits`` ones as
        ``Split-<name>/class-<index>-<name>-<shard>-of-<shards>.gz`` gzipped TFRecords, the
        others copied unchanged; plus ``balance_plan.json`` at the artifact root.
      exec_properties:
        label_feature: name of the int64/bytes label feature.
        splits: JSON list of the split names to lay out per class.
        seed: int seed of the hash ordering examples inside the shards.
        examples_per_shard: int, about the most examples per class shard.
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
        config = LayoutConfig.from_exec_properties(exec_properties)

        artifacts.require_tf_example(examples, 'BalancedInputGen')
        all_splits = artifacts.split_names(examples)
        splits = artifacts.resolve_splits(examples, list(config.splits), 'splits')
        for split in splits:
            artifacts.check_split_files(examples, split)
        passthrough = [s for s in all_splits if s not in splits]
        plan_path = os.path.join(output.uri, PLAN_FILE)

        logging.info(
            'BalancedInputGen: laying out split(s) %s per class by label %r (seed %d, about %d '
            'examples per shard); passing through %s.',
            splits,
            config.label_feature,
            config.seed,
            config.examples_per_shard,
            passthrough or 'nothing',
        )
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, examples, splits
            ) as pipeline:
                plans = [
                    pipeline
                    | f'Read[{split}]'
                    >> artifacts.ReadSplits(examples, [split], 'BalancedInputGen')
                    | f'Layout[{split}]'
                    >> BalancedLayout(
                        artifacts.output_split_dir(output, split), split, config=config
                    )
                    for split in splits
                ]
                _ = (
                    plans
                    | 'AllPlans' >> beam.Flatten()
                    | 'PlansToList' >> beam.combiners.ToList()
                    | 'PlanJson' >> beam.Map(plans_to_json, passthrough)
                    | 'WritePlan' >> artifacts.WriteJson(plan_path)
                )
            for split in passthrough:
                artifacts.copy_split(examples, split, output)
            artifacts.finish_examples(examples, output, all_splits)
            doc = artifacts.read_json(plan_path)
            logging.info('BalancedInputGen per-class counts:\n%s', plan_table(doc))
