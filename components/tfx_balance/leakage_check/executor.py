"""LeakageCheck executor: reads the splits with Beam, writes the leakage report, may fail."""

from __future__ import annotations

import os
from typing import Any, Dict, List, NamedTuple

import apache_beam as beam
import tensorflow as tf
from absl import logging
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils, writer_utils

from tfx_balance.base import artifacts, html_report
from tfx_balance.base.artifacts.history import earlier_inputs
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.key_records import read_header
from tfx_balance.core.common.keys import BLESSED_PROPERTY, SCHEMA_DIFF_FILE
from tfx_balance.core.leakage_check import (
    FindLeakage,
    LeakageConfig,
    LeakageError,
    bucket_count,
    error_message,
    read_source,
    to_markdown,
)
from tfx_balance.core.leakage_check import index as key_index


class Executor(base_beam_executor.BaseBeamExecutor):
    """Counts examples shared by splits and synthetic examples outside the training splits.

    Do(input_dict, output_dict, exec_properties):
      input_dict['input_examples']: Examples (a window of spans: splits pooled by name).
      input_dict['previous_key_index']: optional ExampleAnomalies of earlier runs, whose key
        indexes are pooled in (an input span's left out).
      output_dict['anomalies']: ExampleAnomalies: ``leakage.json``, ``leakage.md``, per-split
        ``SchemaDiff.pb``, ``blessed`` and, of one Examples artifact, its key index.
      exec_properties: ``LeakageConfig.to_exec_properties()``.
    """

    COMPONENT = 'LeakageCheck'

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = LeakageConfig.from_exec_properties(exec_properties)
        window = list(input_dict[keys.INPUT_EXAMPLES_KEY])
        output = artifact_utils.get_single_instance(output_dict[keys.ANOMALIES_KEY])
        for examples in window:
            artifacts.require_tf_example(examples, self.COMPONENT)
        earlier = earlier_inputs(
            input_dict,
            keys.PREVIOUS_KEY_INDEX_KEY,
            'key_index',
            standard_artifacts.ExampleAnomalies,
            window,
        )
        previous = _earlier_indexes(window, earlier)
        inputs = _window_files(window, previous, config)
        splits, split_of, files = inputs.splits, inputs.split_of, inputs.files
        training = config.resolve_training_splits(splits)
        buckets = bucket_count(
            sum(tf.io.gfile.stat(path).length for _, path in files), inputs.index_keys
        )
        logging.info(
            '%s: reading split(s) %s (training: %s)%s%s, %d key bucket(s).',
            self.COMPONENT,
            splits,
            list(training),
            f' of {len(window)} artifacts: {sorted(split_of)}' if len(window) > 1 else '',
            f', with the key indexes of {inputs.index_names}' if previous else '',
            buckets,
        )
        position = None  # a key index is of one span: none from a window of Examples
        if len(window) == 1:
            key_index.check_split_count(inputs.own_splits)
            position = {s: inputs.own_splits.index(split) for s, split in inputs.own_of.items()}
        json_path = os.path.join(output.uri, keys.LEAKAGE_JSON_FILE)
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, window, splits
            ) as pipeline:
                # today's files and the earlier key indexes, read in one stage (read_source)
                found = (
                    pipeline
                    | 'Inputs' >> beam.Create(files + inputs.indexes)
                    | 'SpreadInputs' >> beam.Reshuffle()
                    | 'ReadBatches' >> beam.FlatMap(read_source)
                    | 'FindLeakage'
                    >> FindLeakage(splits, config, buckets, split_of, index_position=position)
                )
                report = found if position is None else found.report
                _ = report | 'WriteReport' >> artifacts.WriteJson(json_path)
                if position is not None:
                    _write_index(found, output, config, inputs.own_splits)
            report = artifacts.read_json(json_path)
            html_report.write(output_dict, keys.LEAKAGE_JSON_FILE, report)
            markdown = to_markdown(report)
            logging.info('%s report:\n%s', self.COMPONENT, markdown)
            if not report['passed']:
                raise LeakageError(error_message(report))
            _write_output(report, markdown, output, splits, window)


def _write_index(found, output, config, own_splits: List[str]) -> None:
    """This run's key index in its anomalies artifact: key records, group records, header."""
    _ = found.keys | 'WriteKeyIndex' >> artifacts.WriteRecords(
        output.uri, prefix=keys.KEY_INDEX_KEYS_PREFIX
    )
    if found.groups is not None:
        _ = found.groups | 'WriteGroupIndex' >> artifacts.WriteRecords(
            output.uri, prefix=keys.KEY_INDEX_GROUPS_PREFIX
        )
    artifacts.write_json(
        os.path.join(output.uri, keys.KEY_INDEX_FILE), key_index.header(config, own_splits)
    )


def _earlier_indexes(window: list, previous: list) -> list:
    """The indexes of ``previous`` of spans other than the input's (a re-run reads its span)."""
    spans = {artifacts.span_of(examples) for examples in window}
    kept = [index for index in previous if artifacts.span_of(index) not in spans]
    if len(kept) < len(previous):
        logging.info(
            'LeakageCheck: %d key index(es) of the input span(s) %s left out (read as examples).',
            len(previous) - len(kept),
            sorted(spans, key=str),
        )
    return kept


class _Inputs(NamedTuple):
    splits: List[str]  # checked, pooled by name
    split_of: dict | None  # source -> split (None: one artifact, a source is a split)
    files: list  # (source, file) of the examples read
    own_splits: List[str]  # the splits of the examples read (a key index of them numbers these)
    own_of: dict  # source -> split, of the examples read
    indexes: list  # an index.KeyIndex per earlier key index
    index_names: List[str]  # the earlier indexes' names ('span 3')
    index_keys: int  # about how many keys they hold


