"""BalancedInputGen: lay splits out per class so the Trainer can read exactly balanced batches."""

from __future__ import annotations

from typing import Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance import keys
from tfx_balance.balanced_input_gen import executor
from tfx_balance.channels import check_channel
from tfx_balance.core.balanced_input_gen import LayoutConfig
from tfx_balance.core.errors import ConfigError
from tfx_balance.parameters import documented, execution_parameters


class BalancedInputGenSpec(ComponentSpec):
    PARAMETERS = execution_parameters(LayoutConfig)
    INPUTS = {
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        keys.AUGMENTED_EXAMPLES_KEY: ChannelParameter(
            type=standard_artifacts.Examples, optional=True
        ),
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

    Each split in ``splits`` is written as gzipped TFRecord shards
    ``Split-<name>/class-<index>-<name>-<shard>-of-<shards>.gz`` (any TFX component still reads
    the split as a whole); the other splits are copied unchanged. ``balance_plan.json`` in the
    artifact folder records per split the classes, counts, files per class, the class weights
    ``n / (K * n_c)`` and the output-bias initialiser ``log(n_c / n)``. Shard membership and order
    are a seeded hash of each example's content: the same on any runner, input order, retry or
    re-run of the components upstream.

    Multi-label (``multi_label='ids'`` or ``'multi_hot'``): each split is laid out per group
    (the example's rarest label) and ``balanced_dataset`` returns a dense int64 multi-hot label in
    the order of ``tfx_balance.label_names(files)``::

        balanced = BalancedInputGen(examples=..., label_feature='tags', multi_label='ids',
                                    policy='repeat_factor', repeat_threshold=0.1)

    Over a window of spans (several Examples artifacts, e.g. a Resolver with
    ``PreviousSpanStrategy``, ``config={'num_spans': 3, 'skip_newest': False}``, the newest
    artifact of each span; every one with the same splits; a span given twice, as TFX's
    SpanRangeStrategy gives a re-run span, is laid out twice and named in a logged warning),
    each laid-out split is the union of every span's split,
    laid out as one: each example of each span once, one plan of the union, so
    ``balanced_dataset`` is exact over the window. A passed-through split holds every span's
    files, and the output takes the latest span's span and version. Each run lays the whole
    window out again; for a daily cost that does not grow with the window, lay out each span
    once (one BalancedInputGen on the run's span) and give the Trainer a Resolver's window of
    those outputs (``balanced_dataset`` merges their plans): docs/balanced_input_gen.md.

    When ``examples`` were derived from a BalancedAugmenter's output (e.g. through Transform),
    pass that output as ``augmented_examples``: its ``rebalance_plan.json`` gives each laid-out
    split's class counts before augmentation, recorded as ``data_counts`` in ``balance_plan.json``
    for ``tfx_balance.prior_correction`` (the served model's ``probabilities``). Examples that
    are the augmenter's own output (no Transform between) give them without it::

        balanced = BalancedInputGen(examples=transform.outputs['transformed_examples'],
                                    augmented_examples=augmenter.outputs['examples'],
                                    label_feature='label')

    Outputs:
      examples: Examples artifact with every input split; ``splits`` laid out per class; the
        span and version of the input (of a window, its latest span's).
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
    ):
        """Args:
        examples: Examples channel (tf.Example payload), raw or transformed; one artifact or a
          window of spans (a Resolver's), laid out as their union.
        augmented_examples: optional BalancedAugmenter output ``examples`` were derived from;
          its class counts before augmentation are recorded as the data's (``data_counts``).
          Over a window: the augmenter outputs of the same spans, their counts summed.
          Per-class layouts only (a ConfigError with multi_label: the augmenter counts its own
          single label, not label sets).
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
        check_channel(BalancedInputGenSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            BalancedInputGenSpec,
            keys.AUGMENTED_EXAMPLES_KEY,
            'augmented_examples',
            augmented_examples,
        )
        spec = BalancedInputGenSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            augmented_examples=augmented_examples,
            examples=types.Channel(type=standard_artifacts.Examples),
        )
        super().__init__(spec=spec)
