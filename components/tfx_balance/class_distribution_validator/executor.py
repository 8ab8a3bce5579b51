"""ClassDistributionValidator executor: reads split statistics, writes anomalies, may fail."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.proto.orchestration import execution_result_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils, writer_utils

from tfx_balance.base import artifacts, html_report
from tfx_balance.base.artifacts.history import earlier_inputs
from tfx_balance.class_distribution_validator import counts
from tfx_balance.core.class_distribution_validator import (
    LABEL_FORMS,
    ClassDistributionError,
    Report,
    ValidatorConfig,
    pool,
    run_checks,
    schema_label_info,
)
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.keys import BLESSED_PROPERTY, SCHEMA_DIFF_FILE


class Executor(base_beam_executor.BaseBeamExecutor):
    """Checks the label distributions of the splits of ExampleStatistics artifacts.

    Do(input_dict, output_dict, exec_properties):
      input_dict['statistics']: ExampleStatistics, one or a window (pooled by split name).
      input_dict['schema']: optional Schema: the label's domain and Jensen-Shannon comparator.
      input_dict['input_examples']: optional Examples the statistics are of: labels counted
        from it with ``multi_label``; its ``split_counts.json`` applies the splitter's bound.
      input_dict['baseline_statistics']: optional ExampleStatistics, pooled like statistics.
      output_dict['anomalies']: ExampleAnomalies: ``Split-<name>/SchemaDiff.pb`` per split,
        ``class_distribution.json`` and ``.md``, custom property ``blessed`` {split: 1 or 0}.
      exec_properties: ``ValidatorConfig``'s arguments, as its ``to_exec_properties`` writes them.
    """

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> execution_result_pb2.ExecutorOutput:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = ValidatorConfig.from_exec_properties(exec_properties)
        window = input_dict[keys.STATISTICS_KEY]
        output = artifact_utils.get_single_instance(output_dict[keys.ANOMALIES_KEY])
        expected_classes, jsd_threshold = _schema_info(input_dict, config.label_feature)
        if not LABEL_FORMS[config.multi_label].schema_domain:
            expected_classes = ()
        examples = input_dict.get(keys.INPUT_EXAMPLES_KEY)
        if examples and len(window) > 1:
            raise ConfigError(
                f'statistics holds {len(window)} artifacts (a window of spans) and examples= is '
                'given: the examples are counted for one statistics artifact only. Give one '
                'statistics artifact with examples=, or leave examples unset to pool the window '
                "from its statistics (multi_label='ids' and one label per example)."
            )
        # The span's from the examples: StatisticsGen copies only the declared span, which
        # ExampleGen's drivers leave at 0 (they write the custom property).
        baseline = earlier_inputs(
            input_dict,
            keys.BASELINE_STATISTICS_KEY,
            'statistics',
            standard_artifacts.ExampleStatistics,
            examples or window,
        )
        distributions = self._read(window, examples, config)
        splits = list(distributions)
        splitter = None
        if examples and config.multi_label is None:  # StratifiedSplitter's output: its bound
            example = _one_examples(examples)
            splitter = counts.splitter_counts(example, distributions, config.label_feature)
        report = run_checks(
            distributions,
            config,
            expected_classes,
            jsd_threshold,
            baseline=self._read(baseline, None, config) if baseline else None,
            splitter=splitter,
        )
        logging.info('ClassDistributionValidator per-class counts:\n%s', report.count_table())
        logging.info('ClassDistributionValidator report:\n%s', report.to_markdown())
        if config.fail_on_violation and not report.passed:
            raise ClassDistributionError(report.error_message())
        _write_output(report, output, splits, window)
        html_report.write(output_dict, keys.CLASS_DISTRIBUTION_JSON_FILE, report.to_json())
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

    def _read(self, window, examples, config: ValidatorConfig):
        """The pooled ``{split: counts}`` of one or more statistics artifacts."""
        parts = []
        for stats in window:
            splits = list(artifact_utils.decode_split_names(stats.split_names))
            example = _one_examples(examples) if examples else None
            parts.append(
                counts.distributions(
                    stats, example, splits, config, self._make_beam_pipeline, self._tmp_dir
                )
            )
        return pool(parts)

    def _tmp_dir(self):
        """TFX's tmp dir in a pipeline (removed by TFX); called without one, our own, removed."""
        if self._context:
            return contextlib.nullcontext(self._get_tmp_dir())
        return tempfile.TemporaryDirectory(prefix='class_distribution_')


def _one_examples(examples):
    """The one Examples artifact of ``examples=`` (a ``ConfigError`` for a window of them)."""
    return artifacts.require_single(
        examples,
        'ClassDistributionValidator',
        fix='Give examples= the one artifact the statistics were computed on (the same span).',
    )


def _schema_info(input_dict, label_feature: str):
    """``(expected_classes, jsd_threshold)`` from the optional schema input."""
    if not input_dict.get(keys.SCHEMA_KEY):
        return (), None
    schema_uri = artifact_utils.get_single_uri(input_dict[keys.SCHEMA_KEY])
    schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_uri))
    return schema_label_info(schema, label_feature)


def _write_output(report: Report, output, splits: List[str], statistics) -> None:
    """Writes the per-split Anomalies and the summaries; sets ``blessed``, span and version."""
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
            os.path.join(output.uri, keys.CLASS_DISTRIBUTION_MARKDOWN_FILE), report.to_markdown()
        )
        output.split_names = artifact_utils.encode_split_names(splits)
        artifacts.copy_span_and_version(statistics, output)  # as ExampleValidator does
        output.set_json_value_custom_property(BLESSED_PROPERTY, blessed)
