"""``seed_history``: starts a ``tfx_balance.periodic`` history from a running pipeline's earlier
spans (split Examples of any splitter, statistics, key indexes, layouts, latest blessed model),
so that every unit keeps its split. ``outputs_by_span`` and ``latest_blessed_model`` find those
in the MLMD. docs/continuous_training.md, "Moving a running pipeline over".

Example::

    mlmd = tfx.orchestration.metadata.sqlite_metadata_connection_config('/pipeline/metadata.db')
    seed_history(
        components,  # those given to periodic()
        history_root,
        'taxi',
        spans=outputs_by_span(mlmd, 'taxi', 'CsvExampleGen', 'examples'),  # TFX's hash split
        model=latest_blessed_model(mlmd, 'taxi'),
    )
"""

from __future__ import annotations

import os
import tempfile
from typing import Dict, Mapping, Sequence

from absl import logging
from tfx.dsl.io import fileio

from tfx_balance.base.artifacts.splits import split_folders
from tfx_balance.core import history as span_history
from tfx_balance.core.common.errors import ConfigError, DataError, TfxBalanceError
from tfx_balance.core.history import DEFAULT_HORIZON, DEFAULT_LATENESS, DEFAULT_WINDOW
from tfx_balance.orchestration.periodic import identity_of, the_splitter


def seed_history(
    components: Sequence,
    history_root: str,
    pipeline_name: str,
    spans: Mapping[int, str],
    statistics: Mapping[int, str] | None = None,
    key_indexes: Mapping[int, str] | None = None,
    layouts: Mapping[int, str] | None = None,
    model: str | None = None,
    horizon: int = DEFAULT_HORIZON,
    window: int = DEFAULT_WINDOW,
    lateness: int = DEFAULT_LATENESS,
) -> span_history.HistoryIndex:
    """Starts the history at ``history_root`` from a running pipeline's outputs, so that each
    of ``spans``' units keeps its split under ``periodic(components, ...)``. Call it once, before
    the first periodic run. All or nothing: a failure leaves the history as it was.

    Example (a pipeline that split with TFX's hash split)::

        seed_history(components, root, 'taxi', spans={1: '/pr/CsvExampleGen/examples/4', ...})

    Args:
      components: those given to ``periodic``; its StratifiedSplitter says how units are keyed.
      history_root, pipeline_name, horizon, window, lateness: as given to ``periodic``.
      spans: span -> that span's split Examples, of any splitter.
      statistics: span -> StatisticsGen's output; the newest is the first run's baseline.
      key_indexes: span -> LeakageCheck's ``anomalies`` (its key index).
      layouts: span -> BalancedInputGen's output (pointed to, not copied).
      model: the latest blessed model's folder: the first run's base and baseline model.

    Raises:
      ConfigError: the history already has spans, ``spans`` is empty, an optional mapping names
        a span not in ``spans``, or a span's splits are not the splitter's.
      DataError: a folder missing, without ``Split-<name>`` folders or without examples.
    """
    from tfx_balance.core.split.assignments import write_assignments
    from tfx_balance.core.split.config import StratifiedSplitConfig

    splitter = the_splitter(list(components))
    config = StratifiedSplitConfig.from_exec_properties(splitter.exec_properties)
    span_history.HistoryConfig(history_root, {}, horizon, window, lateness).validate()
    outputs = _checked_outputs(spans, statistics, key_indexes, layouts, model)
    identity = identity_of(splitter, pipeline_name)
    span_history.check_root(history_root)
    found = span_history.read_index(history_root, identity)
    if found.records:
        raise ConfigError(
            f'seed_history: the history at {history_root} already has spans '
            f'{[r.span for r in found.records]}; a history is '
            'seeded once, before its first run. Give a new history_root.'
        )
    with tempfile.TemporaryDirectory() as staged:
        entries = []
        for span in sorted(spans):  # every span read before anything is committed
            assignments = os.path.join(staged, str(span))
            try:
                report = write_assignments(split_folders(spans[span]), config, assignments)
            except TfxBalanceError as e:
                raise type(e)(f'seed_history: span {span} ({spans[span]}): {e}') from None
            if not report['units']:
                raise DataError(
                    f'seed_history: span {span} ({spans[span]}) has no example in its Split-* '
                    'folders: nothing of it could be pinned. Give the folder of its split '
                    'Examples, or leave the span out.'
                )
            logging.info(
                'seed_history: span %d from %s: %d units (%d in several splits: kept where most '
                'of their examples were).',
                span,
                spans[span],
                report['units'],
                report['in_several_splits'],
            )
            layout = outputs[span].pop('layout')  # pointed to, not copied
            record = span_history.Record(
                span=span,
                run=span_history.new_run(span),
                layout=layout,
                layout_sha256=span_history.layout_sha256(layout) if layout else None,
            )
            entries.append((record, {'assignments': assignments, **outputs[span]}))
        return span_history.commit_all(
            span_history.HistoryIndex.empty(history_root, identity),
            entries,
            keep=span_history.spans_kept(horizon, window, lateness),
        )


