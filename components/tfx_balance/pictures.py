"""The pictures of the components' reports where TFX users look: each component's optional
``html_report`` output (an ``HtmlReport``, on by default), drawn in the Kubeflow Pipelines and
Vertex AI run page (``tfx_balance.kubeflow`` compiles it as a ``system.HTML`` artifact), by
``InteractiveContext.show()`` (registered when this module is imported: every component imports
it), and in any notebook by ``tfx_balance.show``::

    import tfx_balance
    tfx_balance.show(splitter.outputs['html_report'])   # or an artifact, or a URI
    tfx_balance.show('/runs/root/StratifiedSplitter/examples/12')  # a folder with a report

The drawing is ``tfx_balance.core.pictures``'s (docs/pictures.md).
"""

from __future__ import annotations

import json
import os

from absl import logging
from tfx import types
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, value_artifact
from tfx.types.component_spec import ChannelParameter

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.pictures import PICTURES, picture_page
from tfx_balance.core.pictures.charts import fragment_of
from tfx_balance.run_pictures import browser_file

# The argument every component that writes a report takes, and its doc (parameters.documented).
ARGUMENT = keys.HTML_REPORT_KEY
ARGUMENT_DOC = (
    f'{ARGUMENT}: whether to output the report as a picture, an ``HtmlReport`` artifact (one '
    'HTML file; Kubeflow Pipelines and Vertex AI draw it in the run page; '
    '``tfx_balance.show`` in a notebook). Default True.'
)


# The schema title of the artifacts the Kubeflow Pipelines and Vertex AI run pages draw as HTML
# (KFP's frontend reads the artifact's URI as the page); tfx_balance.kubeflow compiles
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


# The ComponentSpec OUTPUTS entry of the components that take ARGUMENT.
SPEC_OUTPUTS = {keys.HTML_REPORT_KEY: ChannelParameter(type=HtmlReport, optional=True)}


def output_channels(html_report: bool) -> dict:
    """The ComponentSpec arguments of the ``html_report`` output: a channel, or none (off)."""
    return {keys.HTML_REPORT_KEY: types.Channel(type=HtmlReport) if html_report else None}


def write(output_dict, report_file: str, report: dict) -> None:
    """Draws ``report`` (the JSON ``report_file`` holds) into the ``html_report`` output, if the
    component has it (an executor's last step: the drawing costs milliseconds), and logs the path
    a browser opens (``tfx_balance.run_pictures.browser_file``)."""
    outputs = output_dict.get(keys.HTML_REPORT_KEY)
    if outputs:
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


# What show() takes, said in each of its errors.
SHOW_TAKES = (
    "pass a component's html_report output (a channel after InteractiveContext.run, or its "
    "artifact), the file at its URI, or the folder of its report (e.g. StratifiedSplitter's "
    'examples)'
)


def _page_of(item) -> str:
    """The HTML page of an HtmlReport (artifact or file URI), or drawn from the report JSON in an
    artifact folder (e.g. StratifiedSplitter's ``examples``); a ``ConfigError`` naming the path
    when it holds no report."""
    uri = getattr(item, 'uri', item)
    if not isinstance(uri, str):
        raise ConfigError(f'show: {item!r}'[:300] + f' is not a report: {SHOW_TAKES}.')
    if not fileio.exists(uri):
        raise ConfigError(f'show: {uri} does not exist: {SHOW_TAKES}.')
    if fileio.isdir(uri):
        found = [name for name in PICTURES if fileio.exists(os.path.join(uri, name))]
        if not found:
            raise ConfigError(
                f'show: the folder {uri} holds none of the reports a picture is drawn from '
                f'({", ".join(sorted(PICTURES))}): {SHOW_TAKES}.'
            )
        with fileio.open(os.path.join(uri, found[0]), 'r') as f:
            return picture_page(found[0], json.load(f))
    with fileio.open(uri, 'rb') as f:
        page = f.read()
    if not page:
        raise DataError(
            f'show: {uri} is empty: the component that writes this report failed (a failed '
            "component empties its html_report). Its error is in the run's log; fix it and run "
            'the component again.'
        )
    try:
        text = page.decode('utf-8')
    except UnicodeDecodeError:
        text = ''
    if not text.lstrip()[:15].lower().startswith('<!doctype html'):
        raise ConfigError(f'show: {uri} is not a report (not an HTML page): {SHOW_TAKES}.')
    return text


def pictures_of(item) -> list:
    """The HTML pages ``item`` shows: an artifact or a URI, or a channel's (resolved) artifacts;
    a ``ConfigError`` for a channel without any (its component did not run)."""
    if isinstance(item, types.BaseChannel):
        artifacts = list(item.get())
        if not artifacts:
            producer = getattr(item, 'producer_component_id', None) or 'a component'
            key = getattr(item, 'output_key', None) or keys.HTML_REPORT_KEY
            raise ConfigError(
                f"show: {producer}.outputs['{key}'] has no artifact: the component has not run "
                '(run it first, e.g. InteractiveContext.run), or it failed before writing its '
                f"report (its error is in the run's log). Or {SHOW_TAKES}."
            )
        return [_page_of(artifact) for artifact in artifacts]
    return [_page_of(item)]


def show(item) -> None:
    """Draws the picture of ``item`` in a notebook: an ``html_report`` channel (after
    ``InteractiveContext.run``), an HtmlReport artifact, its file's URI, or the folder of a
    component's report (e.g. StratifiedSplitter's examples: drawn from ``split_counts.json``).
    Anything else, or a report that is not there (a component that did not run, or failed), is
    a ``ConfigError``/``DataError`` naming it: ``show`` never draws nothing silently."""
    from IPython.display import HTML, display

    for page in pictures_of(item):
        display(HTML(fragment_of(page)))


def _register_visualization() -> None:
    """``InteractiveContext.show(channel)`` draws our HtmlReport artifacts; TFX's own types keep
    their visualizations (the registry is keyed by type name)."""
    from tfx.orchestration.experimental.interactive import visualizations

    class HtmlReportVisualization(visualizations.ArtifactVisualization):
        ARTIFACT_TYPE = HtmlReport

        def display(self, artifact) -> None:
            show(artifact)

    visualizations.get_registry().register(HtmlReportVisualization)


_register_visualization()
