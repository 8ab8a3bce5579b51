"""How the components are orchestrated: periodic pipelines and history seeding, the
cross-validation pipeline, Kubeflow Pipelines 2 and Vertex AI, TFX executor shims and resolvers,
a run's pictures on one page, the runners' console."""
