"""The sample pipelines compiled for Kubeflow, and where the image keeps this repository's files.

Each sample has a thin ``pipelines/<name>/run_kubeflow.py`` around ``tfx_balance.kubeflow.main``
and one line in ``KUBEFLOW_PIPELINES`` (tests/kubeflow compiles and checks every entry).
"""

from typing import Dict

# Sample pipelines compiled for Kubeflow: name -> 'module:factory'.
KUBEFLOW_PIPELINES: Dict[str, str] = {
    'tfx-balance-taxi': 'pipelines.taxi.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-digits': 'pipelines.digits.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-taxi-cv': 'pipelines.taxi.run_kubeflow_cv:create_pipeline_for_kubeflow',
    'tfx-balance-multilabel': 'pipelines.multilabel.run_kubeflow:create_pipeline_for_kubeflow',
}

# Where docker/Dockerfile puts this repository's pipelines/ and schemas/ inside the image.
IMAGE_SOURCE_ROOT = '/opt/tfx-balance'


def image_path(repo_relative: str) -> str:
    """Path inside the component image of a file of this repository (e.g. a schema)."""
    return f'{IMAGE_SOURCE_ROOT}/{repo_relative}'
