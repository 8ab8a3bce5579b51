"""tfx_executors: TFX's executors where no driver ran (open-source KFP) and on a first run
without a model. Real executors on a few rows, and a compiled Kubeflow spec (no mocks)."""

import glob
import json
import os

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2
from tfx.components.example_gen import driver
from tfx.components.example_gen import utils as example_gen_utils
from tfx.dsl.components.base import base_beam_executor, base_executor, executor_spec
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts
from tfx.types import standard_component_specs as keys
from tfx.utils import io_utils, proto_utils

from tests.support.examples import example, write_records
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.orchestration import tfx_executors

ROWS = {1: [1, 2, 3], 2: [10, 11, 12, 13, 14, 15]}  # span -> values of feature x
SPAN_KEYS = ('span', 'version', 'input_fingerprint')


def config(pattern: str) -> str:
    return proto_utils.proto_to_json(
        example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name='all', pattern=pattern)])
    )


def example_gen_properties(input_base: str, pattern: str) -> dict:
    """What the executor gets on Kubeflow Pipelines: the component's parameters, no driver's."""
    input_config = config(pattern)
    output_config = example_gen_utils.make_default_output_config(
        proto_utils.json_to_proto(input_config, example_gen_pb2.Input())
    )
    return {
        keys.INPUT_BASE_KEY: input_base,
        keys.INPUT_CONFIG_KEY: input_config,
        keys.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(output_config),
        keys.OUTPUT_DATA_FORMAT_KEY: example_gen_pb2.FORMAT_TF_EXAMPLE,
    }


def run_example_gen(executor_class, exec_properties: dict, out: str, examples=None):
    """Runs ``executor_class`` (DirectRunner); returns the output Examples and the x values."""
    examples = examples or standard_artifacts.Examples()
    examples.uri = out
    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=['--runner=DirectRunner'], tmp_dir=out + '.tmp', unique_id='1'
    )
    executor_class(context).Do({}, {keys.EXAMPLES_KEY: [examples]}, exec_properties)
    files = glob.glob(os.path.join(out, 'Split-*', '*'))
    records = tf.data.TFRecordDataset(files, compression_type='GZIP')
    xs = [example_pb2.Example.FromString(r.numpy()).features.feature['x'] for r in records]
    return examples, sorted(x.int64_list.value[0] for x in xs)


def marks(examples) -> dict:
    """The output's span, version and fingerprint, as MLMD custom properties and properties."""
    artifact = examples.mlmd_artifact
    return {
        'custom': {
            k: artifact.custom_properties[k] for k in SPAN_KEYS if k in artifact.custom_properties
        },
        'properties': {k for k in SPAN_KEYS if k in artifact.properties},
    }


@pytest.fixture(scope='module')
def csv_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('csv')
    for span, xs in ROWS.items():
        os.makedirs(root / f'span-{span}')
        lines = ['x,label'] + [f'{x},{x % 2}' for x in xs]
        (root / f'span-{span}' / 'data.csv').write_text('\n'.join(lines) + '\n')
    return str(root)


def test_csv_example_gen_resolves_span_when_no_driver_ran(csv_data, tmp_path):
    properties = example_gen_properties(csv_data, 'span-{SPAN}/*')
    examples, xs = run_example_gen(
        tfx_executors.CsvExampleGenExecutor, properties, str(tmp_path / 'out')
    )
    assert xs == ROWS[2]  # span 2's rows only, split over train and eval
    assert examples.split_names == json.dumps(['train', 'eval'])
    found = marks(examples)
    # As TFX's driver marks them: custom properties; no version without a {VERSION}.
    assert found['custom']['span'].int_value == 2
    assert 'version' not in found['custom']
    span_2 = io_utils.generate_fingerprint('all', os.path.join(csv_data, 'span-2', '*'))
    assert found['custom']['input_fingerprint'].string_value == span_2
    assert found['properties'] == set()
    assert json.loads(properties[keys.INPUT_CONFIG_KEY])['splits'][0]['pattern'] == 'span-{SPAN}/*'


def test_resolve_spans_gives_what_tfx_file_based_driver_gives(csv_data):
    properties = example_gen_properties(csv_data, 'span-{SPAN}/*')
    ours = tfx_executors.resolve_spans(dict(properties))
    tfx = driver.FileBasedDriver(None).resolve_exec_properties(dict(properties), None, None)
    assert {k: v for k, v in tfx.items() if v is not None} == ours
    assert json.loads(ours[keys.INPUT_CONFIG_KEY])['splits'][0]['pattern'] == 'span-2/*'


