"""What a KFP pod does, minus the image: import the compiled executor paths in a fresh process, and
run the StratifiedSplitter step through the TFX container entrypoint with a local ExecutorInput."""

import collections
import json
import os
import subprocess
import sys

import pytest
from google.protobuf import json_format

from tests.orchestration.kubeflow.conftest import (
    NAMES,
    TEST_IMAGE,
    constants,
    executor_of,
    executors,
    load_yaml,
)
from tests.support import taxi
from tfx_balance.orchestration import kubeflow

ENTRYPOINT = 'tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor'
SPLITS = taxi.SPLITS
EXPECTED = taxi.EXPECTED_SPLIT_COUNTS


def pod_env() -> dict:
    """The environment of a pod: no repo checkout on the path, only installed packages."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(TF_CPP_MIN_LOG_LEVEL='2', TF_USE_LEGACY_KERAS='1')
    return env


def _python_modules(command) -> list:
    return [command[2]] if command[:2] == ['python', '-m'] else []


def test_executors_entrypoints_and_user_modules_load_in_a_fresh_process(compiled, tmp_path):
    """Every --executor_class_path, every `python -m` module and every user module wheel of the
    compiled specs loads with only the installed packages, as in the pod (wheels the way the
    Trainer/Transform executors load them: udf_utils.get_fn pip-installs them to a temp folder)."""
    class_paths, modules, module_paths = set(), set(), set()
    for name in NAMES:
        spec = compiled[name][1]
        for executor in executors(spec).values():
            container = executor['container']
            args = container['args']
            class_paths.add(args[args.index('--executor_class_path') + 1])
            modules.update(_python_modules(container['command']))
            hook = container.get('lifecycle', {}).get('preCacheCheck', {})
            modules.update(_python_modules(hook.get('command', [])))
        for task in spec['root']['dag']['tasks']:
            module_path = constants(spec, task).get('module_path') or ''
            if '@' in module_path:
                # The function each executor looks up in its user module.
                fn = 'preprocessing_fn' if task.startswith('Transform') else 'run_fn'
                module_paths.add((module_path, fn))
    assert 'tfx_balance.stratified_splitter.executor.Executor' in class_paths
    assert ENTRYPOINT in modules
    assert module_paths  # the module_file test pipeline has one
    assert not [p for p in class_paths if p.startswith('__main__')]
    code = (
        'import importlib, json, sys\n'
        'from tfx.components.util import udf_utils\n'
        'from tfx.utils import import_utils\n'
        'todo = json.loads(sys.argv[1])\n'
        "for path in todo['class_paths']:\n"
        '    import_utils.import_class_by_path(path)\n'
        "for module in todo['modules']:\n"
        '    importlib.import_module(module)\n'
        "for module_path, fn_name in todo['module_paths']:\n"
        "    fn = udf_utils.get_fn({'module_path': module_path, 'module_file': None}, fn_name)\n"
        "    print('user module', fn.__module__, fn.__globals__.get('MODULE_MARKER'))\n"
        "print('loaded', *[len(v) for v in todo.values()])\n"
    )
    todo = {
        'class_paths': sorted(class_paths),
        'modules': sorted(modules),
        'module_paths': sorted(module_paths),
    }
    # -I: no current folder, no PYTHONPATH, no user site: only what is installed in the venv.
    out = subprocess.run(
        [sys.executable, '-I', '-c', code, json.dumps(todo)],
        cwd=tmp_path,
        env=pod_env(),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == 'loaded %d %d %d' % (len(class_paths), len(modules), len(module_paths))
    assert 'user module trainer_module tfx-balance kubeflow test module' in lines
    assert os.listdir(tmp_path) == []


@pytest.fixture(scope='module')
def local_run(tmp_path_factory):
    """The split test pipeline under LocalDagRunner: its CsvExampleGen artifact and
    StratifiedSplitter output."""
    from tfx import v1 as tfx

    from tests.orchestration.kubeflow.split_pipeline import create_pipeline
    from tests.support.local_dag import LocalRun

    run = LocalRun(str(tmp_path_factory.mktemp('split_local')))
    tfx.orchestration.LocalDagRunner().run(create_pipeline(run.root))
    return run.artifact(run.output('CsvExampleGen')), run.output('StratifiedSplitter')


def executor_input(spec: dict, task: str, inputs: dict, task_root: str) -> dict:
    """The ExecutorInput the KFP driver would give ``task``: parameter constants from the spec,
    input artifacts as given, one output artifact per output definition under ``task_root``."""
    component = spec['components'][spec['root']['dag']['tasks'][task]['componentRef']['name']]
    input_artifacts = {
        key: {'artifacts': [dict(inputs[key], type=definition['artifactType'])]}
        for key, definition in component['inputDefinitions']['artifacts'].items()
    }
    output_artifacts = {
        key: {
            'artifacts': [
                {
                    'name': f'{task}.{key}',
                    'type': definition['artifactType'],
                    'uri': os.path.join(task_root, key),
                }
            ]
        }
        for key, definition in component['outputDefinitions']['artifacts'].items()
    }
    return {
        'inputs': {'parameterValues': constants(spec, task), 'artifacts': input_artifacts},
        'outputs': {
            'artifacts': output_artifacts,
            'outputFile': os.path.join(task_root, 'executor_output.json'),
        },
    }


@pytest.mark.e2e
def test_stratified_splitter_runs_through_the_container_entrypoint(local_run, tmp_path):
    from kfp.pipeline_spec import pipeline_spec_pb2
    from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils as utils

    from tests.orchestration.kubeflow.split_pipeline import PIPELINE_NAME, create_pipeline
    from tests.support.artifacts import label_counts, read_json, read_split

    examples, local_output = local_run
    # The compiled step, with the in-process DirectRunner (multi-processing re-imports TF per worker).
    out = str(tmp_path / 'compiled')
    pipeline = kubeflow.pipeline_from_factory(
        create_pipeline, output_dir=out, name=PIPELINE_NAME, beam_args=['--direct_num_workers=1']
    )
    result = kubeflow.compile_pipeline(pipeline, out, image=TEST_IMAGE)
    spec = load_yaml(result.yaml_path)
    container = executor_of(spec, 'StratifiedSplitter')['container']
    assert container['image'] == TEST_IMAGE

    upstream = json_format.MessageToDict(utils.to_runtime_artifact(examples, {}))
    upstream['name'] = 'CsvExampleGen.examples'
    task_root = str(tmp_path / 'gcs' / 'StratifiedSplitter_1')
    invocation = executor_input(spec, 'StratifiedSplitter', {'input_examples': upstream}, task_root)
    json_format.ParseDict(invocation, pipeline_spec_pb2.ExecutorInput())  # strict
    args = [json.dumps(invocation) if arg == '{{$}}' else arg for arg in container['args']]
    # its html_report is a system.HTML artifact: our entrypoint maps the title to HtmlReport
    assert container['command'] == ['python', '-m', kubeflow.HTML_REPORT_ENTRYPOINT]
    assert invocation['outputs']['artifacts']['html_report']['artifacts'][0]['type'] == {
        'schemaTitle': 'system.HTML',
        'schemaVersion': '0.0.1',
    }

    workdir = tmp_path / 'empty_workdir'
    workdir.mkdir()
    out = subprocess.run(
        [sys.executable, '-m', kubeflow.HTML_REPORT_ENTRYPOINT, *args],
        cwd=workdir,
        env=pod_env(),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-5000:]

    output_uri = os.path.join(task_root, 'examples')
    assert sorted(os.listdir(output_uri)) == [
        'Split-eval',
        'Split-test',
        'Split-train',
        'split_counts.json',
    ]
    assert read_json(os.path.join(output_uri, 'split_counts.json')) == EXPECTED
    assert read_json(os.path.join(local_output, 'split_counts.json')) == EXPECTED
    for split in SPLITS:
        records = read_split(output_uri, split)
        assert collections.Counter(records) == collections.Counter(read_split(local_output, split))
        assert label_counts(records, 'payment_type') == {
            cls: n[split] for cls, n in EXPECTED.items() if n[split]
        }

    # What the pod hands back to KFP: the output artifact with its split names and payload format.
    executor_output = pipeline_spec_pb2.ExecutorOutput()
    with open(os.path.join(task_root, 'executor_output.json')) as f:
        json_format.Parse(f.read(), executor_output)
    (artifact,) = executor_output.artifacts['examples'].artifacts
    assert artifact.uri == output_uri
    metadata = json_format.MessageToDict(artifact.metadata)
    assert json.loads(metadata['split_names']) == SPLITS
    assert metadata['payload_format'] == 'FORMAT_TF_EXAMPLE'
    # The picture is the file at the html_report URI, which is what KFP's UI reads and draws.
    (picture,) = executor_output.artifacts['html_report'].artifacts
    assert picture.uri == os.path.join(task_root, 'html_report')
    with open(picture.uri) as f:
        page = f.read()
    for cls, per_split in EXPECTED.items():
        for split, n in per_split.items():
            assert f'data-series="{split}" data-category="{cls}" data-value="{n}"' in page
    assert os.listdir(workdir) == []  # nothing written to the working directory
