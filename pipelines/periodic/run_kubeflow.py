"""Compiles the periodic pipeline for Kubeflow Pipelines (flags: see tfx_balance/orchestration/kubeflow.py).

Usage: python -m pipelines.periodic.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/taxi-spans]

The span is chosen the way TFX's periodic pipelines choose it: ExampleGen reads the newest
``span-{SPAN}/`` folder under ``--data-root`` when the run starts, so one compiled pipeline serves
every run (a recurring run, or one started when a span lands). Write the spans there with
``pipelines.periodic.spans.write_span``. The schema is read from the component image.

The pipeline has no Resolver: LookBack reads the earlier spans from the history under
``<pipeline root>/history`` (``tfx_balance.periodic``), so the same spec runs on open-source
Kubeflow Pipelines 2 and on Vertex AI. Start runs one at a time, with caching off.
"""

import posixpath

from pipelines.kubeflow_samples import kubeflow_factory
from pipelines.periodic.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance.orchestration import kubeflow

_create_pipeline = kubeflow_factory(create_pipeline, 'schemas/taxi.pbtxt', __name__)


def create_pipeline_for_kubeflow(root, pipeline_root, beam_args=None, data_root=None, **options):
    """The Kubeflow factory: the history under ``<pipeline_root>/history``."""
    history_root = posixpath.join(pipeline_root, 'history')
    return _create_pipeline(
        root, beam_args=beam_args, data_root=data_root, history_root=history_root, **options
    )


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
