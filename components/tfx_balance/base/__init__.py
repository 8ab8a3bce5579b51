"""What every component is built from (as TFX's ``tfx.dsl.components.base``): the artifact types
and their layout (``artifacts``), the spec's channels and parameters, the ``html_report`` output and
its ``show`` in notebooks, and the base executor of the Examples -> Examples components."""