def test_csv_example_gen_leaves_a_resolved_config_unchanged(csv_data, tmp_path):
    """LocalDagRunner and Vertex: the driver resolved the config and marked the output."""
    resolved = driver.FileBasedDriver(None).resolve_exec_properties(
        example_gen_properties(csv_data, 'span-{SPAN}/*'), None, None
    )
    assert tfx_executors.resolve_spans(resolved) is resolved
    marked = standard_artifacts.Examples()
    driver.update_output_artifact(resolved, marked.mlmd_artifact)
    before = marks(marked)
    examples, xs = run_example_gen(
        tfx_executors.CsvExampleGenExecutor, resolved, str(tmp_path / 'out'), marked
    )
    assert xs == ROWS[2]
    assert marks(examples) == before
    # A pattern without placeholders (no spans): nothing to resolve, nothing marked.
    plain = example_gen_properties(csv_data, 'span-1/*')
    examples, xs = run_example_gen(
        tfx_executors.CsvExampleGenExecutor, plain, str(tmp_path / 'plain')
    )
    assert xs == ROWS[1]
    assert marks(examples) == {'custom': {}, 'properties': set()}


def test_import_example_gen_resolves_span_and_version(tmp_path):
    data = tmp_path / 'data'
    for span, version, x in [(1, 1, 1), (2, 1, 20), (2, 2, 30), (2, 2, 31)]:
        folder = data / f'span-{span:02d}' / f'v{version}'
        os.makedirs(folder, exist_ok=True)
        write_records(str(folder / f'part-{x}.gz'), [example(x=[x], label=[0])])
    properties = example_gen_properties(str(data), 'span-{SPAN:2}/v{VERSION}/*')
    properties[keys.OUTPUT_DATA_FORMAT_KEY] = example_gen_pb2.FORMAT_TF_EXAMPLE
    examples, xs = run_example_gen(
        tfx_executors.ImportExampleGenExecutor, properties, str(tmp_path / 'out')
    )
    assert xs == [30, 31]  # span 2, its latest version
    found = marks(examples)
    assert (found['custom']['span'].int_value, found['custom']['version'].int_value) == (2, 2)
    assert found['properties'] == set()


def model_folder(root, has_model: bool):
    """A Model artifact: empty (LookBack before a blessed model) or with a serving model."""
    model = standard_artifacts.Model()
    model.uri = str(root)
    os.makedirs(os.path.join(model.uri, 'Format-Serving', 'variables'), exist_ok=True)
    if has_model:
        with open(os.path.join(model.uri, 'Format-Serving', 'saved_model.pb'), 'wb') as f:
            f.write(b'\n')
    return model


def test_a_model_folder_without_files_holds_no_model(tmp_path):
    assert not tfx_executors.holds_model(model_folder(tmp_path / 'empty', False))
    missing = standard_artifacts.Model()
    missing.uri = str(tmp_path / 'never-written')
    assert not tfx_executors.holds_model(missing)
    assert tfx_executors.holds_model(model_folder(tmp_path / 'model', True))


@pytest.mark.parametrize('key', [keys.BASE_MODEL_KEY, keys.BASELINE_MODEL_KEY])
def test_an_empty_model_is_dropped_and_a_model_kept(tmp_path, key):
    examples = [standard_artifacts.Examples()]
    empty = {keys.EXAMPLES_KEY: examples, key: [model_folder(tmp_path / 'empty', False)]}
    assert tfx_executors.without_empty_model(empty, key, 'C') == {keys.EXAMPLES_KEY: examples}
    assert key in empty  # the caller's dict is not changed
    held = {keys.EXAMPLES_KEY: examples, key: [model_folder(tmp_path / 'model', True)]}
    assert tfx_executors.without_empty_model(held, key, 'C') is held
    absent = {keys.EXAMPLES_KEY: examples}
    assert tfx_executors.without_empty_model(absent, key, 'C') is absent


def record_base_model(fn_args):
    """A Trainer run_fn: writes the base_model it got, and a stand-in serving model."""
    os.makedirs(fn_args.serving_model_dir, exist_ok=True)
    with open(os.path.join(fn_args.serving_model_dir, 'saved_model.pb'), 'wb') as f:
        f.write(b'\n')
    with open(os.path.join(fn_args.model_run_dir, 'base_model.json'), 'w') as f:
        json.dump(fn_args.base_model, f)


def run_trainer(executor_class, base_model, tmp_path, name):
    from tests.support.examples import make_examples_artifact

    records = [example(x=[1], label=[0])]
    examples = make_examples_artifact(
        str(tmp_path / 'examples'), {'train': records, 'eval': records}
    )
    model, model_run = standard_artifacts.Model(), standard_artifacts.ModelRun()
    model.uri, model_run.uri = str(tmp_path / name / 'model'), str(tmp_path / name / 'run')
    os.makedirs(model_run.uri)
    properties = {
        keys.RUN_FN_KEY: f'{__name__}.record_base_model',
        keys.TRAIN_ARGS_KEY: '{}',
        keys.EVAL_ARGS_KEY: '{}',
    }
    executor_class(base_executor.BaseExecutor.Context(tmp_dir=str(tmp_path / 'tmp'))).Do(
        {keys.EXAMPLES_KEY: [examples], keys.BASE_MODEL_KEY: [base_model]},
        {keys.MODEL_KEY: [model], keys.MODEL_RUN_KEY: [model_run]},
        properties,
    )
    with open(os.path.join(model_run.uri, 'base_model.json')) as f:
        return json.load(f)


