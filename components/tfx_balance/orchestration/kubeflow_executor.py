"""The container entrypoint of the Kubeflow tasks that output an ``HtmlReport``: TFX's
(``kubeflow_v2_run_executor``, same arguments), which also knows the ``system.HTML`` schema title.

TFX's entrypoint imports each artifact's class by its schema title; ``tfx_balance.orchestration.kubeflow``
compiles the ``html_report`` outputs with the title Kubeflow Pipelines and Vertex AI draw,
``system.HTML``, which names no module, so it is mapped to ``HtmlReport`` here, before TFX reads
the task's artifacts. Usage (what the compiled spec runs)::

    python -m tfx_balance.orchestration.kubeflow_executor --executor_class_path ... --json_serialized_invocation_args ...
"""

from __future__ import annotations

from tfx.orchestration.kubeflow.v2 import compiler_utils

from tfx_balance.base.html_report import HTML_SCHEMA_TITLE, HtmlReport

compiler_utils.TITLE_TO_CLASS_PATH.setdefault(
    HTML_SCHEMA_TITLE, f'{HtmlReport.__module__}.{HtmlReport.__name__}'
)

if __name__ == '__main__':
    from absl import app
    from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_run_executor as tfx_entrypoint

    app.run(tfx_entrypoint.main, flags_parser=tfx_entrypoint._parse_flags)  # noqa: SLF001
