"""LookBack executor: pins the newest history generation and copies the latest blessed model."""

from __future__ import annotations

from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from tfx_balance.base.artifacts.history import PinnedHistory, write_pinned
from tfx_balance.core import history
from tfx_balance.core.common import keys


class Executor(base_executor.BaseExecutor):
    """Do(input_dict, output_dict, exec_properties):
    output_dict['history']: SpanHistory; receives ``history.json``, the generation read.
    output_dict['model']: Model; a copy of the latest blessed model (empty before one).
    exec_properties: HistoryConfig's (core/history.py).
    """

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        config = history.HistoryConfig.from_exec_properties(exec_properties)
        history.check_root(config.history_root)  # before any other task runs
        index = history.read_index(config.history_root, config.identity)
        pinned = PinnedHistory(index, config.horizon, config.window, config.lateness)
        write_pinned(artifact_utils.get_single_instance(output_dict[keys.HISTORY_KEY]), pinned)
        model = index.latest_model()
        if model is not None:
            ((_, source),) = history.records_named(index, [model], 'model')
            target = artifact_utils.get_single_instance(output_dict[keys.MODEL_KEY]).uri
            history.copy_tree(source, target)
        logging.info(
            'LookBack: history %s, generation %d: spans %s; latest blessed model: %s.',
            config.history_root,
            index.generation,
            [r.span for r in index.records] or 'none yet',
            f'span {model.span}' if model else 'none (a first run starts from scratch)',
        )
