"""Notebooks: ``tfx_balance.show`` draws a report's picture in any notebook, and
``InteractiveContext.show()`` draws our ``HtmlReport`` outputs (registered when this module is
imported: ``import tfx_balance`` does it where TFX is loaded, and so does taking a component from
``tfx_balance``)::

    import tfx_balance
    tfx_balance.show(splitter.outputs['html_report'])   # or an artifact, or a URI
    tfx_balance.show('/runs/root/StratifiedSplitter/examples/12')  # a folder with a report
"""

from __future__ import annotations

import json
import os

from tfx import types
from tfx.dsl.io import fileio

from tfx_balance.base.html_report import HtmlReport
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.pictures import PICTURES, picture_page
from tfx_balance.core.pictures.charts import fragment_of

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
