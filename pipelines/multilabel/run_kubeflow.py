"""Compiles the multi-label pipeline for Kubeflow Pipelines (flags: see tfx_balance/kubeflow.py).

Usage: python -m pipelines.multilabel.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/multilabel-data]

Write the data first with ``pipelines/multilabel/dataset.py`` and copy it to ``--data-root``. The
schema is read from the component image (docker/Dockerfile copies schemas/ there).
"""

from pipelines.kubeflow_samples import image_path
from pipelines.multilabel.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance import kubeflow


def create_pipeline_for_kubeflow(root, beam_args=None, data_root=None):
    return create_pipeline(
        root,
        data_root=data_root,
        schema_file=image_path('schemas/multilabel.pbtxt'),
        beam_args=beam_args,
    )


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
