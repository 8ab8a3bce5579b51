"""LeakageCheck executor: reads the splits with Beam, writes the leakage report, may fail."""

from __future__ import annotations

import os
from typing import Any, Dict, List

import apache_beam as beam
import tensorflow as tf
from absl import logging
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils, writer_utils

from tfx_balance import artifacts, keys
from tfx_balance.class_distribution_validator.executor import BLESSED_PROPERTY, SCHEMA_DIFF_FILE
from tfx_balance.core.leakage_check import (
    FindLeakage,
    LeakageConfig,
    LeakageError,
    bucket_count,
    error_message,
    to_markdown,
)
from tfx_balance.core.records import read_named_file_batches


class Executor(base_beam_executor.BaseBeamExecutor):
    """Counts examples shared by splits and synthetic examples outside the training splits.

    Do(input_dict, output_dict, exec_properties):
      input_dict['input_examples']: one Examples artifact (tf.Example payload), or several (a
        window of spans, e.g. from a Resolver): their splits are pooled by name, and the report
        names the span (custom property or property span) of each listed finding.
      output_dict['anomalies']: one ExampleAnomalies artifact; receives ``leakage.json``,
        ``leakage.md``, ``Split-<name>/SchemaDiff.pb`` (TFDV Anomalies, dataset-level reasons)
        per checked split, and the custom property ``blessed`` = {split: 1 or 0}.
      exec_properties: LeakageConfig's arguments (core/leakage_check/config.py), as its
        ``to_exec_properties`` writes them.
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
        splits, split_of, files = _window_files(window, config.splits)
        training = config.resolve_training_splits(splits)
        buckets = bucket_count(sum(tf.io.gfile.stat(path).length for _, path in files))
        logging.info(
            '%s: reading split(s) %s (training: %s)%s, %d key bucket(s).',
            self.COMPONENT,
            splits,
            list(training),
            f' of {len(window)} artifacts: {sorted(split_of)}' if split_of else '',
            buckets,
        )
        json_path = os.path.join(output.uri, keys.LEAKAGE_JSON_FILE)
        with artifacts.output_guard(output):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, window, splits
            ) as pipeline:
                _ = (
                    pipeline
                    | 'Files' >> beam.Create(files)
                    | 'SpreadFiles' >> beam.Reshuffle()
                    | 'ReadBatches' >> beam.FlatMapTuple(read_named_file_batches)
                    | 'FindLeakage' >> FindLeakage(splits, config, buckets, split_of)
                    | 'WriteReport' >> artifacts.WriteJson(json_path)
                )
            report = artifacts.read_json(json_path)
            markdown = to_markdown(report)
            logging.info('%s report:\n%s', self.COMPONENT, markdown)
            if not report['passed']:
                raise LeakageError(error_message(report))
            _write_output(report, markdown, output, splits, window)


def _window_files(window: list, requested) -> tuple:
    """``(splits, split_of, [(source, file)])`` of the input artifacts. One artifact: its splits
    (``requested``, default all), each its own source (``split_of`` None). Several (a window of
    spans): the splits pooled by name (``requested``, each in every artifact; default every
    split of any), a source per split of each artifact, ``'<split> of span <span>'`` (of
    ``input <i>`` for an artifact without a span), and ``split_of`` mapping it to its split."""
    if len(window) == 1:
        (examples,) = window
        splits = artifacts.resolve_splits(examples, requested, 'splits')
        return (
            splits,
            None,
            [(s, f) for s in splits for f in artifacts.check_split_files(examples, s)],
        )
    splits, split_of, files = [], {}, []
    for where, examples in artifacts.oldest_first(window):
        for split in artifacts.resolve_splits(examples, requested, 'splits'):
            splits += [] if split in splits else [split]
            source = f'{split} of {where}'
            split_of[source] = split
            files += [(source, f) for f in artifacts.check_split_files(examples, split)]
    return splits, split_of, files


def split_anomalies(report: dict, split: str) -> anomalies_pb2.Anomalies:
    """The dataset-level anomalies of ``split``: shared examples, synthetic examples outside
    training (allowed findings included; they are findings all the same)."""
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
    """Writes the markdown summary and the per-split Anomalies; sets ``blessed`` (and ``span``,
    the input's, or over a window of spans the latest)."""
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
