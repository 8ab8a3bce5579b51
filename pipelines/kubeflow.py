"""Compile a tfx-balance pipeline for Kubeflow Pipelines (KFP v2) with ``KubeflowV2DagRunner``.

Every sample pipeline has a thin ``pipelines/<name>/run_kubeflow.py``::

    from pipelines import kubeflow
    from pipelines.<name>.pipeline import PIPELINE_NAME, create_pipeline

    if __name__ == '__main__':
        kubeflow.main(create_pipeline, default_name=PIPELINE_NAME)

and is listed in ``KUBEFLOW_PIPELINES`` below (the offline tests in ``tests/kubeflow/`` compile and
check every entry). The factory contract is ``create_pipeline(root, beam_args=None, **kwargs)``
returning a ``tfx.dsl.Pipeline``. ``root`` is the local output folder (for things like the MLMD
sqlite path, which Kubeflow does not use); the pipeline's name and pipeline root are then set from
``--name`` and ``--pipeline-root``. The factory is called once per compiled file, because
``KubeflowV2DagRunner.run()`` mutates components (module files become wheels under
``<pipeline_root>/_wheels``). A factory that accepts ``data_root`` receives ``--data-root``.

Outputs, in ``--output-dir``:
  ``pipeline.yaml``  bare PipelineSpec, schemaVersion 2.1.0: upload it to open-source KFP.
  ``pipeline.json``  (with ``--vertex``) a PipelineJob for Vertex AI Pipelines.

Settings (flag, else environment variable, else default):
  --image          TFX_BALANCE_IMAGE          ghcr.io/tfx-balance/tfx-balance:<version>
  --pipeline-root  TFX_BALANCE_PIPELINE_ROOT  none: KFP uses its configured default root
  --beam-args      TFX_BALANCE_BEAM_ARGS      DirectRunner, multi-processing, one worker per core
  --data-root      TFX_BALANCE_DATA_ROOT      the factory's default

Beam args examples (one shell-quoted string; every Beam step of the pipeline gets them). The image
is added for you as the SDK worker image when the runner is not the DirectRunner:
  --beam-args='--runner=DataflowRunner --project=P --region=us-central1
               --temp_location=gs://B/tmp --experiments=use_runner_v2'
  --beam-args='--runner=FlinkRunner --flink_master=flink-jobmanager:8081 --environment_type=DOCKER'
  --beam-args='--runner=SparkRunner --spark_master_url=spark://spark-master:7077
               --environment_type=DOCKER'
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import re
import shlex
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence

import yaml

import tfx_balance

# Sample pipelines compiled for Kubeflow: name -> 'module:factory'. The tests compile every entry.
# Adding a pipeline: write pipelines/<name>/run_kubeflow.py and add one line here.
KUBEFLOW_PIPELINES: Dict[str, str] = {
    'tfx-balance-split-demo': 'pipelines.split_demo.pipeline:create_pipeline',
    'tfx-balance-taxi': 'pipelines.taxi.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-digits': 'pipelines.digits.run_kubeflow:create_pipeline_for_kubeflow',
}

# Where docker/Dockerfile puts this repository's pipelines/ and schemas/ inside the image.
IMAGE_SOURCE_ROOT = '/opt/tfx-balance'


def image_path(repo_relative: str) -> str:
    """Path inside the component image of a file of this repository (e.g. a schema)."""
    return f'{IMAGE_SOURCE_ROOT}/{repo_relative}'


DEFAULT_IMAGE = f'ghcr.io/tfx-balance/tfx-balance:{tfx_balance.__version__}'
DEFAULT_BEAM_ARGS = ('--direct_running_mode=multi_processing', '--direct_num_workers=0')
IMAGE_ENV = 'TFX_BALANCE_IMAGE'
PIPELINE_ROOT_ENV = 'TFX_BALANCE_PIPELINE_ROOT'
BEAM_ARGS_ENV = 'TFX_BALANCE_BEAM_ARGS'
DATA_ROOT_ENV = 'TFX_BALANCE_DATA_ROOT'
YAML_FILENAME = 'pipeline.yaml'
JSON_FILENAME = 'pipeline.json'
SCHEMA_VERSION = '2.1.0'
# What KubeflowV2DagRunner accepts as a pipeline name (LocalDagRunner also accepts '_').
PIPELINE_NAME_PATTERN = re.compile(r'[a-z0-9][a-z0-9-]{0,127}')
# Storage the KFP v2 launcher can map (it writes artifacts under /gcs, /s3, /minio in the pod).
REMOTE_SCHEMES = ('gs://', 's3://', 'minio://')
# Beam runners whose workers run in containers: they need our image to import tfx_balance.
_PORTABLE_RUNNERS = ('flinkrunner', 'sparkrunner', 'portablerunner', 'prismrunner')

_log = logging.getLogger(__name__)

PipelineFactory = Callable[..., object]


@dataclass(frozen=True)
class Compiled:
    """What ``compile_pipeline`` wrote: file paths and the (fresh) pipeline it compiled."""

    yaml_path: str
    json_path: str | None
    pipeline: object  # tfx.dsl.Pipeline, as compiled for pipeline.yaml
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
    """Beam args with our image as the SDK worker image for runners that start containers.

    DirectRunner args are returned as given. For any other runner ``--sdk_container_image=<image>``
    is added unless set (Dataflow runs it; TFX also reads it as "dependencies are in the image" and
    then skips staging an ephemeral tfx sdist). For Flink/Spark/portable runners with
    ``--environment_type=DOCKER`` and no ``--environment_config``, the image is added there too.
    """
    args = list(beam_args)
    runner = _runner(args)
    if runner in ('', 'directrunner'):
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


def _factory_kwargs(factory: PipelineFactory, data_root: str | None) -> dict:
    if data_root is None:
        return {}
    if 'data_root' not in inspect.signature(factory).parameters:
        raise ValueError(
            f'--data-root was given but {factory.__module__}.{factory.__name__} has no '
            '`data_root` parameter; drop --data-root or add the parameter to the factory.'
        )
    return {'data_root': data_root}


def build_pipeline(
    factory: PipelineFactory,
    *,
    name: str,
    pipeline_root: str,
    local_root: str,
    beam_args: Sequence[str],
    data_root: str | None = None,
):
    """A fresh pipeline from ``factory`` with the Kubeflow name and pipeline root.

    The factory's ``root`` is ``local_root`` (factories put local things such as the unused MLMD
    sqlite path there); its pipeline root is then replaced by ``pipeline_root``.
    """
    pipeline = factory(local_root, beam_args=list(beam_args), **_factory_kwargs(factory, data_root))
    # KubeflowV2DagRunner reads both from pipeline_info; keep the public attribute in step.
    pipeline.pipeline_info.pipeline_name = name
    pipeline.pipeline_name = name
    pipeline.pipeline_info.pipeline_root = pipeline_root
    return pipeline


def _warn_local_paths(pipeline, pipeline_root: str) -> None:
    """Warns about paths a pod cannot read (a local pipeline root or local input paths)."""
    if not is_remote(pipeline_root):
        _log.warning(
            'Pipeline root %r is not on gs://, s3:// or minio://: pipeline.yaml gets no '
            'defaultPipelineRoot (KFP uses the root set for the run or its configured default), '
            'and user module wheels written under it are only visible to pods that mount it.',
            pipeline_root,
        )
    for component in pipeline.components:
        for key, value in component.exec_properties.items():
            if isinstance(value, str) and value.startswith('/') and os.path.exists(value):
                _log.warning(
                    '%s.%s is the local path %r: pods will not see it unless it is in the image '
                    'or mounted; use a gs:// or s3:// path (e.g. via --data-root).',
                    component.id,
                    key,
                    value,
                )


def _set_default_pipeline_root(yaml_path: str, pipeline_root: str) -> None:
    """Adds ``defaultPipelineRoot`` to a bare PipelineSpec YAML, keeping TFX's header comments."""
    with open(yaml_path) as f:
        text = f.read()
    lines = text.splitlines(keepends=True)
    header = ''.join(line for line in lines if line.startswith('#'))
    spec = yaml.safe_load(text)
    spec['defaultPipelineRoot'] = pipeline_root
    with open(yaml_path, 'w') as f:
        f.write(header)
        yaml.safe_dump(spec, f, sort_keys=True)


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


