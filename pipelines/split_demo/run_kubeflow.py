"""Compiles the split demo for Kubeflow Pipelines (flags: see tfx_balance/kubeflow.py).

Usage: python -m pipelines.split_demo.run_kubeflow --image IMAGE [--pipeline-root gs://...]
"""

from pipelines.split_demo.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance import kubeflow

if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline, default_name=PIPELINE_NAME)
