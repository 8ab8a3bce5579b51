"""StratifiedSplitter: split an Examples artifact with exact, seeded per-class counts."""

from __future__ import annotations

from typing import Mapping, Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.core.split.config import DEFAULT_SPLITS, StratifiedSplitConfig
from tfx_balance.stratified_splitter import executor


class StratifiedSplitterSpec(ComponentSpec):
    PARAMETERS = {
        keys.LABEL_FEATURE_KEY: ExecutionParameter(type=str),
        keys.SPLITS_KEY: ExecutionParameter(type=str),
        keys.SEED_KEY: ExecutionParameter(type=int),
        keys.INPUT_SPLITS_KEY: ExecutionParameter(type=str, optional=True),
        keys.GROUP_FEATURE_KEY: ExecutionParameter(type=str, optional=True),
        keys.FOLDS_KEY: ExecutionParameter(type=str, optional=True),
        keys.HOLDOUT_KEY: ExecutionParameter(type=str, optional=True),
        keys.LABEL_BINS_KEY: ExecutionParameter(type=str, optional=True),
        keys.LABEL_BIN_EDGES_KEY: ExecutionParameter(type=str, optional=True),
        keys.MULTI_LABEL_KEY: ExecutionParameter(type=str, optional=True),
    }
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
        label_feature: the int64 or bytes feature holding the class label.
        splits: ordered mapping of split name to positive weight (or a list of
          ``(name, weight)`` pairs); default ``{'train': 8, 'eval': 1, 'test': 1}``.
        seed: seed of the example hash; another seed gives other members, same counts.
        input_splits: input split names to read and merge; default all of them.
        group_feature: optional feature (e.g. a user id); examples with the same value stay in
          the same split, and counts follow the rule as closely as whole groups allow.
        folds: k >= 2 gives splits ``fold-0 .. fold-<k-1>`` of equal weight (leave ``splits``
          unset), each class's counts by the same rule.
        holdout: with ``folds``, ``{split: fraction}`` held out first, e.g. ``{'test': 0.1}``.
        label_bins: N: stratify a float or int64 label by N quantile bins computed from the data.
        label_bin_edges: or fixed, increasing bin edges, e.g. ``[10.0, 50.0]``.
        multi_label: None (one label per example), ``'ids'`` (the label feature lists 0..n label
          ids or names per example) or ``'multi_hot'`` (a fixed-length int64 0/1 vector; label i
          is position i): every label is stratified at once (docs/stratified_splitter.md,
          "Multi-label").

        Raises:
          ConfigError: an argument is invalid (the message names it), when the pipeline is built.
        """
        check_channel(StratifiedSplitterSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        config = StratifiedSplitConfig(
            label_feature=label_feature,
            splits=dict(DEFAULT_SPLITS) if splits is None and folds is None else splits,
            seed=seed,
            input_splits=input_splits,
            group_feature=group_feature,
            folds=folds,
            holdout=holdout,
            label_bins=label_bins,
            label_bin_edges=label_bin_edges,
            multi_label=multi_label,
        ).validate()
        spec = StratifiedSplitterSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            examples=types.Channel(type=standard_artifacts.Examples),
        )
        super().__init__(spec=spec)
