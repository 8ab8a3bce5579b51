"""The container entrypoint of the Kubeflow tasks that output an ``HtmlReport``: TFX's
``kubeflow_v2_run_executor`` (same arguments), which also maps the ``system.HTML`` schema title
the KFP and Vertex AI UIs draw (``orchestration.kubeflow``) to ``HtmlReport``::

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
