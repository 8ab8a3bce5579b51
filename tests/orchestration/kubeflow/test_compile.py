"""Compiled Kubeflow specs, checked the way the KFP backend and SDK read them (offline)."""

import json
import logging
import os
import subprocess
import sys
import zipfile

import pytest
import yaml
from google.protobuf import json_format
from tfx.dsl.components.common.resolver import RESOLVER_STRATEGY_CLASS
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import (
    LatestBlessedModelStrategy,
)

from tests.orchestration.kubeflow import module_pipeline, split_pipeline
from tests.orchestration.kubeflow.conftest import (
    NAMES,
    TEST_IMAGE,
    constants,
    executors,
    html_report_executors,
    load_yaml,
    wheels_dir,
)
from tfx_balance.core.common import keys
from tfx_balance.orchestration import kubeflow


@pytest.mark.parametrize('name', NAMES)
def test_yaml_is_a_strict_pipeline_spec_2_1(compiled, name):
    from kfp.pipeline_spec import pipeline_spec_pb2

    result, spec = compiled[name]
    # Strict: an unknown field anywhere raises (ignore_unknown_fields=False).
    message = json_format.ParseDict(spec, pipeline_spec_pb2.PipelineSpec())
    assert json_format.MessageToDict(message) == spec  # nothing dropped or reinterpreted
    assert message.schema_version == '2.1.0' == kubeflow.SCHEMA_VERSION
    assert message.pipeline_info.name == name
    assert kubeflow.PIPELINE_NAME_PATTERN.fullmatch(name)
    assert os.path.basename(result.yaml_path) == 'pipeline.yaml'


@pytest.mark.parametrize('name', NAMES)
def test_tasks_are_the_pipeline_components(compiled, name):
    result, spec = compiled[name]
    ids = set()
    for component in result.pipeline.components:
        if component.exec_properties.get(RESOLVER_STRATEGY_CLASS) is LatestBlessedModelStrategy:
            # TFX's V2 compiler makes this Resolver two queries: the blessing, then its model.
            ids |= {f'{component.id}-model-blessing-resolver', f'{component.id}-model-resolver'}
        else:
            ids.add(component.id)
    assert set(spec['root']['dag']['tasks']) == ids
    assert set(spec['components']) == ids


@pytest.mark.parametrize('name', NAMES)
def test_every_executor_runs_our_image_with_the_tfx_entrypoint(compiled, name):
    result, spec = compiled[name]
    beam_steps = {
        f'{c.id}_executor'
        for c in result.pipeline.components
        if getattr(c.executor_spec, 'beam_pipeline_args', None) is not None
    }
    assert executors(spec) and beam_steps
    for label, executor in executors(spec).items():
        container = executor['container']
        assert container['image'] == TEST_IMAGE, label
        # tasks with an html_report output: our entrypoint, which knows system.HTML
        entrypoint = (
            kubeflow.HTML_REPORT_ENTRYPOINT
            if label in html_report_executors(spec)
            else kubeflow.TFX_ENTRYPOINT
        )
        assert container['command'] == ['python', '-m', entrypoint], label
        # Beam steps: the default Beam args, and the image that tells TFX not to build its
        # sdist in each step. The others get the pipeline's args as given (and ignore them).
        image = [f'--sdk_container_image={TEST_IMAGE}'] if label in beam_steps else []
        beam_args = [*kubeflow.DEFAULT_BEAM_ARGS, *image]
        assert container['args'][-len(beam_args) :] == beam_args, label


@pytest.mark.parametrize('name', NAMES)
def test_vertex_json_is_a_strict_pipeline_job_with_the_same_spec(compiled, name):
    from kfp.pipeline_spec import pipeline_spec_pb2

    result, spec = compiled[name]
    with open(result.json_path) as f:
        job = json.load(f)
    json_format.ParseDict(job, pipeline_spec_pb2.PipelineJob())
    assert job['runtimeConfig']['gcsOutputDirectory'] == result.pipeline_root
    assert job['pipelineSpec']['schemaVersion'] == '2.1.0'
    assert job['pipelineSpec']['root'] == spec['root']
    assert job['pipelineSpec']['deploymentSpec'] == spec['deploymentSpec']


