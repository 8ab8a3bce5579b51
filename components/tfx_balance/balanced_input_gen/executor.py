"""BalancedInputGen executor: writes chosen splits as per-class shards plus the balance plan."""

from __future__ import annotations

from typing import Dict

import apache_beam as beam

from tfx_balance import artifacts
from tfx_balance.core.balanced_input import (
    COMPONENT,
    PLAN_FILE,
    BalancedLayout,
    LayoutConfig,
    LayoutPlan,
    plans_to_json,
)
from tfx_balance.core.labels import format_count_table
from tfx_balance.core.records import unbatch
from tfx_balance.examples_executor import ExamplesExecutor


def plan_table(doc: dict) -> str:
    """The per-class count table of every laid-out split in a ``balance_plan.json`` document."""
    splits = list(doc['splits'])
    rows: Dict[str, Dict[str, int]] = {}
    for split in splits:
        plan = LayoutPlan.from_json(split, doc['splits'][split])
        for name, count in zip(plan.classes, plan.counts):
            rows.setdefault(name, {})[split] = count
    return format_count_table(rows, splits)


class Executor(ExamplesExecutor):
    """Lays the chosen splits out per class and writes ``balance_plan.json``.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload); each laid-out
        split is read file by file with tf.data's C++ reader (artifacts.ReadSplitBatches).
      output_dict['examples']: one Examples artifact; every input split, the ``splits`` ones as
        ``Split-<name>/class-<index>-<name>-<shard>-of-<shards>.gz`` gzipped TFRecords, the
        others copied unchanged; plus ``balance_plan.json`` at the artifact root.
      exec_properties:
        label_feature: name of the int64/bytes label feature.
        splits: JSON list of the split names to lay out per class.
        seed: int seed of the hash ordering examples inside the shards.
        examples_per_shard: int, about the most examples per class shard.
    """

    COMPONENT = COMPONENT
    REPORT_FILE = PLAN_FILE

    def decode_config(self, exec_properties) -> LayoutConfig:
        return LayoutConfig.from_exec_properties(exec_properties)

    def describe(self, config, read, passthrough):
        return (
            f'laying out split(s) {read} per class by label {config.label_feature!r} (seed '
            f'{config.seed}, about {config.examples_per_shard} examples per shard); passing '
            f'through {passthrough or "nothing"}.'
        )

    def expand(self, pipeline, examples, output, config, read, passthrough):
        plans = [
            pipeline
            | f'Read[{split}]' >> artifacts.ReadSplitBatches(examples, [split])
            | f'Unbatch[{split}]' >> beam.FlatMap(unbatch)
            | f'Layout[{split}]'
            >> BalancedLayout(artifacts.output_split_dir(output, split), split, config=config)
            for split in read
        ]
        return self.report_of_parts(plans, plans_to_json, passthrough)

    def summary(self, report, config) -> str:
        return plan_table(report)
