"""BalancedInputGen: lay splits out per class so the Trainer can read exactly balanced batches."""

from __future__ import annotations

from typing import Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter

from tfx_balance.balanced_input_gen import executor
from tfx_balance.base.artifacts.history import SpanHistory
from tfx_balance.base.channels import check_channel
from tfx_balance.base.html_report import HtmlReportSpec
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.balanced_input_gen import LayoutConfig
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


class BalancedInputGenSpec(HtmlReportSpec):
    PARAMETERS = execution_parameters(LayoutConfig)
    INPUTS = {
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        keys.AUGMENTED_EXAMPLES_KEY: ChannelParameter(
            type=standard_artifacts.Examples, optional=True
        ),
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory, optional=True),
    }
    OUTPUTS = {keys.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class BalancedInputGen(base_beam_component.BaseBeamComponent):
    """Lays splits out as one set of shards per class, for ``balanced_dataset`` in the Trainer.

    Example:
        balanced = BalancedInputGen(
            examples=transform.outputs['transformed_examples'],  # or any Examples artifact
            label_feature='label',
            splits=['train'],
            seed=0,
        )
        trainer = Trainer(examples=balanced.outputs['examples'], module_file=..., ...)

        # in the Trainer module's run_fn:
        train_ds = balanced_dataset(
            fn_args.train_files, label_feature='label', batch_size=64,
            data_accessor=fn_args.data_accessor, schema=schema, seed=0)

    Each split in ``splits`` is written as per-class shards with ``balance_plan.json`` at the
    artifact root; other splits are copied. What is written: docs/balanced_input_gen.md.

    Outputs:
      examples: Examples artifact with every input split, ``splits`` laid out per class.
    """

    SPEC_CLASS = BalancedInputGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(LayoutConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        label_feature: str,
        splits: Sequence[str] = ('train',),
        seed: int = 0,
        examples_per_shard: int | None = None,
        multi_label: str | None = None,
        policy: str | None = None,
        repeat_threshold: float | None = None,
        augmented_examples: types.BaseChannel | None = None,
        history: types.BaseChannel | None = None,
        html_report: bool = True,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), raw or transformed; one artifact or a
          window of spans (a Resolver's), laid out as their union.
        augmented_examples: optional BalancedAugmenter output that ``examples`` were derived from
          (e.g. through Transform): its counts before augmentation go to the prior correction, and
          the classes laid out must be the ones it wrote. Not with ``multi_label``.
        history: a SpanHistory channel (LookBack's): the plan also names the layouts of the
          window's earlier spans. Not with ``multi_label``.
        {arguments}
        """
        config = LayoutConfig.from_call(locals()).validate()
        if config.multi_label and augmented_examples is not None:
            raise ConfigError(
                f'augmented_examples applies to a per-class layout only, not with '
                f'multi_label={config.multi_label!r}: its counts before augmentation are of '
                f"the augmenter's single label, not of the label sets of "
                f"'{config.label_feature}', so the prior correction could not use them. Leave "
                'augmented_examples out and lay out the examples before the augmenter.'
            )
        if config.multi_label and history is not None:
            raise executor.multi_label_history_error(config.multi_label)
        check_channel(BalancedInputGenSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            BalancedInputGenSpec,
            keys.AUGMENTED_EXAMPLES_KEY,
            'augmented_examples',
            augmented_examples,
        )
        check_channel(BalancedInputGenSpec, keys.HISTORY_KEY, 'history', history)
        spec = BalancedInputGenSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            augmented_examples=augmented_examples,
            history=history,
            examples=types.Channel(type=standard_artifacts.Examples),
            html_report=html_report,
        )
        super().__init__(spec=spec)
