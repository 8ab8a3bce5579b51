"""The sample pipelines compiled for Kubeflow, and where the image keeps this repository's files.

Each sample has a thin ``pipelines/<name>/run_kubeflow.py`` around ``tfx_balance.orchestration.kubeflow.main``
(its factory made by ``kubeflow_factory``) and one line in ``KUBEFLOW_PIPELINES``
(tests/orchestration/kubeflow compiles and checks every entry).
"""

from typing import Callable, Dict

# Sample pipelines compiled for Kubeflow: name -> 'module:factory'.
KUBEFLOW_PIPELINES: Dict[str, str] = {
    'tfx-balance-taxi': 'pipelines.taxi.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-digits': 'pipelines.digits.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-taxi-cv': 'pipelines.taxi.run_kubeflow_cv:create_pipeline_for_kubeflow',
    'tfx-balance-multilabel': 'pipelines.multilabel.run_kubeflow:create_pipeline_for_kubeflow',
    'tfx-balance-periodic': 'pipelines.periodic.run_kubeflow:create_pipeline_for_kubeflow',
}

# Where docker/Dockerfile puts this repository's pipelines/ and schemas/ inside the image.
IMAGE_SOURCE_ROOT = '/opt/tfx-balance'


def image_path(repo_relative: str) -> str:
    """Path inside the component image of a file of this repository (e.g. a schema)."""
    return f'{IMAGE_SOURCE_ROOT}/{repo_relative}'


def kubeflow_factory(create_pipeline: Callable, schema: str, module: str) -> Callable:
    """The Kubeflow factory ``create_pipeline_for_kubeflow(root, beam_args=None, data_root=None,
    **options)`` of a sample's ``create_pipeline`` (``options``: its other arguments), with the schema read from the component image
    (``schema`` is repository-relative). ``module`` is the run script's ``__name__`` (the
    factory's ``__module__``, which ``tfx_balance.orchestration.kubeflow`` names the output folder after).

    Example (a sample's ``run_kubeflow.py``)::

        create_pipeline_for_kubeflow = kubeflow_factory(
            create_pipeline, 'schemas/digits.pbtxt', __name__
        )
    """

    def create_pipeline_for_kubeflow(root, beam_args=None, data_root=None, **options):
        return create_pipeline(
            root,
            data_root=data_root,
            schema_file=image_path(schema),
            beam_args=beam_args,
            **options,
        )

    create_pipeline_for_kubeflow.__module__ = module
    create_pipeline_for_kubeflow.__qualname__ = 'create_pipeline_for_kubeflow'
    return create_pipeline_for_kubeflow
