"""StratifiedSplitter: split an Examples artifact with exact, seeded per-class counts."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.parameters import documented, execution_parameters
from tfx_balance.stratified_splitter import executor


class StratifiedSplitterSpec(ComponentSpec):
    PARAMETERS = execution_parameters(StratifiedSplitConfig)
    INPUTS = {keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
    OUTPUTS = {keys.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class StratifiedSplitter(base_beam_component.BaseBeamComponent):
    """Splits examples into named splits with exact, documented per-class counts.

    Example:
        splitter = StratifiedSplitter(
            examples=example_gen.outputs['examples'],
            label_feature='payment_type',
            splits={'train': 8, 'eval': 1, 'test': 1},
            seed=0,
        )
        statistics_gen = StatisticsGen(examples=splitter.outputs['examples'])

    For a class of ``n`` examples and split weights ``w_s`` (``r_s = w_s / sum(w)``), split ``s``
    gets ``floor(n * r_s)`` examples, the leftovers go one each to the splits with the largest
    fractional parts (ties: the split listed earlier), and then the ``min(n, #splits)`` heaviest
    splits (ties: listed earlier) each take one example from the fullest split if they have none.
    Which examples go where is a seeded hash of each example's content (not of its bytes, which
    protobuf may write in another feature order in another run): identical for the same seed on
    any runner, input order, retry or re-run of the ExampleGen upstream. Counts are logged and
    written to ``split_counts.json`` in the output artifact.

    Cross-validation folds and continuous targets (docs/stratified_splitter.md)::

        StratifiedSplitter(examples=..., label_feature='fare', folds=5,
                           holdout={'test': 0.1}, label_bins=10)

    Outputs:
      examples: Examples artifact with one ``Split-<name>`` per entry of ``splits`` (with
        ``folds``: the ``holdout`` splits, then ``fold-0 .. fold-<k-1>``).
    """

    SPEC_CLASS = StratifiedSplitterSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(StratifiedSplitConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        label_feature: str,
        splits: Mapping[str, float] = None,
        seed: int = 0,
        input_splits: Sequence[str] | None = None,
        group_feature: str | None = None,
        folds: int | None = None,
        holdout: Mapping[str, float] | None = None,
        label_bins: int | None = None,
        label_bin_edges: Sequence[float] | None = None,
        multi_label: str | None = None,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), e.g. from an ExampleGen.
        {arguments}

        Raises:
          ConfigError: an argument is invalid (the message names it), when the pipeline is built.
        """
        check_channel(StratifiedSplitterSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        config = StratifiedSplitConfig.from_call(locals()).validate()
        spec = StratifiedSplitterSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            examples=types.Channel(type=standard_artifacts.Examples),
        )
        super().__init__(spec=spec)
