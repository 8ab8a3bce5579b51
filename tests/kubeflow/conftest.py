"""Compiled Kubeflow specs shared by the tests in this folder (compiled once per session)."""

import os

import pytest
import yaml

from pipelines import kubeflow
from tests.kubeflow import module_pipeline

# Not the default image: the tests prove the image setting reaches every step.
TEST_IMAGE = 'registry.example.com/team/tfx-balance:test'
# Every pipeline listed for Kubeflow, plus the test pipeline whose Trainer has a module_file.
FACTORIES = dict(kubeflow.KUBEFLOW_PIPELINES)
FACTORIES[module_pipeline.PIPELINE_NAME] = 'tests.kubeflow.module_pipeline:create_pipeline'
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
        done = kubeflow.compile_pipeline(
            kubeflow.load_factory(FACTORIES[name]),
            name=name,
            output_dir=out,
            image=TEST_IMAGE,
            vertex=True,
        )
        result[name] = (done, load_yaml(done.yaml_path))
    return result


def executors(spec: dict) -> dict:
    return spec['deploymentSpec']['executors']


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