def test_trainer_runs_without_an_empty_base_model(tmp_path):
    from tfx.components.trainer.executor import GenericExecutor

    empty = model_folder(tmp_path / 'empty', False)
    # TFX's own executor hands run_fn a path with no model in it.
    assert run_trainer(GenericExecutor, empty, tmp_path, 'tfx') == os.path.join(
        empty.uri, 'Format-Serving'
    )
    assert run_trainer(tfx_executors.TrainerExecutor, empty, tmp_path, 'first') is None
    held = model_folder(tmp_path / 'held', True)
    assert run_trainer(tfx_executors.TrainerExecutor, held, tmp_path, 'next') == os.path.join(
        held.uri, 'Format-Serving'
    )


def executor_args(spec: dict, task: str) -> list:
    component = spec['components'][spec['root']['dag']['tasks'][task]['componentRef']['name']]
    return spec['deploymentSpec']['executors'][component['executorLabel']]['container']


def test_kubeflow_v2_runs_our_executors_after_use_in(csv_data, tmp_path):
    import tensorflow_model_analysis as tfma
    import yaml
    from tfx import v1 as tfx

    from tfx_balance.orchestration import kubeflow

    def span_config():
        return tfx.proto.Input(splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')])

    csv_gen = tfx.components.CsvExampleGen(input_base=csv_data, input_config=span_config())
    csv_gen.with_beam_pipeline_args(['--own_flag=1'])
    import_gen = tfx.components.ImportExampleGen(
        input_base=csv_data, input_config=span_config()
    ).with_id('import_gen')
    statistics = tfx.components.StatisticsGen(examples=csv_gen.outputs['examples'])
    previous = tfx.dsl.Importer(
        source_uri=str(tmp_path / 'previous'), artifact_type=tfx.types.standard_artifacts.Model
    ).with_id('previous_model')
    trainer = tfx.components.Trainer(
        run_fn=f'{__name__}.record_base_model',
        examples=csv_gen.outputs['examples'],
        base_model=previous.outputs['result'],
    )
    evaluator = tfx.components.Evaluator(
        examples=csv_gen.outputs['examples'],
        model=trainer.outputs['model'],
        baseline_model=previous.outputs['result'],
        eval_config=tfma.EvalConfig(model_specs=[tfma.ModelSpec(label_key='label')]),
    )
    nodes = [csv_gen, import_gen, statistics, previous, trainer, evaluator]
    swapped = {node.id: tfx_executors.use_in(node) for node in nodes}
    assert swapped == {
        'CsvExampleGen': True,
        'import_gen': True,
        'StatisticsGen': False,
        'previous_model': False,
        'Trainer': True,
        'Evaluator': True,
    }
    assert all(tfx_executors.use_in(node) == swapped[node.id] for node in nodes)  # idempotent
    assert isinstance(csv_gen.executor_spec, executor_spec.BeamExecutorSpec)
    assert csv_gen.executor_spec.beam_pipeline_args == ['--own_flag=1']
    assert type(trainer.executor_spec) is executor_spec.ExecutorClassSpec
    pipeline = tfx.dsl.Pipeline(
        pipeline_name='tfx-executors-test',
        pipeline_root=str(tmp_path / 'root'),
        components=nodes,
        beam_pipeline_args=['--direct_num_workers=1'],
    )
    out = str(tmp_path / 'kfp')
    with open(kubeflow.compile_pipeline(pipeline, out, image='img:test').yaml_path) as f:
        spec = yaml.safe_load(f)
    classes = {
        'CsvExampleGen': 'CsvExampleGenExecutor',
        'import_gen': 'ImportExampleGenExecutor',
        'Trainer': 'TrainerExecutor',
        'Evaluator': 'EvaluatorExecutor',
    }
    for task, name in classes.items():
        args = executor_args(spec, task)['args']
        path = args[args.index('--executor_class_path') + 1]
        assert path == f'tfx_balance.orchestration.tfx_executors.{name}', task
    args = executor_args(spec, 'StatisticsGen')['args']
    assert args[args.index('--executor_class_path') + 1].startswith('tfx.components.')
    example_gen = executor_args(spec, 'CsvExampleGen')
    assert '--own_flag=1' in example_gen['args']
    assert 'preCacheCheck' in example_gen['lifecycle']  # Vertex still runs TFX's driver first


def test_use_in_refuses_an_unknown_example_gen_with_span_placeholders(tmp_path):
    from tfx import v1 as tfx
    from tfx.components.example_gen.component import FileBasedExampleGen
    from tfx.components.example_gen.custom_executors import avro_executor

    def avro_gen(pattern):
        return FileBasedExampleGen(
            input_base=str(tmp_path),
            input_config=tfx.proto.Input(
                splits=[tfx.proto.Input.Split(name='all', pattern=pattern)]
            ),
            custom_executor_spec=executor_spec.BeamExecutorSpec(avro_executor.Executor),
        )

    with pytest.raises(
        ConfigError, match=r'avro_executor.Executor does not resolve.*span-\{SPAN\}'
    ) as error:
        tfx_executors.use_in(avro_gen('span-{SPAN}/*'))
    assert 'ResolveSpansMixin' in str(error.value)
    assert tfx_executors.use_in(avro_gen('data/*')) is False
