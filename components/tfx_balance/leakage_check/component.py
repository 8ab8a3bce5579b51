"""LeakageCheck: fail a pipeline whose splits share examples or hold synthetic ones in eval."""

from __future__ import annotations

from typing import Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance import keys
from tfx_balance.channels import check_channel
from tfx_balance.core.leakage_check import DEFAULT_MAX_EXAMPLES, LeakageConfig
from tfx_balance.leakage_check import executor
from tfx_balance.parameters import documented, execution_parameters


class LeakageCheckSpec(ComponentSpec):
    PARAMETERS = execution_parameters(LeakageConfig)
    INPUTS = {
        keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        # earlier runs' anomalies, which hold their key index (one custom-typed artifact fewer:
        # Kubeflow's V2 compiler resolves every custom type by the one title 'tfx.Artifact')
        keys.PREVIOUS_KEY_INDEX_KEY: ChannelParameter(
            type=standard_artifacts.ExampleAnomalies, optional=True
        ),
    }
    OUTPUTS = {keys.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class LeakageCheck(base_beam_component.BaseBeamComponent):
    """Fails the pipeline if an example is in two splits or a synthetic one is outside training.

    Example:
        splitter = StratifiedSplitter(examples=example_gen.outputs['examples'], label_feature='y')
        augmenter = BalancedAugmenter(
            examples=splitter.outputs['examples'], label_feature='y', splits=['train']
        )
        leakage = LeakageCheck(examples=augmenter.outputs['examples'])
        trainer.add_upstream_node(leakage)  # nothing trains on leaking splits

    It reads every example of the checked splits with Beam, streaming (a worker holds one
    bucket of content keys, 8 bytes per example of about 32 MiB of input; the report grows with
    the findings, not with the data), and counts:

    - examples whose content key (the splitter's key of the features, the same for every
      serialization of them; the provenance features are left out) occurs in two or more
      splits: exact duplicates across train/eval/test or across folds, per pair of splits;
    - synthetic examples (``provenance_feature == 1``) outside the training splits;
    - examples repeated inside one split: reported, not leakage;
    - with ``group_feature``: groups (e.g. users or patients) with examples in two or more
      splits, by StratifiedSplitter's rule of what a group is (an id is one group whether stored
      as int64, bytes or float).

    Across spans (docs/leakage_check.md, "Across spans"): each run's ``anomalies`` also hold its
    span's key index; hand it the earlier runs' and today's span only: their splits are pooled
    with today's by split name, and the report and the error name the spans of each finding
    ('u1' in train of span 1 and eval of span 3), at the cost of today's span and 10 bytes per
    earlier example::

        previous = tfx.dsl.Resolver(
            strategy_class=PreviousSpanStrategy,
            config={'num_spans': 7, 'skip_newest': False},
            anomalies=tfx.dsl.Channel(type=ExampleAnomalies,
                                      producer_component_id='LeakageCheck',
                                      output_key='anomalies'),
        ).with_id('previous_key_index')
        LeakageCheck(examples=splitter.outputs['examples'], group_feature='user',
                     previous_key_index=previous.outputs['anomalies'])

    A window of Examples artifacts (a Resolver's, e.g. SpanRangeStrategy) is pooled the same
    way, reading every example of every span.

    Outputs:
      anomalies: ExampleAnomalies artifact with ``leakage.json`` and ``leakage.md`` (counts per
        split pair, up to ``max_examples`` fingerprints per finding), a TFDV ``Anomalies`` per
        split (``Split-<name>/SchemaDiff.pb``, dataset-level reasons) and the custom property
        ``blessed`` (split -> 1/0); and the key index of the examples read (``keys-*.gz``,
        ``groups-*.gz``, ``key_index.json``): the ``previous_key_index`` of later runs.

    A finding that is not allowed raises ``LeakageError`` (failing the component, so nothing
    downstream runs); its message names the splits, counts, fingerprints and fixes.
    """

    SPEC_CLASS = LeakageCheckSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    @documented(LeakageConfig)
    def __init__(
        self,
        examples: types.BaseChannel,
        training_splits: Sequence[str] | None = None,
        allow_duplicates: bool = False,
        allow_synthetic_outside: bool = False,
        splits: Sequence[str] | None = None,
        provenance_feature: str = keys.DEFAULT_PROVENANCE_FEATURE,
        source_feature: str = keys.DEFAULT_SOURCE_FEATURE,
        max_examples: int = DEFAULT_MAX_EXAMPLES,
        group_feature: str | None = None,
        previous_key_index: types.BaseChannel | None = None,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), e.g. StratifiedSplitter's or
          BalancedAugmenter's ``outputs['examples']``, or a Resolver's window of spans.
        {arguments}
        previous_key_index: optional channel of earlier LeakageCheck runs' ``anomalies`` (a
          Resolver's window), whose key indexes are pooled with ``examples`` by split name.

        Raises:
          ConfigError: an argument is invalid (the message names it), when the pipeline is built.
        """
        check_channel(LeakageCheckSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        check_channel(
            LeakageCheckSpec, keys.PREVIOUS_KEY_INDEX_KEY, 'previous_key_index', previous_key_index
        )
        config = LeakageConfig.from_call(locals()).validate()
        spec = LeakageCheckSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            previous_key_index=previous_key_index,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
        )
        super().__init__(spec=spec)
