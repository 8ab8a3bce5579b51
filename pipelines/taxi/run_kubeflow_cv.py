"""Compiles the cross-validated taxi pipeline for Kubeflow Pipelines (flags: see
tfx_balance/orchestration/kubeflow.py; data and schema as in ``pipelines/taxi/run_kubeflow.py``).

Usage: python -m pipelines.taxi.run_kubeflow_cv --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/taxi-data]
"""

from pipelines.kubeflow_samples import kubeflow_factory
from pipelines.taxi.cv_pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance.orchestration import kubeflow

create_pipeline_for_kubeflow = kubeflow_factory(create_pipeline, 'schemas/taxi.pbtxt', __name__)


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