def _checked_outputs(spans, statistics, key_indexes, layouts, model) -> Dict[int, dict]:
    """Per span, the optional output folders (the model with the newest span), each checked."""
    if not spans:
        raise ConfigError(
            'seed_history: spans is empty. outputs_by_span returns {} for a component with no '
            'live output in the MLMD: check the pipeline name and the component id of its runs, '
            'or give {span: folder of its split Examples}.'
        )
    given = {'statistics': statistics, 'key_indexes': key_indexes, 'layouts': layouts}
    for name, found in given.items():
        extra = sorted(set(found or {}) - set(spans))
        if extra:
            raise ConfigError(
                f'seed_history: {name} has span(s) {extra}, which spans has not ({sorted(spans)}): '
                'each seeded span needs its split Examples. Add them to spans, or leave those '
                f'out of {name}.'
            )
    newest = max(spans)
    outputs = {}
    for span in sorted(spans):
        found = {
            'examples': spans[span],
            'statistics': (statistics or {}).get(span),
            'key_index': (key_indexes or {}).get(span),
            'layout': (layouts or {}).get(span),
            'model': model if span == newest else None,
        }
        for name, path in found.items():
            if path is not None and not fileio.isdir(path):
                raise DataError(
                    f'seed_history: the {name} of span {span}, {path}, is not a folder (missing, '
                    'or a file). Give the output folder of that span (outputs_by_span finds them '
                    'in the MLMD).'
                )
        if not split_folders(spans[span]):
            raise DataError(
                f"seed_history: span {span}'s folder {spans[span]} has no Split-<name> folder: "
                "it is not a split Examples artifact. Give ExampleGen's or a splitter's examples "
                'output of that span.'
            )
        del found['examples']
        outputs[span] = found
    return outputs


def outputs_by_span(
    metadata_config, pipeline_name: str, node_id: str, output_key: str
) -> Dict[int, str]:
    """``{span: uri}`` of the newest live output ``output_key`` of ``node_id`` per span, in the
    MLMD ``metadata_config`` connects to (e.g. the splitter's ``examples``, StatisticsGen's
    ``statistics``). An output's span is its ``span`` custom property, else its inputs' span:
    StatisticsGen does not copy ExampleGen's, so statistics take their Examples' span."""
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration import metadata

    _check_mlmd(metadata_config, 'outputs_by_span')
    with metadata.Metadata(metadata_config) as m:
        context = m.store.get_context_by_type_and_name('node', f'{pipeline_name}.{node_id}')
        if context is None:
            raise ConfigError(
                f'outputs_by_span: the MLMD has no component {node_id!r} of pipeline '
                f'{pipeline_name!r}; give the pipeline name and component id of its runs.'
            )
        artifacts = {a.id: a for a in m.store.get_artifacts_by_context(context.id)}
        made_by = {
            e.artifact_id: e.execution_id
            for e in m.store.get_events_by_artifact_ids(list(artifacts))
            if e.type == metadata_store_pb2.Event.OUTPUT
            and e.path.steps
            and e.path.steps[0].key == output_key
        }
        input_spans = _input_spans(m.store, set(made_by.values()))
        newest = {}
        for artifact in (artifacts[i] for i in sorted(made_by)):
            span = _span(artifact, input_spans.get(made_by[artifact.id]))
            if artifact.state != metadata_store_pb2.Artifact.LIVE or span is None:
                continue
            order = (artifact.create_time_since_epoch, artifact.id)
            if span not in newest or order > newest[span][0]:
                newest[span] = (order, artifact.uri)
    return {span: uri for span, (_, uri) in sorted(newest.items())}


def latest_blessed_model(
    metadata_config, pipeline_name: str, evaluator_id: str = 'Evaluator'
) -> str | None:
    """The folder of the model ``evaluator_id`` blessed last (as ``LatestBlessedModelStrategy``
    picks it: its blessing's ``current_model_id``), or None when none was blessed."""
    from tfx.orchestration import metadata

    _check_mlmd(metadata_config, 'latest_blessed_model')
    with metadata.Metadata(metadata_config) as m:
        context = m.store.get_context_by_type_and_name('node', f'{pipeline_name}.{evaluator_id}')
        if context is None:
            return None
        blessed = [
            a
            for a in m.store.get_artifacts_by_context(context.id)
            if 'blessed' in a.custom_properties and a.custom_properties['blessed'].int_value == 1
        ]
        if not blessed:
            return None
        newest = max(blessed, key=lambda a: (a.create_time_since_epoch, a.id))
        (model,) = m.store.get_artifacts_by_id(
            [newest.custom_properties['current_model_id'].int_value]
        )
        return model.uri


def _check_mlmd(metadata_config, caller: str) -> None:
    """A ``ConfigError`` when a SQLite MLMD file is missing (MLMD would create an empty one)."""
    if metadata_config.HasField('sqlite'):
        path = metadata_config.sqlite.filename_uri
        if not fileio.exists(path):
            raise ConfigError(
                f'{caller}: the MLMD {path} does not exist. Give the metadata.db of the runs '
                "so far (LocalDagRunner's metadata_connection_config)."
            )


def _span(artifact, input_span: int | None = None) -> int | None:
    """Its ``span`` custom property, else ``input_span``, else its ``span`` property, else None."""
    if 'span' in artifact.custom_properties:
        return int(artifact.custom_properties['span'].int_value)
    if input_span is not None:
        return input_span
    if 'span' in artifact.properties:
        return int(artifact.properties['span'].int_value)
    return None


def _input_spans(store, execution_ids: set) -> Dict[int, int]:
    """``{execution id: span}`` of the executions whose inputs with a span share one."""
    from ml_metadata.proto import metadata_store_pb2

    events = [
        e
        for e in store.get_events_by_execution_ids(list(execution_ids))
        if e.type == metadata_store_pb2.Event.INPUT
    ]
    inputs = {a.id: _span(a) for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    spans: Dict[int, set] = {}
    for e in events:
        if inputs.get(e.artifact_id) is not None:
            spans.setdefault(e.execution_id, set()).add(inputs[e.artifact_id])
    return {execution: found.pop() for execution, found in spans.items() if len(found) == 1}