def compile_pipeline(
    factory: PipelineFactory,
    *,
    name: str,
    output_dir: str,
    image: str | None = None,
    pipeline_root: str | None = None,
    beam_args: Sequence[str] | None = None,
    data_root: str | None = None,
    vertex: bool = False,
) -> Compiled:
    """Compiles ``factory``'s pipeline to ``pipeline.yaml`` (and ``pipeline.json`` if ``vertex``).

    Args:
      factory: ``create_pipeline(root, beam_args=None, ...)`` returning a ``tfx.dsl.Pipeline``.
      name: KFP pipeline name; must match ``[a-z0-9][a-z0-9-]{0,127}``.
      output_dir: where the files go (created if missing).
      image: container image of every step and of remote Beam workers.
      pipeline_root: gs://, s3://, minio:// or a local path; module-file wheels are written
        under ``<pipeline_root>/_wheels`` at compile time, so it must be writable from here.
        Default: ``<output_dir>/pipeline_root`` (local: KFP then uses its own default root).
      beam_args: Beam pipeline args for every Beam step (see ``complete_beam_args``).
      data_root: passed to factories that take ``data_root``.
      vertex: also write ``pipeline.json`` (a Vertex AI PipelineJob).
    """
    check_pipeline_name(name)
    image = image or DEFAULT_IMAGE
    pipeline_root = pipeline_root or os.path.abspath(os.path.join(output_dir, 'pipeline_root'))
    beam_args = complete_beam_args(
        list(DEFAULT_BEAM_ARGS if beam_args is None else beam_args), image
    )
    settings = dict(
        name=name,
        pipeline_root=pipeline_root,
        local_root=os.path.abspath(output_dir),
        beam_args=beam_args,
        data_root=data_root,
    )

    pipeline = build_pipeline(factory, **settings)
    _warn_local_paths(pipeline, pipeline_root)
    yaml_path = _compile_one(pipeline, image=image, output_dir=output_dir, filename=YAML_FILENAME)
    if is_remote(pipeline_root):
        _set_default_pipeline_root(yaml_path, pipeline_root)
    json_path = None
    if vertex:  # A fresh pipeline: run() rewrote the first one's module_file properties.
        json_path = _compile_one(
            build_pipeline(factory, **settings),
            image=image,
            output_dir=output_dir,
            filename=JSON_FILENAME,
        )
    _log.info('Wrote %s%s', yaml_path, f' and {json_path}' if json_path else '')
    return Compiled(yaml_path, json_path, pipeline, image, pipeline_root, beam_args)


