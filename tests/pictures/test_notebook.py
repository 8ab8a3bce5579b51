"""A notebook (tests/pictures/pictures.ipynb) runs a small pipeline of our components with TFX's
InteractiveContext: ``context.show()`` draws each component's picture with its classes and
counts, TFX's own artifacts keep their visualization, and ``tfx_balance.show`` draws a picture
from an artifact's folder."""

import glob
import json
import os

import pytest

from tfx_balance.core.common import keys

pytestmark = pytest.mark.e2e

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The picture each show() cell draws, in the notebook's order.
SHOWN = ['split_counts', 'class_distribution', 'rebalance_plan', 'leakage', 'balance_plan']


def _html_outputs(cell) -> str:
    return ''.join(
        output.get('data', {}).get('text/html', '')
        for output in cell.get('outputs', [])
        if output.get('output_type') in ('display_data', 'execute_result')
    )


def _report(pipeline_root, component, key, name):
    (path,) = glob.glob(os.path.join(pipeline_root, component, key, '*', name))
    with open(path) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def executed(tmp_path_factory):
    import nbclient
    import nbformat

    root = str(tmp_path_factory.mktemp('notebook'))
    notebook = nbformat.read(os.path.join(HERE, 'pictures.ipynb'), as_version=4)
    env = dict(os.environ, NOTEBOOK_ROOT=root, PYTHONPATH=ROOT)
    saved = os.environ.copy()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        nbclient.NotebookClient(
            notebook, timeout=900, kernel_name='python3', resources={'metadata': {'path': ROOT}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return notebook, os.path.join(root, 'pipeline_root')


def test_show_draws_each_components_picture_with_its_classes_and_counts(executed):
    notebook, pipeline_root = executed
    cells = [c for c in notebook.cells if c.cell_type == 'code']
    shown = [_html_outputs(c) for c in cells if 'context.show(' in c.source][: len(SHOWN)]
    for html, kind in zip(shown, SHOWN):
        assert f'data-picture="{kind}"' in html, kind
        assert '<script' not in html
    split = _report(pipeline_root, 'StratifiedSplitter', 'examples', keys.SPLIT_COUNTS_FILE)
    for cls, per_split in split.items():
        for s, n in per_split.items():
            assert f'data-series="{s}" data-category="{cls}" data-value="{n}"' in shown[0]
    plan = _report(pipeline_root, 'BalancedAugmenter', 'examples', keys.REBALANCE_PLAN_FILE)
    for cls, row in plan['splits']['train'].items():
        assert f'data-series="after: synthetic" data-category="{cls}" ' in shown[2]
        assert f'<td>{cls}</td><td>{row["input"]:,}</td>' in shown[2]
    assert 'No example is in two splits' in shown[3]


def test_tfx_artifacts_keep_their_visualization_and_show_draws_from_a_folder(executed):
    notebook, _ = executed
    cells = [c for c in notebook.cells if c.cell_type == 'code']
    statistics = _html_outputs(next(c for c in cells if "outputs['statistics']" in c.source))
    assert 'facets' in statistics and 'data-picture' not in statistics  # TFDV's own
    from_folder = _html_outputs(cells[-1])
    assert 'data-picture="split_counts"' in from_folder
