"""The ``html_report`` output every component that writes a report has: the ``HtmlReport``
artifact type (one self-contained HTML page), the spec base that declares the output and takes
the argument (``HtmlReportSpec``), the argument's doc, and the executor's write. The Kubeflow
Pipelines and Vertex AI run pages draw it (``tfx_balance.orchestration.kubeflow``), a notebook
shows it (``tfx_balance.show``), and the drawing is ``tfx_balance.core.pictures``'s
(docs/pictures.md).
"""

from __future__ import annotations

import os

from absl import logging
from tfx import types
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, value_artifact
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_balance.core.common import keys

# The argument every component that writes a report takes, and its doc (parameters.documented).
ARGUMENT = keys.HTML_REPORT_KEY
ARGUMENT_DOC = (
    f'{ARGUMENT}: whether to output the report as a picture, an ``HtmlReport`` artifact (one '
    'HTML file; Kubeflow Pipelines and Vertex AI draw it in the run page; '
    '``tfx_balance.show`` in a notebook). Default True.'
)


# The schema title of the artifacts the Kubeflow Pipelines and Vertex AI run pages draw as HTML
# (KFP's frontend reads the artifact's URI as the page); tfx_balance.orchestration.kubeflow compiles
# HtmlReport outputs with it.
HTML_SCHEMA_TITLE = 'system.HTML'
HTML_SCHEMA_VERSION = '0.0.1'


class HtmlReport(value_artifact.ValueArtifact):
    """A component's report as one self-contained HTML page; the artifact's URI is the file."""

    TYPE_NAME = 'tfx_balance.HtmlReport'

    def encode(self, value: str) -> bytes:
        return value.encode('utf-8')

    def decode(self, serialized_value: bytes) -> str:
        return serialized_value.decode('utf-8')


class HtmlReportSpec(ComponentSpec, validate=False):
    """The spec of a component with a picture of its report: its ``OUTPUTS`` get the optional
    ``html_report`` output, and it takes the constructor's ``html_report`` switch (True: a
    channel; False: none)::

        class LeakageCheckSpec(HtmlReportSpec):
            OUTPUTS = {'anomalies': ChannelParameter(type=standard_artifacts.ExampleAnomalies)}

        LeakageCheckSpec(..., html_report=html_report)
    """

    def __init_subclass__(cls, **kwargs):
        cls.OUTPUTS = {**cls.OUTPUTS, ARGUMENT: ChannelParameter(type=HtmlReport, optional=True)}
        super().__init_subclass__(**kwargs)

    def __init__(self, html_report: bool = True, **kwargs):
        channel = types.Channel(type=HtmlReport) if html_report else None
        super().__init__(**kwargs, html_report=channel)


def write(output_dict, report_file: str, report: dict) -> None:
    """Draws ``report`` (the JSON ``report_file`` holds) into the ``html_report`` output, if the
    component has it (an executor's last step: the drawing costs milliseconds), and logs the path
    a browser opens (``browser_file``)."""
    outputs = output_dict.get(keys.HTML_REPORT_KEY)
    if outputs:
        from tfx_balance.core.pictures import PICTURES, picture_page  # the drawing, only here

        artifact = artifact_utils.get_single_instance(outputs)
        # Its URI is the file. LocalDagRunner makes its folder; Kubeflow's container entrypoint
        # does not (a local path there has none until something writes one).
        fileio.makedirs(os.path.dirname(artifact.uri))
        page = picture_page(report_file, report)
        artifact.write(page)
        # LocalDagRunner's `value` file shows as text in a browser: a report.html beside it.
        logging.info(
            '%s; open in a browser: %s', PICTURES[report_file][1], browser_file(artifact.uri, page)
        )


# What a browser opens: written beside LocalDagRunner's `value` file.
BROWSER_FILE = 'report.html'
# TFX's name of a value artifact's file under LocalDagRunner (tfx.orchestration.portable.
# outputs_utils); under Kubeflow the URI is the output's own name.
VALUE_FILE = 'value'


def browser_file(uri: str, page: str) -> str:
    """The path a browser opens as the picture of the HtmlReport at ``uri``, whose content is
    ``page``: ``report.html`` written beside a LocalDagRunner ``value`` file, else ``uri``."""
    if os.path.basename(uri) != VALUE_FILE:
        return uri
    path = os.path.join(os.path.dirname(uri), BROWSER_FILE)
    with fileio.open(path, 'w') as f:
        f.write(page)
    return os.path.abspath(path) if '://' not in path else path
