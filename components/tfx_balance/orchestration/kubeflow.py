r"""Compile a TFX pipeline for Kubeflow Pipelines (KFP v2) with ``KubeflowV2DagRunner``.

From Python (needs the ``kfp`` extra)::

    from tfx_balance.orchestration import kubeflow
    kubeflow.compile_pipeline(my_pipeline, 'build/kfp', image='ghcr.io/me/tfx-balance:0.3.0.dev0')

From a shell, for a module's pipeline factory ``create_pipeline(root, beam_args=None, ...)``::

    python -m tfx_balance.orchestration.kubeflow my_module:create_pipeline \
        --image ghcr.io/me/tfx-balance:0.3.0.dev0 \
        --output-dir build/kfp --pipeline-root gs://bucket/root

It writes ``pipeline.yaml`` (KFP) and ``pipeline.json`` (a Vertex AI PipelineJob); the pipeline
root and input data must be where the pods can read them. Guide: docs/kubeflow.md.

CLI settings (flag, else environment variable, else default):
  --image          TFX_BALANCE_IMAGE          required: the image every step runs in
  --pipeline-root  TFX_BALANCE_PIPELINE_ROOT  <output-dir>/pipeline_root (local: for checks only)
  --beam-args      TFX_BALANCE_BEAM_ARGS      DirectRunner, multi-processing, one worker per core
  --data-root      TFX_BALANCE_DATA_ROOT      the factory's default (factories with `data_root`)

Beam args examples (one shell-quoted string; every Beam step gets them). The image is added for
you as the SDK worker image (for the DirectRunner too: TFX then skips building its sdist per step):
  --beam-args='--runner=DataflowRunner --project=P --region=us-central1
               --temp_location=gs://B/tmp --experiments=use_runner_v2'
  --beam-args='--runner=FlinkRunner --flink_master=flink-jobmanager:8081 --environment_type=DOCKER'
  --beam-args='--runner=SparkRunner --spark_master_url=spark://spark-master:7077
               --environment_type=DOCKER'
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import os
import re
import shlex
import sys
from dataclasses import dataclass
from typing import Callable, List, Sequence

# The Beam args that tell TFX its dependencies are provided (no sdist of TFX per Beam step).
_TFX_DEPENDENCY_FLAGS = (
    '--extra_packages',
    '--extra_package',
    '--setup_file',
    '--requirements_file',
    '--sdk_container_image',
    '--worker_harness_container_image',
)
DEFAULT_BEAM_ARGS = ('--direct_running_mode=multi_processing', '--direct_num_workers=0')
IMAGE_ENV = 'TFX_BALANCE_IMAGE'
PIPELINE_ROOT_ENV = 'TFX_BALANCE_PIPELINE_ROOT'
BEAM_ARGS_ENV = 'TFX_BALANCE_BEAM_ARGS'
DATA_ROOT_ENV = 'TFX_BALANCE_DATA_ROOT'
YAML_FILENAME = 'pipeline.yaml'
JSON_FILENAME = 'pipeline.json'
SCHEMA_VERSION = '2.1.0'
# TFX's container entrypoint, and ours for the tasks with an html_report (kubeflow_executor.py).
TFX_ENTRYPOINT = 'tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor'
HTML_REPORT_ENTRYPOINT = 'tfx_balance.orchestration.kubeflow_executor'
# What KubeflowV2DagRunner accepts as a pipeline name (LocalDagRunner also accepts '_').
PIPELINE_NAME_PATTERN = re.compile(r'[a-z0-9][a-z0-9-]{0,127}')
# Storage the KFP v2 launcher can map (it writes artifacts under /gcs, /s3, /minio in the pod).
REMOTE_SCHEMES = ('gs://', 's3://', 'minio://')
# Exec properties holding a user module file: compiled into a wheel under the pipeline root.
_MODULE_FILE_KEYS = ('module_file', 'preprocessing_fn', 'run_fn', 'trainer_fn')
# Beam runners whose workers run in containers: they need our image to import tfx_balance.
_PORTABLE_RUNNERS = ('flinkrunner', 'sparkrunner', 'portablerunner', 'prismrunner')

_log = logging.getLogger(__name__)

PipelineFactory = Callable[..., object]


@dataclass(frozen=True)
class Compiled:
    """What ``compile_pipeline`` wrote, and the pipeline it compiled."""

    yaml_path: str
    json_path: str
    pipeline: object  # tfx.dsl.Pipeline
    image: str
    pipeline_root: str
    beam_args: List[str]


def is_remote(path: str) -> bool:
    return path.startswith(REMOTE_SCHEMES)


def check_pipeline_name(name: str) -> str:
    if not PIPELINE_NAME_PATTERN.fullmatch(name or ''):
        raise ValueError(
            f'pipeline name {name!r} is not valid for Kubeflow: it must match '
            f'{PIPELINE_NAME_PATTERN.pattern} (lower-case letters, digits and "-", starting with '
            f'a letter or digit, at most 128 characters); e.g. {_suggest_name(name)!r}.'
        )
    return name


def _suggest_name(name: str) -> str:
    cleaned = re.sub(r'[^a-z0-9-]+', '-', (name or 'pipeline').lower()).strip('-')
    return (cleaned or 'pipeline')[:128]


def _runner(beam_args: Sequence[str]) -> str:
    runner = ''
    for i, arg in enumerate(beam_args):
        if arg.startswith('--runner='):
            runner = arg.split('=', 1)[1]
        elif arg == '--runner' and i + 1 < len(beam_args):
            runner = beam_args[i + 1]
    return runner.lower()


def _has_flag(beam_args: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + '=') for arg in beam_args)


def complete_beam_args(beam_args: Sequence[str], image: str) -> List[str]:
    """Beam args with our image as the SDK worker image, unless set (docs/kubeflow.md, section 4);
    empty DirectRunner args or ones naming a dependency flag stay as given."""
    args = list(beam_args)
    runner = _runner(args)
    if runner in ('', 'directrunner') and (
        not args or any(_has_flag(args, flag) for flag in _TFX_DEPENDENCY_FLAGS)
    ):
        return args
    if not (
        _has_flag(args, '--sdk_container_image')
        or _has_flag(args, '--worker_harness_container_image')
    ):
        args.append(f'--sdk_container_image={image}')
    if runner.endswith(_PORTABLE_RUNNERS):  # also fully qualified runner class names
        env_type = ''
        for arg in args:
            if arg.startswith('--environment_type='):
                env_type = arg.split('=', 1)[1].upper()
        if env_type == 'DOCKER' and not _has_flag(args, '--environment_config'):
            args.append(f'--environment_config={image}')
    return args


def _use_image_for_beam_workers(pipeline, image: str) -> None:
    """``complete_beam_args`` on each Beam step's own copy of the args."""
    for component in pipeline.components:
        executor_spec = getattr(component, 'executor_spec', None)
        if getattr(executor_spec, 'beam_pipeline_args', None) is not None:
            executor_spec.beam_pipeline_args = complete_beam_args(
                executor_spec.beam_pipeline_args, image
            )


