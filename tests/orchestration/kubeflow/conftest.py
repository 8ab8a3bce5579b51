"""Compiled Kubeflow specs shared by the tests in this folder (compiled once per session)."""

import os

import pytest
import yaml

from pipelines.kubeflow_samples import KUBEFLOW_PIPELINES
from tests.orchestration.kubeflow import module_pipeline
from tfx_balance.core.common import keys

# Not the default image: the tests prove the image setting reaches every step.
from tfx_balance.orchestration import kubeflow

TEST_IMAGE = 'registry.example.com/team/tfx-balance:test'
# Every pipeline listed for Kubeflow, plus the test pipeline whose Trainer has a module_file.
FACTORIES = dict(KUBEFLOW_PIPELINES)
FACTORIES[module_pipeline.PIPELINE_NAME] = (
    'tests.orchestration.kubeflow.module_pipeline:create_pipeline'
)
NAMES = sorted(FACTORIES)


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


@pytest.fixture(scope='session')
def compiled(tmp_path_factory):
    """name -> (kubeflow.Compiled, parsed pipeline.yaml dict) with the default Beam args."""
    result = {}
    for name in NAMES:
        out = str(tmp_path_factory.mktemp(name))
        pipeline = kubeflow.pipeline_from_factory(
            kubeflow.load_factory(FACTORIES[name]), output_dir=out, name=name
        )
        done = kubeflow.compile_pipeline(pipeline, out, image=TEST_IMAGE)
        result[name] = (done, load_yaml(done.yaml_path))
    return result


def executors(spec: dict) -> dict:
    """The executors that run a container (our image); a Resolver's executor is an MLMD query
    the KFP backend runs itself (``resolvers``)."""
    return {k: e for k, e in spec['deploymentSpec']['executors'].items() if 'container' in e}


def html_report_executors(spec: dict) -> set:
    """The executor labels of the components with an ``html_report`` output."""
    return {
        component['executorLabel']
        for component in spec['components'].values()
        if keys.HTML_REPORT_KEY in component.get('outputDefinitions', {}).get('artifacts', {})
    }


def resolvers(spec: dict) -> dict:
    """``{executor label: its artifact queries}`` of the Resolver executors."""
    return {
        label: executor['resolver']['outputArtifactQueries']
        for label, executor in spec['deploymentSpec']['executors'].items()
        if 'resolver' in executor
    }


def executor_of(spec: dict, task: str) -> dict:
    component = spec['components'][spec['root']['dag']['tasks'][task]['componentRef']['name']]
    return executors(spec)[component['executorLabel']]


def constants(spec: dict, task: str) -> dict:
    """The task's parameter constants (what the KFP driver passes as parameterValues)."""
    parameters = spec['root']['dag']['tasks'][task].get('inputs', {}).get('parameters', {})
    return {
        key: value['runtimeValue']['constant']
        for key, value in parameters.items()
        if 'constant' in value.get('runtimeValue', {})
    }


def wheels_dir(pipeline_root: str) -> str:
    return os.path.join(pipeline_root, '_wheels')


def require_docker() -> None:
    """Skips without Docker, except in CI (CI=true), where .ci/run starts a daemon: then it fails."""
    from tests.orchestration.kubeflow import kfp_local

    problem = kfp_local.docker_problem()
    if problem is None:
        return
    if os.environ.get('CI') == 'true':
        pytest.fail(f'CI=true but Docker cannot be used ({problem}); .ci/run starts dockerd')
    pytest.skip(f'needs a running Docker daemon: {problem}')


@pytest.fixture(scope='session')
def image():
    """The image (tag) built from docker/Dockerfile, once per session (stand-in base if needed)."""
    from tests.orchestration.kubeflow import kfp_local

    require_docker()
    seconds = kfp_local.build_image(kfp_local.IMAGE)
    print(f'image {kfp_local.IMAGE} built in {seconds:.0f}s')
    return kfp_local.IMAGE
