"""Compiles the periodic pipeline for Kubeflow Pipelines (flags: see tfx_balance/kubeflow.py).

Usage: python -m pipelines.periodic.run_kubeflow --image IMAGE [--pipeline-root gs://...]
       [--data-root gs://bucket/taxi-spans]

The span is chosen the way TFX's periodic pipelines choose it: ExampleGen reads the newest
``span-{SPAN}/`` folder under ``--data-root`` when the run starts, so one compiled pipeline serves
every run (a recurring run, or one started when a span lands). Write the spans there with
``pipelines.periodic.spans.write_span``. The schema is read from the component image.

Built with ``kubeflow_v2=True``: TFX's Kubeflow V2 compiler compiles two Resolver strategies only
(LatestArtifactStrategy with one artifact, LatestBlessedModelStrategy), so the earlier
assignments and the drift baseline are the latest ones and the Trainer reads this span only.
For Vertex AI Pipelines: open-source Kubeflow Pipelines 2 runs no Resolver task and no
ExampleGen span driver (pipelines/periodic/README.md).
"""

import functools

from pipelines.kubeflow_samples import kubeflow_factory
from pipelines.periodic.pipeline import PIPELINE_NAME, create_pipeline
from tfx_balance import kubeflow

create_pipeline_for_kubeflow = kubeflow_factory(
    functools.partial(create_pipeline, kubeflow_v2=True), 'schemas/taxi.pbtxt', __name__
)


if __name__ == '__main__':
    kubeflow.main(factory=create_pipeline_for_kubeflow, default_name=PIPELINE_NAME)
