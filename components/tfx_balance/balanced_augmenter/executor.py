"""BalancedAugmenter executor: rebalances splits of an Examples artifact, passes the rest."""

from __future__ import annotations

import dataclasses

import apache_beam as beam
from tfx.components.util import udf_utils

from tfx_balance.base import artifacts
from tfx_balance.base.examples_executor import ExamplesExecutor
from tfx_balance.core.balanced_augmenter import (
    PLAN,
    PLAN_COLUMNS,
    RECORDS,
    AugmentConfig,
    BalancedAugment,
)
from tfx_balance.core.balanced_augmenter.plan import plan_document, split_rows
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.labels import format_count_table


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


class Executor(ExamplesExecutor):
    """Rebalances the chosen splits to exact per-class counts; copies the other splits.

    Do(input_dict, output_dict, exec_properties) (see ``ExamplesExecutor``):
      input_dict['input_examples']: one Examples artifact (tf.Example payload).
      output_dict['examples']: one Examples artifact with every input split (rebalanced ones as
        gzipped TFRecords in ``Split-<name>/``) and ``rebalance_plan.json``.
      exec_properties: ``AugmentConfig.to_exec_properties``' form.
    """

    COMPONENT = 'BalancedAugmenter'
    REPORT_FILE = keys.REBALANCE_PLAN_FILE

    def decode_config(self, exec_properties):
        return AugmentConfig.from_exec_properties(exec_properties, load_augment_fn)

    def describe(self, run):
        config, read, passthrough = run.config, run.read, run.passthrough
        return (
            f'rebalancing split(s) {read} (label {config.label_feature!r}, target '
            f'{config.target}, undersample {config.undersample}, augmentation '
            f'{config.augmentation_name}, seed {config.seed}); '
            f'passing through {passthrough or "nothing"}.'
        )

    def expand(self, pipeline, run):
        examples, output, config, read = run.examples, run.output, run.config, run.read
        plans = []
        for split in read:
            result = pipeline | f'Balance[{split}]' >> BalancedAugment(
                batches_source=lambda s=split: artifacts.ReadSplitBatches(examples, [s]),
                config=dataclasses.replace(config, where=f"split '{split}'"),
            )
            _ = result[RECORDS] | f'Write[{split}]' >> artifacts.WriteRecords(
                artifacts.output_split_dir(output, split)
            )
            plans.append(result[PLAN] | f'PlanOf[{split}]' >> beam.Map(split_rows, split))
        return self.report_of_parts(plans, plan_document, config)

    def summary(self, report, config) -> str:
        return '\n'.join(
            f"split '{split}':\n{format_count_table(rows, PLAN_COLUMNS)}"
            for split, rows in report['splits'].items()
        )