@pytest.mark.parametrize('name', NAMES)
def test_kfp_sdk_loads_and_recompiles_the_yaml(compiled, name, tmp_path):
    from kfp import compiler, components

    result, spec = compiled[name]
    component = components.load_component_from_file(result.yaml_path)
    assert component.name == name
    out = str(tmp_path / 'recompiled.yaml')
    compiler.Compiler().compile(component, out)
    recompiled = load_yaml(out)
    assert recompiled['schemaVersion'] == '2.1.0'
    for key in ('root', 'components', 'deploymentSpec', 'pipelineInfo'):
        assert recompiled[key] == spec[key], key


@pytest.mark.parametrize('name', NAMES)
def test_module_files_are_wheels_under_the_pipeline_root(compiled, name):
    """No step needs a local module file: each is a wheel under <pipeline_root>/_wheels."""
    result, spec = compiled[name]
    for task in spec['root']['dag']['tasks']:
        params = constants(spec, task)
        assert not params.get('module_file'), (task, params.get('module_file'))
        module_path = params.get('module_path') or ''
        if '@' in module_path:
            module, wheel = module_path.split('@', 1)
            assert os.path.dirname(wheel) == wheels_dir(result.pipeline_root)
            assert os.path.isfile(wheel) and wheel.endswith('.whl')
            with zipfile.ZipFile(wheel) as z:
                assert f'{module}.py' in z.namelist()


def test_trainer_module_file_is_packaged_as_a_wheel(compiled):
    result, spec = compiled[module_pipeline.PIPELINE_NAME]
    params = constants(spec, 'Trainer')
    module, wheel = params['module_path'].split('@', 1)
    assert module == 'trainer_module'
    (found,) = os.listdir(wheels_dir(result.pipeline_root))
    assert wheel == os.path.join(wheels_dir(result.pipeline_root), found)
    assert found.lower().startswith('tfx_user_code_trainer-0.0+') and found.endswith(
        '-py3-none-any.whl'
    )
    with zipfile.ZipFile(wheel) as z, open(module_pipeline.MODULE_FILE, 'rb') as f:
        assert z.read('trainer_module.py') == f.read()
    # That the pod can load it (pip-install the wheel, import run_fn) is checked in
    # test_container.py, in the same fresh process as the executor imports.


def test_remote_pipeline_root_becomes_the_default_pipeline_root(tmp_path, caplog):
    from pipelines.taxi.pipeline import DATA_DIR

    pipeline = kubeflow.pipeline_from_factory(
        split_pipeline.create_pipeline,
        output_dir=str(tmp_path),
        name='split-test-remote',
        pipeline_root='gs://bucket/tfx-balance/root',
    )
    result = kubeflow.compile_pipeline(pipeline, str(tmp_path), image=TEST_IMAGE)
    with open(result.yaml_path) as f:
        text = f.read()
    assert text.startswith('# PIPELINE DEFINITION\n# Name: split-test-remote\n')
    spec = yaml.safe_load(text)
    assert spec['defaultPipelineRoot'] == 'gs://bucket/tfx-balance/root'
    assert spec['pipelineInfo']['name'] == 'split-test-remote'
    for executor in executors(spec).values():
        assert executor['container']['image'] == TEST_IMAGE
    # The taxi CSV path is local to this machine: the compiler says pods will not see it.
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == 'tfx_balance.orchestration.kubeflow' and r.levelno >= logging.WARNING
    ]
    assert warnings == [
        f'CsvExampleGen.input_base is the local path {DATA_DIR!r}: pods will not see it '
        'unless it is in the image or mounted; use a gs:// or s3:// path (the CLI: --data-root for '
        'the data).'
    ]


def test_cli_reads_image_root_and_beam_args_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(kubeflow.IMAGE_ENV, 'example.org/x/tfx-balance:env')
    monkeypatch.setenv(kubeflow.PIPELINE_ROOT_ENV, 's3://bucket/root')
    monkeypatch.setenv(
        kubeflow.BEAM_ARGS_ENV, '--runner=DataflowRunner --project=p --region=us-central1'
    )
    result = kubeflow.main(
        ['--output-dir', str(tmp_path)],
        factory=split_pipeline.create_pipeline,
        default_name=split_pipeline.PIPELINE_NAME,
    )
    spec = load_yaml(result.yaml_path)
    assert spec['defaultPipelineRoot'] == 's3://bucket/root'
    (executor,) = [e for label, e in executors(spec).items() if 'StratifiedSplitter' in label]
    assert executor['container']['image'] == 'example.org/x/tfx-balance:env'
    assert executor['container']['args'][-4:] == [
        '--runner=DataflowRunner',
        '--project=p',
        '--region=us-central1',
        '--sdk_container_image=example.org/x/tfx-balance:env',
    ]
    assert os.path.exists(tmp_path / 'pipeline.json')


