"""TFX's own executors, made to run where no driver ran and on a first run without a model.

Open-source Kubeflow Pipelines never runs the span driver of file-based ExampleGens (Vertex AI
does), and a periodic run's first LookBack Model is an empty folder. So:

- ``CsvExampleGenExecutor``, ``ImportExampleGenExecutor`` resolve ``{SPAN}``, ``{VERSION}`` and
  date placeholders left in ``input_config`` as TFX's ``FileBasedDriver`` does, and set span,
  version and input_fingerprint on the output Examples.
- ``TrainerExecutor``, ``EvaluatorExecutor`` run without an empty ``base_model`` /
  ``baseline_model``.
- ``TransformExecutor``, without ``materialize``, analyzes a layout's training window.

Example::

    from tfx_balance.orchestration import tfx_executors

    example_gen = tfx.components.CsvExampleGen(input_base=data, input_config=spans)
    for component in (example_gen, trainer, evaluator):
        tfx_executors.use_in(component)  # True: it now runs the executor of this module
"""

from __future__ import annotations

import os
from typing import Any, Dict, List

from absl import logging
from tfx import types
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.example_gen import driver, input_processor
from tfx.components.example_gen import utils as example_gen_utils
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.components.example_gen.import_example_gen import executor as import_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import standard_component_specs as keys
from tfx.utils import proto_utils

from tfx_balance.core.common.errors import ConfigError

ArtifactDict = Dict[str, List[types.Artifact]]


def _input_config(value) -> example_gen_pb2.Input | None:
    """``value`` (a JSON string or an ``Input`` proto) as an ``Input``; None for anything else
    (e.g. a runtime parameter)."""
    if isinstance(value, example_gen_pb2.Input):
        return example_gen_pb2.Input.FromString(value.SerializeToString())
    if isinstance(value, str) and value:
        return proto_utils.json_to_proto(value, example_gen_pb2.Input())
    return None


def has_placeholders(input_config) -> bool:
    """Whether a split pattern of ``input_config`` still has a span, version or date placeholder."""
    config = _input_config(input_config)
    return config is not None and any(
        any(example_gen_utils.verify_split_pattern_specs(split)) for split in config.splits
    )