def load_factory(spec: str) -> PipelineFactory:
    """``'package.module:function'`` -> the function (entries of ``KUBEFLOW_PIPELINES``)."""
    import importlib

    module, _, attr = spec.partition(':')
    return getattr(importlib.import_module(module), attr)


def parse_args(argv: Sequence[str] | None, default_name: str) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(
        description=f'Compile the {default_name} pipeline for Kubeflow Pipelines.',
        epilog='Settings' + __doc__.split('Settings', 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('--name', default=default_name, help='KFP pipeline name.')
    parser.add_argument(
        '--output-dir',
        default=os.path.join('runs', 'kubeflow', default_name),
        help='Output folder.',
    )
    parser.add_argument('--image', default=env.get(IMAGE_ENV) or DEFAULT_IMAGE)
    parser.add_argument('--pipeline-root', default=env.get(PIPELINE_ROOT_ENV))
    parser.add_argument(
        '--beam-args',
        default=env.get(BEAM_ARGS_ENV),
        help='Beam args as one shell-quoted string; write --beam-args="--runner=..." (with =).',
    )
    parser.add_argument('--data-root', default=env.get(DATA_ROOT_ENV))
    parser.add_argument(
        '--vertex', action='store_true', help='Also write pipeline.json for Vertex AI.'
    )
    return parser.parse_args(argv)


def main(
    create_pipeline: PipelineFactory, default_name: str, argv: Sequence[str] | None = None
) -> Compiled:
    """CLI: compile ``create_pipeline`` for Kubeflow (see the module docstring for the flags)."""
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')
    args = parse_args(argv, default_name)
    result = compile_pipeline(
        create_pipeline,
        name=args.name,
        output_dir=args.output_dir,
        image=args.image,
        pipeline_root=args.pipeline_root,
        beam_args=shlex.split(args.beam_args) if args.beam_args is not None else None,
        data_root=args.data_root,
        vertex=args.vertex,
    )
    print(f'Compiled {args.name} with image {result.image}')
    print(f'  Kubeflow Pipelines: {result.yaml_path}')
    if result.json_path:
        print(f'  Vertex AI:          {result.json_path}')
    print(f'  Beam args:          {" ".join(result.beam_args)}')
    return result
