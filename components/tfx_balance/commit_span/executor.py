"""CommitSpan executor: copies a run's small outputs into the history and creates the next
generation of its index (core/history.py ``commit``)."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from tfx_balance.base import artifacts
from tfx_balance.base.artifacts.history import pinned_history, write_pinned
from tfx_balance.core import history
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError

KEY_INDEX_KEY = 'key_index'
LAYOUT_KEY = 'layout'


def _single(input_dict, key: str):
    found = input_dict.get(key) or []
    return artifact_utils.get_single_instance(list(found)) if found else None


def _blessed(blessing) -> bool:
    return blessing is not None and blessing.get_int_custom_property(keys.BLESSED_PROPERTY) == 1


class Executor(base_executor.BaseExecutor):
    """Do(input_dict, output_dict, exec_properties):
    input_dict['history']: LookBack's SpanHistory (the generation this run read).
    input_dict['assignments']: the splitter's SplitAssignments; its span is committed.
    input_dict['statistics'], ['key_index'], ['model']: copied (the model when ``blessing``
      says BLESSED); ['layout']: its URI is recorded, not copied.
    output_dict['committed']: SpanHistory of the new generation.
    """

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        pinned = pinned_history(input_dict[keys.HISTORY_KEY])
        assignments = _single(input_dict, keys.ASSIGNMENTS_KEY)
        span = artifacts.span_of(assignments)
        if span is None:
            raise ConfigError(
                "CommitSpan: the splitter's assignments have no span, so the history cannot "
                "record this run: a periodic pipeline's ExampleGen must ingest spans "
                "(input_config pattern 'span-{SPAN}/...')."
            )
        statistics = _single(input_dict, keys.STATISTICS_KEY)
        key_index = _single(input_dict, KEY_INDEX_KEY)
        layout = _single(input_dict, LAYOUT_KEY)
        model = _single(input_dict, keys.MODEL_KEY)
        blessed = _blessed(_single(input_dict, keys.BLESSING_KEY))
        record = history.Record(
            span=span,
            run=history.new_run(span),
            layout=layout.uri if layout else None,
            layout_sha256=history.layout_sha256(layout.uri) if layout else None,
        )
        index = history.commit(
            pinned.index,
            record,
            {
                'assignments': assignments.uri,
                'statistics': statistics.uri if statistics else None,
                'key_index': key_index.uri if key_index else None,
                'model': model.uri if model is not None and blessed else None,
            },
            keep=pinned.keep,
        )
        write_pinned(
            artifact_utils.get_single_instance(output_dict['committed']),
            dataclasses.replace(pinned, index=index),
        )
        logging.info(
            'CommitSpan: span %d committed as generation %d of %s (%s).',
            span,
            index.generation,
            pinned.index.root,
            'with its blessed model' if blessed else 'no blessed model',
        )