def resolve_spans(exec_properties: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of a file-based ExampleGen's ``exec_properties`` with the placeholders of its
    ``input_config`` resolved and ``span``, ``version`` (unless None) and ``input_fingerprint``
    set, as TFX's ``FileBasedDriver`` would; ``exec_properties`` itself when already resolved."""
    if not has_placeholders(exec_properties.get(keys.INPUT_CONFIG_KEY)):
        return exec_properties
    input_config = _input_config(exec_properties[keys.INPUT_CONFIG_KEY])
    range_config = None
    if exec_properties.get(keys.RANGE_CONFIG_KEY):
        range_config = proto_utils.json_to_proto(
            exec_properties[keys.RANGE_CONFIG_KEY], range_config_pb2.RangeConfig()
        )
    processor = input_processor.FileBasedInputProcessor(
        exec_properties[keys.INPUT_BASE_KEY], input_config.splits, range_config
    )
    span, version = processor.resolve_span_and_version()
    for split in input_config.splits:
        split.pattern = processor.get_pattern_for_span_version(split.pattern, span, version)
    resolved = dict(exec_properties)
    resolved[keys.INPUT_CONFIG_KEY] = proto_utils.proto_to_json(input_config)
    resolved[example_gen_utils.SPAN_PROPERTY_NAME] = span
    resolved[example_gen_utils.FINGERPRINT_PROPERTY_NAME] = processor.get_input_fingerprint(
        span, version
    )
    if version is not None:  # as the drivers pass it: only when set
        resolved[example_gen_utils.VERSION_PROPERTY_NAME] = version
    logging.info(
        'ExampleGen: no driver resolved the input patterns; span %d, version %s: %s.',
        span,
        version,
        [split.pattern for split in input_config.splits],
    )
    return resolved


class ResolveSpansMixin:
    """First base of a file-based ExampleGen executor: resolves the input patterns
    (``resolve_spans``) and marks the output Examples as TFX's driver does."""

    def Do(  # noqa: N802 (TFX API)
        self, input_dict: ArtifactDict, output_dict: ArtifactDict, exec_properties: Dict[str, Any]
    ) -> None:
        resolved = resolve_spans(exec_properties)
        if resolved is not exec_properties:
            marks = {example_gen_utils.VERSION_PROPERTY_NAME: None, **resolved}
            for examples in output_dict[keys.EXAMPLES_KEY]:
                driver.update_output_artifact(marks, examples.mlmd_artifact)
        return super().Do(input_dict, output_dict, resolved)


class CsvExampleGenExecutor(ResolveSpansMixin, csv_executor.Executor):
    """CsvExampleGen's executor, resolving ``{SPAN}`` patterns when no driver did."""


class ImportExampleGenExecutor(ResolveSpansMixin, import_executor.Executor):
    """ImportExampleGen's executor, resolving ``{SPAN}`` patterns when no driver did."""


def holds_model(model: types.Artifact) -> bool:
    """Whether ``model``'s folder holds any file (LookBack's Model is empty before a blessing)."""
    if not model.uri or not fileio.exists(model.uri):
        return False
    return any(files for _, _, files in fileio.walk(model.uri))


def without_empty_model(input_dict: ArtifactDict, key: str, component: str) -> ArtifactDict:
    """``input_dict`` without the Models of ``key`` that hold no file (``holds_model``)."""
    models = input_dict.get(key) or []
    kept = [model for model in models if holds_model(model)]
    if len(kept) == len(models):
        return input_dict
    logging.info(
        '%s: %s %s holds no model: a first run without a model; running without %s.',
        component,
        key,
        [model.uri for model in models if model not in kept],
        key,
    )
    result = {k: v for k, v in input_dict.items() if k != key}
    if kept:
        result[key] = kept
    return result


class TrainerExecutor(trainer_executor.GenericExecutor):
    """Trainer's executor for ``run_fn`` modules, without ``base_model`` when it is empty."""

    def Do(  # noqa: N802 (TFX API)
        self, input_dict: ArtifactDict, output_dict: ArtifactDict, exec_properties: Dict[str, Any]
    ) -> None:
        input_dict = without_empty_model(input_dict, keys.BASE_MODEL_KEY, 'Trainer')
        return super().Do(input_dict, output_dict, exec_properties)


class EvaluatorExecutor(evaluator_executor.Executor):
    """Evaluator's executor, without ``baseline_model`` when it is empty (TFX then removes the
    baseline model spec and the change thresholds: a rubber stamp, as on a first run)."""

    def Do(  # noqa: N802 (TFX API)
        self, input_dict: ArtifactDict, output_dict: ArtifactDict, exec_properties: Dict[str, Any]
    ) -> None:
        input_dict = without_empty_model(input_dict, keys.BASELINE_MODEL_KEY, 'Evaluator')
        return super().Do(input_dict, output_dict, exec_properties)


def window_examples(examples: List[types.Artifact]) -> List[types.Artifact]:
    """``examples`` with each BalancedInputGen layout preceded by the earlier layouts its plan
    names (its training window, as ``balanced_dataset`` reads it): Examples artifacts of their
    URIs, in place, with the layout's payload and file format."""
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.base.artifacts.splits import split_folders
    from tfx_balance.core.balanced_input_gen.plan_file import window_split_dirs

    found = []
    for artifact in examples:
        splits = artifact_utils.decode_split_names(artifact.split_names)
        window = {
            os.path.dirname(split_dir): None
            for split in splits
            for split_dir in window_split_dirs(artifact_utils.get_split_uri([artifact], split))
        }
        for uri in (u for u in window if u != artifact.uri.rstrip('/')):
            earlier = standard_artifacts.Examples()
            earlier.uri = uri
            earlier.split_names = artifact_utils.encode_split_names(list(split_folders(uri)))
            for name in ('payload_format', 'file_format'):
                if artifact.has_custom_property(name):
                    earlier.set_string_custom_property(name, artifact.get_custom_property(name))
            found.append(earlier)
        found.append(artifact)
    return found


class TransformExecutor(transform_executor.Executor):
    """Transform's executor: without ``materialize``, it analyzes a layout's training window in
    place, as the Trainer reads it; with it, the run's examples only, with a warning."""

    def Do(  # noqa: N802 (TFX API)
        self, input_dict: ArtifactDict, output_dict: ArtifactDict, exec_properties: Dict[str, Any]
    ) -> None:
        examples = input_dict[keys.EXAMPLES_KEY]
        window = window_examples(examples)
        if len(window) > len(examples):
            if output_dict.get(keys.TRANSFORMED_EXAMPLES_KEY):
                logging.warning(
                    'Transform: materialize=True writes every input transformed, so it analyzes '
                    "this run's layout only, not its training window (%s); give Transform "
                    'materialize=False (balanced_dataset reads the raw layouts).',
                    [a.uri for a in window[:-1]],
                )
            else:
                logging.info(
                    'Transform: analyzing the training window %s.', [a.uri for a in window]
                )
                input_dict = {**input_dict, keys.EXAMPLES_KEY: window}
        return super().Do(input_dict, output_dict, exec_properties)


# TFX's executor class -> ours (use_in swaps only these exact classes).
OURS = {
    csv_executor.Executor: CsvExampleGenExecutor,
    import_executor.Executor: ImportExampleGenExecutor,
    trainer_executor.GenericExecutor: TrainerExecutor,
    evaluator_executor.Executor: EvaluatorExecutor,
    transform_executor.Executor: TransformExecutor,
}


def use_in(component) -> bool:
    """Makes ``component`` run the matching executor of ``OURS``, keeping its executor spec's
    settings. Returns whether it runs one of ours; raises ConfigError for an unknown file-based
    ExampleGen executor with input placeholders (no driver resolves them on KFP).
    """
    spec = getattr(component, 'executor_spec', None)
    executor_class = getattr(spec, 'executor_class', None)
    if isinstance(executor_class, type) and issubclass(
        executor_class, (ResolveSpansMixin, *OURS.values())
    ):
        return True
    ours = OURS.get(executor_class)
    if ours is None:
        _check_no_placeholders(component, executor_class)
        return False
    swapped = spec.copy()  # TFX's copy: the same spec class, its fields deep-copied
    swapped.executor_class = ours
    swapped._class_path = None  # ExecutorClassSpec caches the class path it encodes
    component.executor_spec = swapped
    return True


def _check_no_placeholders(component, executor_class) -> None:
    if not isinstance(component, FileBasedExampleGen):
        return
    config = component.exec_properties.get(keys.INPUT_CONFIG_KEY)
    if has_placeholders(config):
        name = (
            f'{executor_class.__module__}.{executor_class.__qualname__}'
            if isinstance(executor_class, type)
            else repr(executor_class)
        )
        raise ConfigError(
            f'{component.id}: its executor {name} does not resolve the span placeholders of its '
            f'input_config ({[s.pattern for s in _input_config(config).splits]}), and no driver '
            'does on Kubeflow Pipelines. Use CsvExampleGen or ImportExampleGen (this module has '
            'executors for them), or give it the executor class MyExecutor(ResolveSpansMixin, '
            f'{name}) (ResolveSpansMixin from tfx_balance.orchestration.tfx_executors).'
        )
