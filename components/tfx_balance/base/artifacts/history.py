"""What a run leaves for later runs, as TFX artifacts: the splitter's ``SplitAssignments``, and
the periodic history's ``SpanHistory`` (core/history.py) that LookBack pins, whose earlier
spans' outputs become the artifacts each component would get from a Resolver's window.

Example (in an executor; without a ``history`` input, the Resolver's window as given)::

    previous = earlier_inputs(
        input_dict, 'previous_assignments', 'assignments', SplitAssignments, examples
    )
"""

from __future__ import annotations

import dataclasses
import os
from typing import List

from tfx.types import artifact, artifact_utils

from tfx_balance.base.artifacts import spans
from tfx_balance.base.artifacts.splits import split_folders
from tfx_balance.core import history
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.json_files import read_json, write_json

HISTORY_FILE = 'history.json'


class SplitAssignments(artifact.Artifact):
    """Every unit's split in one span: ``assignments-*.gz`` (key and split index) and
    ``assignments.json``; span and version as custom properties."""

    TYPE_NAME = 'tfx_balance.SplitAssignments'  # span, version: custom properties, as
    # ExampleGen writes them (declared properties of a custom type fail Kubeflow's compiler)


class SpanHistory(artifact.Artifact):
    """One generation of a periodic pipeline's history, pinned for one run: ``history.json``
    (the root, the generation's records, the horizon and the window). Written by LookBack."""

    TYPE_NAME = 'tfx_balance.SpanHistory'


@dataclasses.dataclass(frozen=True)
class PinnedHistory:
    """The generation a run reads, and how far it looks back."""

    index: history.HistoryIndex
    horizon: int  # spans whose assignments the splitter keeps
    window: int  # spans LeakageCheck and the training window read (this run's among them)
    lateness: int  # how many newer spans a late span may follow (what the history keeps)

    @property
    def keep(self) -> int:
        """How many of the newest spans a commit keeps (``history.spans_kept``)."""
        return history.spans_kept(self.horizon, self.window, self.lateness)

    def records(self, output: str, span: int) -> List[history.Record]:
        """The other spans whose ``output`` this run reads: for the units' splits and their
        check, the spans on both sides of ``span`` (a late or re-run span meets later spans
        that ran without it): assignments of ``horizon`` spans and ``span``'s own earlier run,
        key indexes of ``window - 1``. Training looks back only: layouts of ``window - 1``
        spans, statistics of the last accepted span."""
        if output == 'assignments':
            self.index.check_kept(span, self.horizon, self.lateness)
            return self.index.around(span, self.horizon, including=True)
        if output == 'key_index':
            return self.index.around(span, self.window - 1)
        if output == 'statistics':
            return self.index.before(span, 1)
        if output == 'layout':
            return self.index.before(span, self.window - 1)
        raise ValueError(f'no window of {output!r}')

    def artifacts(self, output: str, artifact_type, span: int | None) -> list:
        """The earlier spans' ``output`` as ``artifact_type`` artifacts (uri, span), oldest
        first: what a Resolver's window would hand over."""
        if span is None:
            raise ConfigError(
                f'The history at {self.index.root} is read by span, but this input has none: a '
                "periodic pipeline's ExampleGen must ingest spans (input_config pattern "
                "'span-{SPAN}/...')."
            )
        found = []
        for record_span, uri in history.records_named(
            self.index, self.records(output, span), output
        ):
            value = artifact_type()
            value.uri = uri
            value.set_int_custom_property('span', record_span)
            declared = artifact_type.PROPERTIES or {}
            if 'span' in declared:
                value.span = record_span
            if 'split_names' in declared:
                value.split_names = artifact_utils.encode_split_names(list(split_folders(uri)))
            found.append(value)
        return found


def write_pinned(output, pinned: PinnedHistory) -> None:
    write_json(
        os.path.join(output.uri, HISTORY_FILE),
        {
            'root': pinned.index.root,
            'horizon': pinned.horizon,
            'window': pinned.window,
            'lateness': pinned.lateness,
            'index': pinned.index.to_json(),
        },
    )


def pinned_history(value) -> PinnedHistory | None:
    """The ``PinnedHistory`` of an executor's ``history`` input, or None when it is absent."""
    if not value:
        return None
    path = os.path.join(artifact_utils.get_single_instance(list(value)).uri, HISTORY_FILE)
    found = read_json(path)
    index = history.HistoryIndex.from_json(found['root'], found['index'], path)
    return PinnedHistory(index, int(found['horizon']), int(found['window']), int(found['lateness']))


def earlier_inputs(input_dict, key: str, output: str, artifact_type, this_span) -> list:
    """``input_dict[key]`` (a Resolver's window), or, with a ``history`` input, the history's
    ``output`` of the spans ``PinnedHistory.records`` names for ``this_span``'s span."""
    given = list(input_dict.get(key) or [])
    pinned = pinned_history(input_dict.get(keys.HISTORY_KEY))
    if pinned is None:
        return given
    if given:
        raise ConfigError(
            f'{key} and history are both given: the history names the earlier spans. Drop '
            f'{key} (and its Resolver) from the pipeline.'
        )
    return pinned.artifacts(output, artifact_type, spans.span_of(spans.latest(this_span)))
