"""A run's pictures on one page. LocalDagRunner stores an ``HtmlReport`` as a file named
``value``, which a browser shows as text; ``run_page`` gathers the newest picture of every
component of a pipeline root, with the Evaluator's gate verdict, into one page::

    python -m tfx_balance.orchestration.run_pictures tfx_pipeline_output/my-pipeline
    # -> tfx_pipeline_output/my-pipeline/pictures.html: open it in a browser

On Kubeflow Pipelines and Vertex AI the run page draws the artifact itself (docs/pictures.md).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

from tfx_balance.base.html_report import VALUE_FILE
from tfx_balance.core.common import keys
from tfx_balance.core.pictures import charts

# One page of a run's pictures, at its pipeline root.
RUN_PAGE = 'pictures.html'


def _newest(folder: str) -> str | None:
    """The newest ``<folder>/<artifact id>`` (LocalDagRunner's layout), or None."""
    ids = [d for d in glob.glob(os.path.join(folder, '*')) if os.path.basename(d).isdigit()]
    return max(ids, key=lambda d: int(os.path.basename(d))) if ids else None


def run_pictures(pipeline_root: str) -> list:
    """``[(component id, HTML fragment)]``: the newest picture of every component under
    ``pipeline_root`` in the order they ran, then the Evaluator's gate verdict if it ran."""
    from tfx_balance.core.pictures import gate

    found = []
    for output in glob.glob(os.path.join(pipeline_root, '*', keys.HTML_REPORT_KEY)):
        newest = _newest(output)
        page_file = newest and os.path.join(newest, VALUE_FILE)
        if page_file and os.path.isfile(page_file):
            with open(page_file) as f:
                page = f.read()
            component = os.path.basename(os.path.dirname(output))
            found.append((int(os.path.basename(newest)), component, charts.fragment_of(page)))
    pictures = [(component, fragment) for _, component, fragment in sorted(found)]
    for evaluation in sorted(glob.glob(os.path.join(pipeline_root, '*', 'evaluation'))):
        newest = _newest(evaluation)
        if newest is None or not glob.glob(os.path.join(newest, 'validations*')):
            continue
        from tfx_balance.metrics.verdict import gate_verdict

        component = os.path.basename(os.path.dirname(evaluation))
        blessing = _newest(os.path.join(os.path.dirname(evaluation), 'blessing'))
        pictures.append((component, gate.picture(gate_verdict(newest, blessing))))
    return pictures


def run_page(pipeline_root: str, path: str | None = None) -> str:
    """Writes the page of a run's pictures (``run_pictures``) to ``path`` (default
    ``<pipeline_root>/pictures.html``) and returns its path."""
    pictures = run_pictures(pipeline_root)
    if not pictures:
        raise FileNotFoundError(
            f'{pipeline_root} holds no html_report output of a tfx-balance component (looked '
            f'for {os.path.join(pipeline_root, "*", keys.HTML_REPORT_KEY, "<id>", VALUE_FILE)}); '
            'pass a LocalDagRunner pipeline_root, e.g. tfx_pipeline_output/<pipeline name>.'
        )
    title = f'Pictures of {os.path.basename(os.path.normpath(pipeline_root))}'
    sections = '\n'.join(
        f'<section id="{charts.esc(c)}"><h2>{charts.esc(c)}</h2>{f}</section>' for c, f in pictures
    )
    page = charts.page(
        f'<div style="font-family:sans-serif"><h1>{charts.esc(title)}</h1>\n{sections}\n</div>',
        title,
    )
    path = path or os.path.join(pipeline_root, RUN_PAGE)
    with open(path, 'w') as f:
        f.write(page)
    return os.path.abspath(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog='python -m tfx_balance.orchestration.run_pictures',
        description="Writes one HTML page with a LocalDagRunner run's pictures and prints its path.",
    )
    parser.add_argument('pipeline_root', help='the pipeline_root of the run')
    parser.add_argument('--output', help=f'the page to write (default <pipeline_root>/{RUN_PAGE})')
    args = parser.parse_args(argv)
    try:
        print(run_page(args.pipeline_root, args.output))
    except FileNotFoundError as error:
        sys.exit(f'error: {error}')


if __name__ == '__main__':
    main()
