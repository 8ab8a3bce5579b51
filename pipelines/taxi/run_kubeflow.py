"""Compiles the taxi pipeline for Kubeflow Pipelines (flags: see pipelines/kubeflow.py).

Usage: python -m pipelines.taxi.run_kubeflow [--image ...] [--pipeline-root gs://...]
"""

from pipelines import kubeflow
from pipelines.taxi.pipeline import PIPELINE_NAME, create_pipeline

if __name__ == '__main__':
    kubeflow.main(create_pipeline, default_name=PIPELINE_NAME)
