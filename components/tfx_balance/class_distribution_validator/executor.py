"""ClassDistributionValidator executor: reads split statistics, writes anomalies, may fail."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.proto.orchestration import execution_result_pb2
from tfx.types import artifact_utils
from tfx.utils import io_utils, writer_utils

from tfx_balance import artifacts, keys
from tfx_balance.core import class_distribution
from tfx_balance.core.class_distribution import ClassDistributionError

SCHEMA_DIFF_FILE = 'SchemaDiff.pb'  # the file name ExampleValidator writes per split
BLESSED_PROPERTY = 'blessed'


class Executor(base_executor.BaseExecutor):
    """Checks the label distributions of all splits of an ExampleStatistics artifact.

    Do(input_dict, output_dict, exec_properties):
      input_dict['statistics']: one ExampleStatistics artifact (from StatisticsGen).
      input_dict['schema']: optional Schema artifact; the label's domain lists classes every
        split must have, and its jensen_shannon_divergence comparator is applied.
      output_dict['anomalies']: one ExampleAnomalies artifact; receives
        ``Split-<name>/SchemaDiff.pb`` (TFDV Anomalies) per split, ``class_distribution.json``
        and ``class_distribution.md``; custom property ``blessed`` = {split: 1 or 0}.
      exec_properties:
        label_feature: name of the int64/string label feature.
        max_split_distance: float, largest L-infinity distance between two splits.
        targets: JSON ``{split: 'uniform' | {class: share}}`` or null.
        target_tolerance: float, largest L-infinity distance to a target.
        fail_on_violation: 1 raises ``ClassDistributionError`` on any finding (no output is
          written then); 0 records the findings and passes.
    """

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> execution_result_pb2.ExecutorOutput:
        self._log_startup(input_dict, output_dict, exec_properties)
        stats_artifact = artifact_utils.get_single_instance(input_dict[keys.STATISTICS_KEY])
        output = artifact_utils.get_single_instance(output_dict[keys.ANOMALIES_KEY])
        label_feature = exec_properties[keys.LABEL_FEATURE_KEY]
        targets = json.loads(exec_properties.get(keys.TARGETS_KEY) or 'null')
        fail = bool(int(exec_properties.get(keys.FAIL_ON_VIOLATION_KEY, 1)))

        expected_classes, jsd_threshold = (), None
        if input_dict.get(keys.SCHEMA_KEY):
            schema_uri = artifact_utils.get_single_uri(input_dict[keys.SCHEMA_KEY])
            schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_uri))
            expected_classes, jsd_threshold = class_distribution.schema_label_info(
                schema, label_feature
            )

        splits = list(artifact_utils.decode_split_names(stats_artifact.split_names))
        distributions = {}
        for split in splits:
            stats = stats_artifact_utils.load_statistics(stats_artifact, split).proto()
            distributions[split] = class_distribution.label_distribution(
                stats, label_feature, split
            )
        report = class_distribution.check_distributions(
            distributions,
            label_feature,
            max_split_distance=float(exec_properties[keys.MAX_SPLIT_DISTANCE_KEY]),
            targets=targets,
            target_tolerance=float(exec_properties[keys.TARGET_TOLERANCE_KEY]),
            expected_classes=expected_classes,
            jsd_threshold=jsd_threshold,
        )
        markdown = report.to_markdown()
        logging.info('ClassDistributionValidator per-class counts:\n%s', report.count_table())
        logging.info('ClassDistributionValidator report:\n%s', markdown)
        if fail and not report.passed:
            raise ClassDistributionError(report.error_message())

        with artifacts.output_guard(output):
            blessed = {}
            for split in splits:
                anomalies = report.anomalies(split)
                path = os.path.join(artifacts.output_split_dir(output, split), SCHEMA_DIFF_FILE)
                writer_utils.write_anomalies(path, anomalies)
                blessed[split] = 0 if anomalies.anomaly_info else 1
            artifacts.write_json(
                os.path.join(output.uri, keys.CLASS_DISTRIBUTION_JSON_FILE), report.to_json()
            )
            io_utils.write_string_file(
                os.path.join(output.uri, keys.CLASS_DISTRIBUTION_MARKDOWN_FILE), markdown
            )
            output.split_names = artifact_utils.encode_split_names(splits)
            output.span = stats_artifact.span
            output.set_json_value_custom_property(BLESSED_PROPERTY, blessed)
        if not report.passed:
            logging.warning(
                'ClassDistributionValidator found %d violation(s) (fail_on_violation=False, '
                'recorded in %s):\n%s',
                len(report.findings),
                output.uri,
                report.error_message(),
            )
        result = execution_result_pb2.ExecutorOutput()
        result.output_artifacts[keys.ANOMALIES_KEY].artifacts.append(output.mlmd_artifact)
        return result
