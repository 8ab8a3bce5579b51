"""Compiles the digits pipeline for Kubeflow Pipelines (flags: see tfx_balance/orchestration/kubeflow.py).

Usage: python -m pipelines.digits.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/digits-data]

Write the data first with ``pipelines/digits/dataset.py`` and copy it to ``--data-root``. The schema
is read from the component image (docker/Dockerfile copies schemas/ there).
"""

from pipelines.digits.pipeline import PIPELINE_NAME, create_pipeline
from pipelines.kubeflow_samples import kubeflow_factory
from tfx_balance.orchestration import kubeflow

create_pipeline_for_kubeflow = kubeflow_factory(create_pipeline, 'schemas/digits.pbtxt', __name__)


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
