"""BalancedAugmenter executor: rebalances splits of an Examples artifact, passes the rest."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict

import apache_beam as beam
from tfx.components.util import udf_utils

from tfx_balance import artifacts, keys
from tfx_balance.core import augment
from tfx_balance.core.augment import AugmentConfig, BalancedAugment
from tfx_balance.core.balance_plan import PLAN_COLUMNS
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.labels import format_count_table
from tfx_balance.examples_executor import ExamplesExecutor


def load_augment_fn(exec_properties: Dict[str, Any]):
    """The user ``augment_fn`` from ``module_file``/``module_path``, or None if neither is set."""
    module = exec_properties.get(keys.MODULE_PATH_KEY) or exec_properties.get(keys.MODULE_FILE_KEY)
    if not module:
        return None
    props = {
        keys.MODULE_FILE_KEY: exec_properties.get(keys.MODULE_FILE_KEY),
        keys.MODULE_PATH_KEY: exec_properties.get(keys.MODULE_PATH_KEY),
    }
    try:
        fn = udf_utils.get_fn(props, keys.AUGMENT_FN_KEY)
    except AttributeError as e:
        raise ConfigError(
            f'module_file {module!r} does not define {keys.AUGMENT_FN_KEY}; define '
            f'`def {keys.AUGMENT_FN_KEY}(features, rng): ...` returning the new features.'
        ) from e
    except Exception as e:  # import errors of user code
        raise ConfigError(
            f'module_file {module!r} could not be loaded ({type(e).__name__}: {e}). Fix the '
            'module so it imports.'
        ) from e
    if not callable(fn):
        raise ConfigError(f'{keys.AUGMENT_FN_KEY} in module_file {module!r} is not callable.')
    return fn


def _plan_document(config: AugmentConfig, splits_plans) -> dict:
    return {
        'label_feature': config.label_feature,
        'target': config.target,
        'undersample': config.undersample,
        'augmentation': 'augment_fn' if config.augment_fn else config.augmentation,
        'seed': config.seed,
        'provenance_feature': config.provenance_feature,
        'source_feature': config.source_feature,
        'splits': dict(sorted(splits_plans)),
    }


class Executor(ExamplesExecutor):
    """Rebalances the chosen splits to exact per-class counts; copies the other splits.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload); each rebalanced
        split is read file by file, in batches, with tf.data's C++ reader
        (artifacts.ReadSplitBatches).
      output_dict['examples']: one Examples artifact with every input split: the rebalanced
        ones as gzipped TFRecords in ``Split-<name>/``, the others copied byte-for-byte; and
        ``rebalance_plan.json`` (per split and class: input, target, generated, dropped, output).
      exec_properties:
        label_feature: name of the int64/bytes label feature.
        target: JSON: "max", "mean", an int, or a list of [class, count] pairs.
        undersample: 1 to reduce classes above their target, else 0.
        augmentation: 'copy', 'image', 'numeric' or 'interpolate'.
        augmentation_options: JSON dict of options of the built-in augmentation, or null.
        image_feature: bytes feature with PNG/JPEG data (for 'image').
        module_file / module_path: user module with augment_fn (module_path when TFX packaged
          the module file as a wheel); overrides augmentation.
        splits: JSON list of the split names to rebalance.
        seed: int seed of every random choice.
        provenance_feature: int64 feature added to every example of rebalanced splits.
        source_feature: bytes feature with the source fingerprint on generated examples.
    """

    COMPONENT = 'BalancedAugmenter'
    REPORT_FILE = keys.REBALANCE_PLAN_FILE

    def decode_config(self, exec_properties):
        options = exec_properties.get(keys.AUGMENTATION_OPTIONS_KEY)
        config = AugmentConfig(
            label_feature=exec_properties[keys.LABEL_FEATURE_KEY],
            target=json.loads(exec_properties[keys.TARGET_KEY]),
            undersample=bool(exec_properties.get(keys.UNDERSAMPLE_KEY)),
            augmentation=exec_properties[keys.AUGMENTATION_KEY],
            image_feature=exec_properties.get(keys.IMAGE_FEATURE_KEY) or 'image',
            augment_fn=load_augment_fn(exec_properties),
            seed=int(exec_properties.get(keys.SEED_KEY) or 0),
            provenance_feature=exec_properties[keys.PROVENANCE_FEATURE_KEY],
            source_feature=exec_properties[keys.SOURCE_FEATURE_KEY],
            options=json.loads(options) if options else {},
        ).validate()
        self._splits = json.loads(exec_properties[keys.SPLITS_KEY])
        return config

    def read_splits(self, examples, config):
        return artifacts.resolve_splits(examples, self._splits, 'splits')

    def describe(self, config, read, passthrough):
        return (
            f'rebalancing split(s) {read} (label {config.label_feature!r}, target '
            f'{config.target}, undersample {config.undersample}, augmentation '
            f'{"augment_fn" if config.augment_fn else config.augmentation}, seed {config.seed}); '
            f'passing through {passthrough or "nothing"}.'
        )

    def expand(self, pipeline, examples, output, config, read, passthrough):
        plans = []
        for split in read:
            result = pipeline | f'Balance[{split}]' >> BalancedAugment(
                batches_source=lambda s=split: artifacts.ReadSplitBatches(examples, [s]),
                config=dataclasses.replace(config, where=f"split '{split}'"),
            )
            _ = result[augment.RECORDS] | f'Write[{split}]' >> artifacts.WriteRecords(
                artifacts.output_split_dir(output, split)
            )
            plans.append(
                result[augment.PLAN]
                | f'PlanOf[{split}]' >> beam.Map(lambda rows, s=split: (s, rows))
            )
        return (
            plans
            | 'AllPlans' >> beam.Flatten()
            | 'PlansToList' >> beam.combiners.ToList()
            | 'PlanDocument' >> beam.Map(lambda p: _plan_document(config, p))
        )

    def summary(self, report, config) -> str:
        return '\n'.join(
            f"split '{split}':\n{format_count_table(rows, PLAN_COLUMNS)}"
            for split, rows in report['splits'].items()
        )