def _window_files(window: list, previous: list, config: LeakageConfig) -> _Inputs:
    """What is read: one artifact's splits, each its own source; or the splits of a window and of
    key indexes pooled by name, a source per split of each (``'<split> of span <span>'``)."""
    requested = config.splits
    if len(window) == 1 and not previous:
        (examples,) = window
        splits = artifacts.resolve_splits(examples, requested, 'splits')
        files = [(s, f) for s in splits for f in artifacts.check_split_files(examples, s)]
        return _Inputs(splits, None, files, splits, {s: s for s in splits}, [], [], 0)
    splits, split_of, files, own_splits, own_of = [], {}, [], [], {}
    indexes, index_names, index_keys = [], [], 0
    is_index = {id(index) for index in previous}
    for where, artifact in artifacts.oldest_first(window + previous):
        if id(artifact) in is_index:
            index_splits, key_files, group_files, found_keys = _key_index_of(
                artifact, where, config
            )
            sources = [f'{split} of {where}' for split in index_splits]
            for source, split in zip(sources, index_splits):
                if requested is None or split in requested:
                    splits += [] if split in splits else [split]
                    split_of[source] = split
            indexes.append(key_index.KeyIndex(tuple(sources), key_files, group_files))
            index_names.append(where)
            index_keys += found_keys
            continue
        for split in artifacts.resolve_splits(artifact, requested, 'splits'):
            splits += [] if split in splits else [split]
            own_splits += [] if split in own_splits else [split]
            source = f'{split} of {where}'
            split_of[source] = own_of[source] = split
            files += [(source, f) for f in artifacts.check_split_files(artifact, split)]
    return _Inputs(splits, split_of, files, own_splits, own_of, indexes, index_names, index_keys)


def _key_index_of(artifact, where: str, config: LeakageConfig) -> tuple:
    """``(splits, key files, group files, about how many keys)`` of an earlier run's key index."""
    header = os.path.join(artifact.uri, keys.KEY_INDEX_FILE)
    if not tf.io.gfile.exists(header):
        raise ConfigError(
            f'previous_key_index of {where} holds no key index ({artifact.uri} has no '
            f'{keys.KEY_INDEX_FILE}): give it the anomalies of earlier LeakageCheck runs '
            "(a Resolver's Channel with producer_component_id of the LeakageCheck and "
            "output_key 'anomalies')."
        )
    found = read_header(header, key_index.INDEX_HEADER_FIELDS, keys.PREVIOUS_KEY_INDEX_KEY)
    key_index.check_header(found, config, where)
    key_files = _files(artifact, keys.KEY_INDEX_KEYS_PREFIX)
    group_files = _files(artifact, keys.KEY_INDEX_GROUPS_PREFIX) if config.group_feature else ()
    stored = sum(tf.io.gfile.stat(path).length for path in key_files)
    return found['splits'], key_files, group_files, stored // key_index.KEY_RECORD.itemsize


def _files(artifact, prefix: str) -> tuple:
    return tuple(sorted(tf.io.gfile.glob(os.path.join(artifact.uri, f'{prefix}-*.gz'))))


def split_anomalies(report: dict, split: str) -> anomalies_pb2.Anomalies:
    """The dataset-level anomalies of ``split``, allowed findings included."""
    anomalies = anomalies_pb2.Anomalies()
    info = anomalies.dataset_anomaly_info
    shared = report['duplicates_across_splits']['per_split'][split]
    if shared:
        others = [
            s
            for p in report['duplicates_across_splits']['pairs']
            if p['keys'] and split in p['splits']
            for s in p['splits']
            if s != split
        ]
        info.reason.add(
            type=anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
            short_description='Examples shared with other splits',
            description=f'{shared} example(s) of this split are also in split(s) {others}.',
        )
    groups = report.get('groups_across_splits', {}).get('per_split', {}).get(split)
    if groups:
        info.reason.add(
            type=anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
            short_description='Groups shared with other splits',
            description=f"{groups} group(s) of '{report['group_feature']}' in this split also "
            'have examples in other splits.',
        )
    synthetic = report['synthetic_outside_training']['per_split'].get(split)
    if synthetic:
        info.reason.add(
            type=anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
            short_description='Synthetic examples outside the training splits',
            description=f'{synthetic["examples"]} synthetic example(s) in this split.',
        )
    if info.reason:
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
    return anomalies


def _write_output(report: dict, markdown: str, output, splits: List[str], window: list) -> None:
    """Writes ``leakage.md`` and the per-split Anomalies; sets ``blessed``, span and version."""
    blessed = {}
    for split in splits:
        anomalies = split_anomalies(report, split)
        path = os.path.join(artifacts.output_split_dir(output, split), SCHEMA_DIFF_FILE)
        writer_utils.write_anomalies(path, anomalies)
        blessed[split] = 0 if anomalies.dataset_anomaly_info.reason else 1
    io_utils.write_string_file(os.path.join(output.uri, keys.LEAKAGE_MARKDOWN_FILE), markdown)
    output.split_names = artifact_utils.encode_split_names(splits)
    artifacts.copy_span_and_version(window, output)
    output.set_json_value_custom_property(BLESSED_PROPERTY, blessed)
    if not all(blessed.values()):
        logging.warning(
            'LeakageCheck: findings recorded (allowed) in %s: blessed %s', output.uri, blessed
        )
