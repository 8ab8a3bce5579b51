"""Compiles the taxi pipeline for Kubeflow Pipelines (flags: see tfx_balance/orchestration/kubeflow.py).

Usage: python -m pipelines.taxi.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/taxi-data]

Copy the taxi CSV (``pipelines.taxi.pipeline.DATA_DIR``, in the tfx wheel) to a folder the pods
can read and pass it as ``--data-root``; without it the spec points at this machine's local copy
(the compiler warns). The schema is read from the component image (docker/Dockerfile copies
schemas/ there).
"""

from pipelines.kubeflow_samples import kubeflow_factory
from pipelines.taxi.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance.orchestration import kubeflow

create_pipeline_for_kubeflow = kubeflow_factory(create_pipeline, 'schemas/taxi.pbtxt', __name__)


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