def _warn_local_paths(pipeline, pipeline_root: str) -> None:
    """Warns about local paths (pipeline root, inputs) a pod cannot read."""
    if not is_remote(pipeline_root):
        _log.warning(
            'Pipeline root %r is not on gs://, s3:// or minio://: pipeline.yaml gets no '
            'defaultPipelineRoot (KFP uses the root set for the run or its configured default), '
            'and the wheels of user module files, written under %s/_wheels now, are only '
            'visible to pods that mount it; use a gs://, s3:// or minio:// pipeline root.',
            pipeline_root,
            pipeline_root,
        )
    for component in pipeline.components:
        for key, value in component.exec_properties.items():
            if key in _MODULE_FILE_KEYS:
                continue  # becomes a wheel under the pipeline root (warned above if local)
            if isinstance(value, str) and value.startswith('/') and os.path.exists(value):
                _log.warning(
                    '%s.%s is the local path %r: pods will not see it unless it is in the image '
                    'or mounted; use a gs:// or s3:// path (the CLI: --data-root for the data).',
                    component.id,
                    key,
                    value,
                )


def show_html_reports(spec: dict) -> List[str]:
    """Gives every ``HtmlReport`` output of the PipelineSpec dict ``spec`` the ``system.HTML``
    schema title the KFP and Vertex AI UIs draw, and runs its task with
    ``HTML_REPORT_ENTRYPOINT``. Returns the components changed."""
    import yaml

    from tfx_balance.base.html_report import HTML_SCHEMA_TITLE, HTML_SCHEMA_VERSION, HtmlReport

    changed = []
    for name, component in spec.get('components', {}).items():
        outputs = component.get('outputDefinitions', {}).get('artifacts', {})
        for output in outputs.values():
            schema = output.get('artifactType', {}).get('instanceSchema')
            if schema and yaml.safe_load(schema).get('title') == HtmlReport.TYPE_NAME:
                output['artifactType'] = {
                    'schemaTitle': HTML_SCHEMA_TITLE,
                    'schemaVersion': HTML_SCHEMA_VERSION,
                }
                if name not in changed:
                    changed.append(name)
        if name in changed:
            executor = spec['deploymentSpec']['executors'][component['executorLabel']]
            container = executor['container']
            container['command'] = [
                HTML_REPORT_ENTRYPOINT if part == TFX_ENTRYPOINT else part
                for part in container['command']
            ]
    return changed


