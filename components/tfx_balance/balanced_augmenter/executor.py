"""BalancedAugmenter executor: rebalances splits of an Examples artifact, passes the rest."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, List

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.components.util import udf_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from tfx_balance import artifacts, keys
from tfx_balance.core.augment import PLAN, PLAN_COLUMNS, RECORDS, AugmentConfig, BalancedAugment
from tfx_balance.core.augment.targets import encode_target
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.labels import format_count_table


def load_augment_fn(module_file: str | None, module_path: str | None):
    """The user ``augment_fn`` of ``module_file``/``module_path`` (TFX's module loading)."""
    module = module_path or module_file
    props = {keys.MODULE_FILE_KEY: module_file, keys.MODULE_PATH_KEY: module_path}
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
        'target': json.loads(encode_target(config.target)),
        'undersample': config.undersample,
        'augmentation': config.augmentation_name,
        'seed': config.seed,
        'provenance_feature': config.provenance_feature,
        'source_feature': config.source_feature,
        'splits': dict(sorted(splits_plans)),
    }


class Executor(base_beam_executor.BaseBeamExecutor):
    """Rebalances the chosen splits to exact per-class counts; copies the other splits.

    Do(input_dict, output_dict, exec_properties):
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

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        examples = artifact_utils.get_single_instance(input_dict[keys.INPUT_EXAMPLES_KEY])
        output = artifact_utils.get_single_instance(output_dict[keys.EXAMPLES_KEY])
        artifacts.require_tf_example(examples, 'BalancedAugmenter')
        config = AugmentConfig.from_exec_properties(exec_properties, load_augment_fn)
        splits = artifacts.resolve_splits(examples, list(config.splits), 'splits')
        all_splits = artifacts.split_names(examples)
        for split in splits:
            artifacts.check_split_files(examples, split)
        plan_path = os.path.join(output.uri, keys.REBALANCE_PLAN_FILE)
        logging.info(
            'BalancedAugmenter: rebalancing split(s) %s of %s (label %r, target %s, '
            'undersample %s, augmentation %s, seed %d).',
            splits,
            all_splits,
            config.label_feature,
            config.target,
            config.undersample,
            config.augmentation_name,
            config.seed,
        )
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, examples, splits
            ) as pipeline:
                plans = []
                for split in splits:
                    result = pipeline | f'Balance[{split}]' >> BalancedAugment(
                        batches_source=lambda s=split: artifacts.ReadSplitBatches(examples, [s]),
                        config=dataclasses.replace(config, where=f"split '{split}'"),
                    )
                    _ = result[RECORDS] | f'Write[{split}]' >> artifacts.WriteRecords(
                        artifacts.output_split_dir(output, split)
                    )
                    plans.append(
                        result[PLAN]
                        | f'PlanOf[{split}]' >> beam.Map(lambda rows, s=split: (s, rows))
                    )
                _ = (
                    plans
                    | 'AllPlans' >> beam.Flatten()
                    | 'PlansToList' >> beam.combiners.ToList()
                    | 'PlanDocument' >> beam.Map(lambda p: _plan_document(config, p))
                    | 'WritePlan' >> artifacts.WriteJson(plan_path)
                )
            for split in all_splits:
                if split not in splits:
                    artifacts.copy_split(examples, split, output)
            artifacts.finish_examples(examples, output, all_splits)
        document = artifacts.read_json(plan_path)
        for split, rows in document['splits'].items():
            logging.info(
                "BalancedAugmenter plan for split '%s':\n%s",
                split,
                format_count_table(rows, PLAN_COLUMNS),
            )
