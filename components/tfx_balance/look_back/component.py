"""LookBack: the first task of a periodic run; pins the history every later task reads."""

from __future__ import annotations

from typing import Mapping

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance.base.artifacts.history import SpanHistory
from tfx_balance.base.parameters import documented, execution_parameters
from tfx_balance.core.common import keys
from tfx_balance.core.history import (
    DEFAULT_HORIZON,
    DEFAULT_LATENESS,
    DEFAULT_WINDOW,
    HistoryConfig,
)
from tfx_balance.look_back import executor


class LookBackSpec(ComponentSpec):
    PARAMETERS = execution_parameters(HistoryConfig)
    INPUTS = {}
    OUTPUTS = {
        keys.HISTORY_KEY: ChannelParameter(type=SpanHistory),
        keys.MODEL_KEY: ChannelParameter(type=standard_artifacts.Model),
    }


class LookBack(base_component.BaseComponent):
    """Reads the newest generation of the history and hands it to the run, with the latest
    blessed model. ``tfx_balance.periodic`` adds it; docs/continuous_training.md.

    Example::

        look_back = LookBack(history_root='gs://bucket/history/taxi', identity={...})
        splitter = StratifiedSplitter(..., history=look_back.outputs['history'])

    Outputs:
      history: SpanHistory, ``history.json``: the generation this run reads and commits after.
      model: Model, a copy of the latest blessed model; empty before the first blessing.
    """

    SPEC_CLASS = LookBackSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    @documented(HistoryConfig)
    def __init__(
        self,
        history_root: str,
        identity: Mapping,
        horizon: int = DEFAULT_HORIZON,
        window: int = DEFAULT_WINDOW,
        lateness: int = DEFAULT_LATENESS,
    ):
        """Args:
        {arguments}

        Raises:
          ConfigError: an argument is invalid (the message names it), when the pipeline is built.
        """
        config = HistoryConfig.from_call(locals()).validate()
        super().__init__(
            spec=LookBackSpec(
                **config.to_exec_properties(),
                **{
                    keys.HISTORY_KEY: types.Channel(type=SpanHistory),
                    keys.MODEL_KEY: types.Channel(type=standard_artifacts.Model),
                },
            )
        )