def _finish_yaml(yaml_path: str, pipeline_root: str | None) -> None:
    """``show_html_reports`` on a bare PipelineSpec YAML, and its ``defaultPipelineRoot`` if
    given, keeping TFX's header comments."""
    import yaml

    with open(yaml_path) as f:
        text = f.read()
    header = ''.join(line for line in text.splitlines(keepends=True) if line.startswith('#'))
    spec = yaml.safe_load(text)
    show_html_reports(spec)
    if pipeline_root is not None:
        spec['defaultPipelineRoot'] = pipeline_root
    with open(yaml_path, 'w') as f:
        f.write(header)
        yaml.safe_dump(spec, f, sort_keys=True)


def _finish_json(json_path: str) -> None:
    """``show_html_reports`` on a Vertex AI PipelineJob JSON."""
    import json

    with open(json_path) as f:
        job = json.load(f)
    show_html_reports(job['pipelineSpec'])
    with open(json_path, 'w') as f:
        json.dump(job, f, indent=2, sort_keys=True)


def _compile_one(pipeline, *, image: str, output_dir: str, filename: str) -> str:
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner as runner_lib

    config = runner_lib.KubeflowV2DagRunnerConfig(
        display_name=pipeline.pipeline_info.pipeline_name,
        default_image=image,
        use_pipeline_spec_2_1=True,
    )
    runner_lib.KubeflowV2DagRunner(
        config=config, output_dir=output_dir, output_filename=filename
    ).run(pipeline)
    return os.path.join(output_dir, filename)


def compile_pipeline(pipeline, output_dir: str, *, image: str) -> Compiled:
    """Compiles ``pipeline`` to ``<output_dir>/pipeline.yaml`` and ``pipeline.json``, with
    ``image`` for every step and remote Beam worker. Module files become wheels under the
    pipeline root, written now; a remote root becomes the spec's ``defaultPipelineRoot``."""
    if not image:
        raise ValueError(
            'image is required: the container image every Kubeflow step runs in, e.g. '
            "image='ghcr.io/<org>/tfx-balance:0.3.0.dev0' built from docker/Dockerfile "
            f'(the CLI: --image or ${IMAGE_ENV}).'
        )
    name = check_pipeline_name(pipeline.pipeline_info.pipeline_name)
    pipeline_root = str(pipeline.pipeline_info.pipeline_root)
    _use_image_for_beam_workers(pipeline, image)
    _warn_local_paths(pipeline, pipeline_root)
    os.makedirs(output_dir, exist_ok=True)
    yaml_path = _compile_one(pipeline, image=image, output_dir=output_dir, filename=YAML_FILENAME)
    _finish_yaml(yaml_path, pipeline_root if is_remote(pipeline_root) else None)
    # The second run reuses the wheels the first one built (module_path is already resolved).
    json_path = _compile_one(pipeline, image=image, output_dir=output_dir, filename=JSON_FILENAME)
    _finish_json(json_path)
    _log.info('Compiled %s: %s and %s', name, yaml_path, json_path)
    beam_args = complete_beam_args(pipeline.beam_pipeline_args or [], image)
    return Compiled(yaml_path, json_path, pipeline, image, pipeline_root, beam_args)


def load_factory(spec: str) -> PipelineFactory:
    """``'package.module:function'`` -> the function."""
    module, sep, attr = spec.partition(':')
    if not sep or not attr:
        raise ValueError(f'pipeline factory {spec!r} must be "module:function".')
    return getattr(importlib.import_module(module), attr)


