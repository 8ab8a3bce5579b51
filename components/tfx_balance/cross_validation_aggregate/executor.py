"""CrossValidationAggregate executor: the aggregate of the k fold evaluations, and the blessing."""

from __future__ import annotations

import os
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.components.evaluator import constants
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfx_balance.base import artifacts, html_report
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.cross_validation import (
    CrossValidationConfig,
    CrossValidationReport,
    aggregate,
    gate,
    parse_thresholds,
)
from tfx_balance.core.pictures import picture_page
from tfx_balance.cross_validation_aggregate.evaluations import folds_thresholds, read_fold


class Executor(base_executor.BaseExecutor):
    """Aggregates the k fold evaluations and gates the model on the cross-validated estimate.

    Do(input_dict, output_dict, exec_properties):
      input_dict['fold_evaluation_<i>']: fold i's ModelEvaluation, for i in 0 .. k-1.
      input_dict['model']: optional Model the blessing is about (trained on all folds).
      output_dict['cross_validation']: receives ``cross_validation.json`` and ``.html``.
      output_dict['blessing']: ModelBlessing, as TFX's Evaluator writes it.
      exec_properties: CrossValidationConfig's, as its ``to_exec_properties`` writes them.
    """

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = CrossValidationConfig.from_exec_properties(exec_properties)
        folds = list(config.folds)
        per_fold, fold_of = [], {}
        for i, fold in enumerate(folds):
            evaluations = input_dict.get(f'{keys.FOLD_EVALUATION_KEY_PREFIX}{i}') or []
            if len(evaluations) != 1:
                raise DataError(
                    f'{fold} has {len(evaluations)} evaluation(s); expected 1 ModelEvaluation '
                    'per fold. Pass one Evaluator output per fold, in the order of folds.'
                )
            uri = os.path.normpath(evaluations[0].uri)
            if uri in fold_of:
                raise DataError(
                    f'{fold_of[uri]} and {fold} have the same evaluation ({uri}); each fold needs '
                    'the evaluation of its own fold Evaluator (counted twice, it would weigh '
                    'twice in the mean, the spread and the interval). Pass one Evaluator output '
                    'per fold, in the order of folds.'
                )
            fold_of[uri] = fold
            per_fold.append(read_fold(evaluations[0].uri, fold))
        names = {(f.candidate_name, f.baseline_name) for f in per_fold}
        if len(names) != 1:
            raise DataError(
                f'the fold evaluations name different models {sorted(names, key=str)}; every '
                'fold must evaluate the same (candidate, baseline) ModelSpec names.'
            )
        thresholds = (
            config.parsed_thresholds
            if config.thresholds is not None
            else parse_thresholds(folds_thresholds(per_fold, folds))
        )
        candidate = aggregate([f.candidate for f in per_fold])
        differences = aggregate([f.differences for f in per_fold])
        baseline_name = per_fold[0].baseline_name
        result = gate(candidate, differences, thresholds, config.gate_on)
        report = CrossValidationReport(
            folds=folds,
            candidate_name=per_fold[0].candidate_name,
            candidate=candidate,
            gate=result,
            baseline_name=baseline_name,
            baseline=aggregate([f.baseline for f in per_fold]) if baseline_name else None,
            differences=differences,
        )
        logging.info('CrossValidationAggregate:\n%s', report.text())
        output = artifact_utils.get_single_instance(output_dict[keys.CROSS_VALIDATION_KEY])
        blessing = artifact_utils.get_single_instance(output_dict[keys.BLESSING_KEY])
        with artifacts.output_guard(output, blessing):
            document = report.to_json()
            artifacts.write_json(
                os.path.join(output.uri, keys.CROSS_VALIDATION_JSON_FILE), document
            )
            io_utils.write_string_file(
                os.path.join(output.uri, keys.CROSS_VALIDATION_HTML_FILE),
                picture_page(keys.CROSS_VALIDATION_JSON_FILE, document),
            )
            html_report.write(output_dict, keys.CROSS_VALIDATION_JSON_FILE, document)
            _write_blessing(blessing, result.blessed, input_dict.get(keys.MODEL_KEY))


def _write_blessing(blessing: types.Artifact, blessed: bool, models) -> None:
    """A ModelBlessing as TFX's Evaluator writes it."""
    name = constants.BLESSED_FILE_NAME if blessed else constants.NOT_BLESSED_FILE_NAME
    io_utils.write_string_file(os.path.join(blessing.uri, name), '')
    blessing.set_int_custom_property(
        constants.ARTIFACT_PROPERTY_BLESSED_KEY,
        constants.BLESSED_VALUE if blessed else constants.NOT_BLESSED_VALUE,
    )
    if models:
        model = artifact_utils.get_single_instance(models)
        blessing.set_string_custom_property(
            constants.ARTIFACT_PROPERTY_CURRENT_MODEL_URI_KEY, model.uri
        )
        blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY, model.id)
