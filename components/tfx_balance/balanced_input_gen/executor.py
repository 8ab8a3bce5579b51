"""BalancedInputGen executor: writes chosen splits as per-class shards plus the balance plan."""

from __future__ import annotations

import os
from typing import Dict

import apache_beam as beam
from tfx.types import artifact_utils

from tfx_balance import artifacts, keys
from tfx_balance.core.balanced_input_gen import (
    COMPONENT,
    PLAN_FILE,
    BalancedLayout,
    LayoutConfig,
    LayoutPlan,
    plans_to_json,
)
from tfx_balance.core.balanced_input_gen.plan_io import plan_from_json, plan_summary
from tfx_balance.core.errors import DataError
from tfx_balance.core.json_files import read_json
from tfx_balance.core.labels import format_count_table
from tfx_balance.core.records import unbatch
from tfx_balance.examples_executor import ExamplesExecutor


def plan_table(doc: dict) -> str:
    """The per-class count table of every laid-out split in a ``balance_plan.json`` document
    (multi-label splits: per label and per group, ``plan_summary``)."""
    multi = [s for s, obj in doc['splits'].items() if 'multi_label' in obj]
    if multi:
        return '\n\n'.join(plan_summary(plan_from_json(s, doc['splits'][s])) for s in multi)
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
        multi_label: absent (one label per example), 'ids' or 'multi_hot': lay out per group
          (the example's rarest label) instead of per class.
        policy: with multi_label, 'floored_label_balanced' (default), 'label_balanced' or
          'repeat_factor' (the group draws).
        repeat_threshold: with multi_label, the repeat-factor threshold t in (0, 1].
      input_dict['augmented_examples'] (optional): the BalancedAugmenter output the input was
        derived from; per laid-out split, the 'input' counts of its rebalance_plan.json are
        recorded as the split's data_counts.
    """

    COMPONENT = COMPONENT
    REPORT_FILE = PLAN_FILE

    _data_counts: Dict[str, Dict[str, int]] = {}

    def Do(self, input_dict, output_dict, exec_properties) -> None:  # noqa: N802 (TFX API)
        self._data_counts = data_counts_of(input_dict.get(keys.AUGMENTED_EXAMPLES_KEY) or [])
        super().Do(input_dict, output_dict, exec_properties)

    def decode_config(self, exec_properties) -> LayoutConfig:
        return LayoutConfig.from_exec_properties(exec_properties)

    def describe(self, config, read, passthrough):
        if config.multi_label:
            return (
                f'laying out split(s) {read} per group (rarest label) by multi-label '
                f'{config.label_feature!r} ({config.multi_label}, policy {config.policy!r}, '
                f't={config.repeat_threshold:g}, seed {config.seed}); passing through '
                f'{passthrough or "nothing"}.'
            )
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
        missing = [split for split in read if self._data_counts and split not in self._data_counts]
        if missing:
            raise DataError(
                f'augmented_examples has no rebalance plan of split(s) {missing} (it has '
                f'{sorted(self._data_counts)}); pass the BalancedAugmenter output the laid-out '
                'splits were derived from, or leave augmented_examples out.'
            )
        return self.report_of_parts(plans, plans_to_json, passthrough, self._data_counts)

    def summary(self, report, config) -> str:
        return plan_table(report)


def data_counts_of(augmented) -> Dict[str, Dict[str, int]]:
    """``{split: {class: count before augmentation}}`` from a BalancedAugmenter output's
    ``rebalance_plan.json`` (``{}`` without one)."""
    if not augmented:
        return {}
    uri = artifact_utils.get_single_instance(list(augmented)).uri
    path = os.path.join(uri, keys.REBALANCE_PLAN_FILE)
    import tensorflow as tf

    if not tf.io.gfile.exists(path):
        raise DataError(
            f'augmented_examples ({uri}) has no {keys.REBALANCE_PLAN_FILE}: it is not a '
            'BalancedAugmenter output. Pass BalancedAugmenter(...).outputs["examples"].'
        )
    plan = read_json(path)
    return {
        split: {name: int(row['input']) for name, row in per_class.items()}
        for split, per_class in plan.get('splits', {}).items()
    }