def pipeline_from_factory(
    factory: PipelineFactory,
    *,
    output_dir: str,
    name: str | None = None,
    pipeline_root: str | None = None,
    beam_args: Sequence[str] | None = None,
    data_root: str | None = None,
    **options,
):
    """``factory(output_dir, beam_args=..., **options)`` with its name and root set for Kubeflow;
    ``data_root`` and ``pipeline_root`` are passed to a factory with such a parameter."""
    if name is not None:
        check_pipeline_name(name)
    kwargs = {}
    if data_root is not None:
        if 'data_root' not in inspect.signature(factory).parameters:
            raise ValueError(
                f'--data-root was given but {factory.__module__}.{factory.__name__} has no '
                '`data_root` parameter; drop --data-root or add the parameter to the factory.'
            )
        kwargs['data_root'] = data_root
    local_root = os.path.abspath(output_dir)
    pipeline_root = pipeline_root or os.path.join(local_root, 'pipeline_root')
    if 'pipeline_root' in inspect.signature(factory).parameters:
        kwargs['pipeline_root'] = pipeline_root
    beam_args = list(DEFAULT_BEAM_ARGS if beam_args is None else beam_args)
    pipeline = factory(local_root, beam_args=beam_args, **kwargs, **options)
    if name is not None:  # KubeflowV2DagRunner reads pipeline_info; keep the attribute in step.
        pipeline.pipeline_info.pipeline_name = name
        pipeline.pipeline_name = name
    pipeline.pipeline_info.pipeline_root = pipeline_root
    return pipeline


def parse_args(argv: Sequence[str] | None, default_name: str | None = None) -> argparse.Namespace:
    """CLI flags; with ``default_name`` (a sample's run_kubeflow.py) there is no factory arg."""
    env = os.environ
    parser = argparse.ArgumentParser(
        prog='python -m tfx_balance.orchestration.kubeflow',
        description='Compile a TFX pipeline for Kubeflow Pipelines (KFP v2).',
        epilog='CLI settings' + __doc__.split('CLI settings', 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if default_name is None:
        parser.add_argument(
            'factory', help='module:function returning a tfx.dsl.Pipeline (root, beam_args=None)'
        )
    parser.add_argument(
        '--name', default=default_name, help="KFP pipeline name (default: the factory's)."
    )
    parser.add_argument('--output-dir', default=None, help='Output folder.')
    parser.add_argument('--image', default=env.get(IMAGE_ENV))
    parser.add_argument('--pipeline-root', default=env.get(PIPELINE_ROOT_ENV))
    parser.add_argument(
        '--beam-args',
        default=env.get(BEAM_ARGS_ENV),
        help='Beam args as one shell-quoted string; write --beam-args="--runner=..." (with =).',
    )
    parser.add_argument('--data-root', default=env.get(DATA_ROOT_ENV))
    args = parser.parse_args(argv)
    if not args.image:
        parser.error(
            f'--image (or ${IMAGE_ENV}) is required: the image every step runs in, built from '
            'docker/Dockerfile and pushed where the cluster pulls from (see docs/kubeflow.md).'
        )
    return args


def main(
    argv: Sequence[str] | None = None,
    *,
    factory: PipelineFactory | None = None,
    default_name: str | None = None,
) -> Compiled:
    """CLI: compile a pipeline factory for Kubeflow (flags: see the module docstring)."""
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')
    args = parse_args(argv, default_name if factory is not None else None)
    if factory is None:
        factory = load_factory(args.factory)
    default_dir = args.name or factory.__module__.rsplit('.', 1)[-1]
    output_dir = args.output_dir or os.path.join('runs', 'kubeflow', default_dir)
    pipeline = pipeline_from_factory(
        factory,
        output_dir=output_dir,
        name=args.name,
        pipeline_root=args.pipeline_root,
        beam_args=shlex.split(args.beam_args) if args.beam_args is not None else None,
        data_root=args.data_root,
    )
    result = compile_pipeline(pipeline, output_dir, image=args.image)
    print(f'Compiled {pipeline.pipeline_info.pipeline_name} with image {result.image}')
    print(f'  Kubeflow Pipelines: {result.yaml_path}')
    print(f'  Vertex AI:          {result.json_path}')
    print(f'  Beam args:          {" ".join(result.beam_args)}')
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
