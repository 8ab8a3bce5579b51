"""Compiles the multi-label pipeline for Kubeflow Pipelines (flags: see tfx_balance/orchestration/kubeflow.py).

Usage: python -m pipelines.multilabel.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/multilabel-data]

Write the data first with ``pipelines/multilabel/dataset.py`` and copy it to ``--data-root``. The
schema is read from the component image (docker/Dockerfile copies schemas/ there).
"""

from pipelines.kubeflow_samples import kubeflow_factory
from pipelines.multilabel.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance.orchestration import kubeflow

create_pipeline_for_kubeflow = kubeflow_factory(
    create_pipeline, 'schemas/multilabel.pbtxt', __name__
)


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