def test_bad_pipeline_name_is_refused_with_a_suggestion():
    with pytest.raises(ValueError, match=r"'my_pipeline'.*e\.g\. 'my-pipeline'"):
        kubeflow.check_pipeline_name('my_pipeline')


@pytest.mark.parametrize(
    'given, expected',
    [
        # DirectRunner: the flag only tells TFX not to build its sdist per step.
        (['--direct_num_workers=1'], ['--direct_num_workers=1', '--sdk_container_image=IMG']),
        ([], []),  # TFX builds nothing for empty args
        (
            ['--runner=DirectRunner', '--extra_packages=dist/x.tar.gz'],
            ['--runner=DirectRunner', '--extra_packages=dist/x.tar.gz'],
        ),
        (
            ['--runner=DataflowRunner', '--project=p'],
            ['--runner=DataflowRunner', '--project=p', '--sdk_container_image=IMG'],
        ),
        (
            ['--runner=DataflowRunner', '--sdk_container_image=other'],
            ['--runner=DataflowRunner', '--sdk_container_image=other'],
        ),
        (
            ['--runner=FlinkRunner', '--environment_type=DOCKER'],
            [
                '--runner=FlinkRunner',
                '--environment_type=DOCKER',
                '--sdk_container_image=IMG',
                '--environment_config=IMG',
            ],
        ),
        (
            ['--runner', 'SparkRunner', '--environment_type=EXTERNAL', '--environment_config=x'],
            [
                '--runner',
                'SparkRunner',
                '--environment_type=EXTERNAL',
                '--environment_config=x',
                '--sdk_container_image=IMG',
            ],
        ),
    ],
)
def test_beam_steps_get_our_image_as_the_worker_image(given, expected):
    assert kubeflow.complete_beam_args(given, 'IMG') == expected


def test_data_root_goes_to_factories_that_take_it(tmp_path):
    seen = []

    def factory(root, beam_args=None, data_root=None):
        seen.append((root, beam_args, data_root))
        return module_pipeline.create_pipeline(root, beam_args)

    kubeflow.pipeline_from_factory(
        factory,
        output_dir=str(tmp_path / 'a'),
        name='with-data-root',
        beam_args=['--direct_num_workers=1'],
        data_root='gs://bucket/data',
    )
    assert seen == [(str(tmp_path / 'a'), ['--direct_num_workers=1'], 'gs://bucket/data')]
    with pytest.raises(ValueError, match='has no `data_root` parameter'):
        kubeflow.pipeline_from_factory(
            split_pipeline.create_pipeline,
            output_dir=str(tmp_path / 'b'),
            name='no-data-root',
            data_root='x',
        )


def test_image_is_required(tmp_path, capsys):
    pipeline = kubeflow.pipeline_from_factory(
        module_pipeline.create_pipeline, output_dir=str(tmp_path), name='no-image'
    )
    with pytest.raises(ValueError, match='image is required'):
        kubeflow.compile_pipeline(pipeline, str(tmp_path), image='')
    with pytest.raises(SystemExit):
        kubeflow.main(['tests.orchestration.kubeflow.module_pipeline:create_pipeline'])
    assert '--image (or $TFX_BALANCE_IMAGE) is required' in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_local_module_file_warning_says_it_becomes_a_wheel_under_the_pipeline_root(
    tmp_path, caplog
):
    pipeline = kubeflow.pipeline_from_factory(
        module_pipeline.create_pipeline, output_dir=str(tmp_path), name='module-file'
    )
    with caplog.at_level(logging.WARNING, logger='tfx_balance.orchestration.kubeflow'):
        result = kubeflow.compile_pipeline(pipeline, str(tmp_path), image=TEST_IMAGE)
    warnings = [
        r.getMessage() for r in caplog.records if r.name == 'tfx_balance.orchestration.kubeflow'
    ]
    root = result.pipeline_root
    assert warnings[0] == (
        f'Pipeline root {root!r} is not on gs://, s3:// or minio://: pipeline.yaml gets no '
        'defaultPipelineRoot (KFP uses the root set for the run or its configured default), '
        f'and the wheels of user module files, written under {root}/_wheels now, are only '
        'visible to pods that mount it; use a gs://, s3:// or minio:// pipeline root.'
    )
    assert not [w for w in warnings if 'Trainer.module_file' in w]  # no --data-root hint for it
    assert os.listdir(wheels_dir(root))


