"""Compiles the cross-validated taxi pipeline for Kubeflow Pipelines (flags: see
tfx_balance/kubeflow.py; data and schema as in ``pipelines/taxi/run_kubeflow.py``).

Usage: python -m pipelines.taxi.run_kubeflow_cv --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/taxi-data]
"""

from pipelines.kubeflow_samples import image_path
from pipelines.taxi.cv_pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance import kubeflow


def create_pipeline_for_kubeflow(root, beam_args=None, data_root=None):
    return create_pipeline(
        root,
        data_root=data_root,
        schema_file=image_path('schemas/taxi.pbtxt'),
        beam_args=beam_args,
    )


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
