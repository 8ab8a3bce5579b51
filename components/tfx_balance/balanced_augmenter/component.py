"""BalancedAugmenter: rebalance splits to exact per-class counts with augmented examples."""

from __future__ import annotations

import importlib.util
from typing import Mapping, Sequence

from tfx import types
from tfx.components.util import udf_utils
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.balanced_augmenter import executor
from tfx_balance.base.channels import check_channel
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.balanced_augmenter import AugmentConfig
from tfx_balance.core.common import keys


class BalancedAugmenterSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(AugmentConfig)
    INPUTS = {keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
    OUTPUTS = {keys.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class BalancedAugmenter(base_beam_component.BaseBeamComponent):
    """Rebalances splits to exact per-class counts, marking generated examples.

    Example:
        augmenter = BalancedAugmenter(
            examples=splitter.outputs['examples'],
            label_feature='label',
            target='max',          # 'max' | 'mean' | int N | {class: count}
            augmentation='smote',  # 'copy' | 'image' | 'numeric' | 'interpolate' | 'smote'
        )
        trainer = Trainer(examples=augmenter.outputs['examples'], ...)

    Rules (counts, provenance, augmentations, the plan): docs/balanced_augmenter.md.

    Outputs:
      examples: Examples artifact with every input split (rebalanced or passed through).
    """

    SPEC_CLASS = BalancedAugmenterSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(AugmentConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        label_feature: str,
        target: str | int | Mapping = 'max',
        undersample: bool = False,
        augmentation: str = 'copy',
        image_feature: str = 'image',
        module_file: str | None = None,
        splits: Sequence[str] = ('train',),
        seed: int = 0,
        provenance_feature: str = keys.DEFAULT_PROVENANCE_FEATURE,
        source_feature: str = keys.DEFAULT_SOURCE_FEATURE,
        augmentation_options: Mapping | None = None,
        keep_features: Sequence[str] = (),
        partner_feature: str = keys.DEFAULT_PARTNER_FEATURE,
        html_report: bool = True,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), e.g. from StratifiedSplitter.
        {arguments}
        """
        config = AugmentConfig.from_call(
            locals(), options=dict(augmentation_options or {})
        ).validate()
        check_channel(BalancedAugmenterSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        spec = BalancedAugmenterSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            examples=types.Channel(type=standard_artifacts.Examples),
            html_report=html_report,
        )
        super().__init__(spec=spec)
        if module_file and _can_package_user_modules():
            # As TFX's Trainer: the module file becomes a wheel, the executor gets `module_path`.
            udf_utils.add_user_module_dependency(self, keys.MODULE_FILE_KEY, keys.MODULE_PATH_KEY)


def _can_package_user_modules() -> bool:
    """Whether TFX can package ``module_file`` as a wheel (pip installs it at run time)."""
    return udf_utils.should_package_user_modules() and (importlib.util.find_spec('pip') is not None)