def test_cli_compiles_a_module_factory_in_a_fresh_process(tmp_path):
    """`python -m tfx_balance.orchestration.kubeflow module:function`, as a user of the installed package runs it;
    without --name the pipeline keeps the factory's name."""
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    factory = 'tests.orchestration.kubeflow.module_pipeline:create_pipeline'
    argv = ['--image', TEST_IMAGE, '--output-dir', str(tmp_path)]
    out = subprocess.run(
        [sys.executable, '-m', 'tfx_balance.orchestration.kubeflow', factory, *argv],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert f'Compiled {module_pipeline.PIPELINE_NAME} with image {TEST_IMAGE}' in out.stdout
    spec = load_yaml(os.path.join(tmp_path, 'pipeline.yaml'))
    assert spec['pipelineInfo']['name'] == module_pipeline.PIPELINE_NAME
    assert os.path.isfile(os.path.join(tmp_path, 'pipeline.json'))
    assert os.listdir(wheels_dir(os.path.join(tmp_path, 'pipeline_root')))


def test_the_periodic_pipeline_compiles_to_container_tasks_only(compiled):
    # Issue 75: open-source KFP runs no resolver executor; the history replaces them. CommitSpan
    # waits for every other task (a failed or stopped run commits nothing), and the swapped
    # executors resolve the span where no driver ran.
    from tests.orchestration.kubeflow.conftest import resolvers

    spec = compiled['tfx-balance-periodic'][1]
    assert resolvers(spec) == {}
    executors = spec['deploymentSpec']['executors']
    assert all(set(e) == {'container'} for e in executors.values())
    tasks = spec['root']['dag']['tasks']
    assert set(tasks['CommitSpan']['dependentTasks']) == set(tasks) - {'CommitSpan', 'Pusher'}
    assert 'CommitSpan' in tasks['Pusher']['dependentTasks']  # a refused run pushes nothing
    assert 'dependentTasks' not in tasks['LookBack']
    for name in set(tasks) - {'LookBack'}:  # first, and first to fail (issue 82)
        assert 'LookBack' in tasks[name]['dependentTasks'], name
    paths = {
        name: executors[name + '_executor']['container']['args']
        for name in ('CsvExampleGen', 'Trainer', 'Evaluator', 'Transform')
    }
    for name, args in paths.items():
        class_path = args[args.index('--executor_class_path') + 1]
        assert class_path == f'tfx_balance.orchestration.tfx_executors.{name}Executor', name


# The tasks of ours that write a report, in the digits and periodic samples.
PICTURED = {
    'tfx-balance-digits': {
        'StratifiedSplitter',
        'StratifiedCheck',
        'BalancedAugmenter',
        'BalancedCheck',
        'BalancedInputGen',
    },
    'tfx-balance-periodic': {
        'StratifiedSplitter',
        'DriftCheck',
        'LeakageCheck',
        'BalancedInputGen',
    },
}


@pytest.mark.parametrize('name', sorted(PICTURED))
def test_each_report_is_a_system_html_artifact_in_the_yaml_and_the_vertex_json(compiled, name):
    result, spec = compiled[name]
    with open(result.json_path) as f:
        vertex = json.load(f)['pipelineSpec']
    for compiled_spec in (spec, vertex):
        tasks = compiled_spec['root']['dag']['tasks']
        pictured = set()
        for task, node in tasks.items():
            component = compiled_spec['components'][node['componentRef']['name']]
            outputs = component.get('outputDefinitions', {}).get('artifacts', {})
            if keys.HTML_REPORT_KEY in outputs:
                pictured.add(task)
                assert outputs[keys.HTML_REPORT_KEY]['artifactType'] == {
                    'schemaTitle': 'system.HTML',
                    'schemaVersion': '0.0.1',
                }
            for key, output in outputs.items():  # no other output became an HTML artifact
                if key != keys.HTML_REPORT_KEY:
                    assert 'instanceSchema' in output['artifactType'], (task, key)
        assert PICTURED[name] <= pictured, PICTURED[name] - pictured


def test_a_component_told_not_to_draw_has_no_html_report_output():
    from tfx.types import channel_utils, standard_artifacts

    from tfx_balance import StratifiedSplitter

    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    on = StratifiedSplitter(examples=examples, label_feature='label')
    off = StratifiedSplitter(examples=examples, label_feature='label', html_report=False)
    assert keys.HTML_REPORT_KEY in on.outputs and keys.HTML_REPORT_KEY not in off.outputs
