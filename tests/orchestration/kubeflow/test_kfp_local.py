"""``make kfp-local`` (tests/orchestration/kubeflow/kfp_local.py): every task of the compiled digits pipeline runs
in the image and gives the LocalDagRunner's results. Needs Docker (fails without it in CI)."""

import filecmp
import json
import os
import subprocess
import sys

import pytest
import yaml

from pipelines.digits.dataset import FILE_NAME
from tests.orchestration.kubeflow import kfp_local
from tests.support.samples import summary_of

pytestmark = pytest.mark.e2e


def test_task_order_puts_every_task_after_its_upstream_tasks():
    spec = {
        'root': {
            'dag': {
                'tasks': {
                    'c': {'dependentTasks': ['a', 'b']},
                    'b': {'dependentTasks': ['a']},
                    'a': {},
                }
            }
        }
    }
    assert kfp_local.task_order(spec) == ['a', 'b', 'c']
    spec['root']['dag']['tasks']['a'] = {'dependentTasks': ['c']}
    with pytest.raises(ValueError, match='cycle'):
        kfp_local.task_order(spec)


def test_every_digits_task_runs_in_the_image_and_matches_the_local_run(
    image, digits_demo_run, tmp_path
):
    """The local run compared with is the digits demo's (tests/pipelines/test_digits_e2e.py
    checks it): the same pipeline and arguments, and its data is what the tasks read."""
    demo_root, _ = digits_demo_run
    work = tmp_path / 'kfp-local'
    out = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.orchestration.kubeflow.kfp_local',
            '--work',
            str(work),
            '--no-build',
            '--image',
            image,
            '--local-run',
            demo_root,
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    with open(work / 'compiled' / 'pipeline.yaml') as f:
        tasks = yaml.safe_load(f)['root']['dag']['tasks']
    assert {'Transform', 'Trainer', 'BaselineTrainer', 'Evaluator', 'Pusher'} <= set(tasks)
    assert (
        f'kfp-local: {len(tasks)}/{len(tasks)} tasks ran in the image; outputs match the local run'
        in out.stdout
    )
    # Every task wrote its executor output where the KFP launcher reads it. No Beam step built
    # an sdist of TFX (the compiler's --sdk_container_image says the image has it).
    for task in tasks:
        assert os.path.isfile(work / 'kfp_outputs' / task / 'output_metadata.json'), task
        log = (work / 'logs' / f'{task}.log').read_text()
        assert 'Attempting to infer TFX Python dependency' not in log, task
    splitter_log = (work / 'logs' / 'StratifiedSplitter.log').read_text()
    assert 'Nonempty beam arg sdk_container_image already includes dependency' in splitter_log
    with open(work / 'summaries.json') as f:
        summaries = json.load(f)
    assert summaries['local'] == summary_of(demo_root)
    assert filecmp.cmp(work / 'data' / FILE_NAME, os.path.join(demo_root, 'data', FILE_NAME), False)
    assert summaries['kfp']['stages'] == summaries['local']['stages']
    assert [v['passed'] for v in summaries['kfp']['validators']] == [True, True]
    check_html_reports(work, tasks)


def check_html_reports(work, tasks):
    """Each system.HTML artifact the tasks wrote, as the KFP run page draws it (the file at the
    artifact's URI), opened in headless Chromium: the splitter's shows every class with its
    counts, as its split_counts.json has them; every other shows bars; a screenshot each."""
    from tests.support.browser import color_pixels, render
    from tfx_balance.core.pictures.charts import PALETTE

    pictures = sorted(os.listdir(work / kfp_local.HTML_REPORTS))
    expected = {'StratifiedSplitter', 'StratifiedCheck', 'BalancedAugmenter', 'BalancedCheck'}
    assert expected | {'BalancedInputGen'} <= {p[: -len('.html')] for p in pictures}
    blue = tuple(int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))
    for name in pictures:
        path = work / kfp_local.HTML_REPORTS / name
        dom = render(str(path), str(path.with_suffix('.png')), width=1000, height=1600)
        assert 'data-picture=' in dom and 'class="bar"' in dom, name
        assert color_pixels(str(path.with_suffix('.png')), blue) > 100, name
        if name == 'StratifiedSplitter.html':
            with open(
                work
                / 'pipeline_root'
                / 'StratifiedSplitter'
                / 'examples'
                / '1'
                / 'split_counts.json'
            ) as f:
                counts = json.load(f)
            for cls, per_split in counts.items():
                for split, n in per_split.items():
                    assert f'data-series="{split}" data-category="{cls}" data-value="{n}"' in dom


def test_periodic_runs_of_the_compiled_spec_match_the_local_runs_span_by_span(image, tmp_path):
    """Issues 75 and 82: the periodic sample without its training tail, compiled for Kubeflow (no
    Resolver), run in the image for a first span, a stopped one (span 2, shifted), span 4 and a
    re-run of it, span 3 late and span 1 again, against the same runs under LocalDagRunner."""
    work = tmp_path / 'kfp-local-periodic'
    argv = ['--work', str(work), '--no-build', '--image', image, '--periodic', '4']
    argv += ['--shifted-span', '2', '--rerun', '4', '--late', '3', '--again', '1']
    argv += ['--no-training']
    out = subprocess.run(
        [sys.executable, '-m', 'tests.orchestration.kubeflow.kfp_local', *argv],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    assert 'identical to the LocalDagRunner runs' in out.stdout
    with open(work / 'compiled' / 'pipeline.yaml') as f:
        executors = yaml.safe_load(f)['deploymentSpec']['executors']
    assert all(set(executor) == {'container'} for executor in executors.values())
    with open(work / 'summaries.json') as f:
        runs = json.load(f)['kfp']
    assert [r['span'] for r in runs] == [1, 2, 4, 4, 3, 1]
    assert [r['drift'].split(' (')[0] for r in runs] == ['pass', 'STOPPED'] + ['pass'] * 4
    # The stopped span changed nothing later runs read: the next run pins generation 1, span 1.
    assert [r['committed'] for r in runs] == [1, None, 2, 3, 4, 5]
    assert [r['generation'] for r in runs] == [0, 1, 1, 2, 3, 4]
    # A late span and an old re-run pin the spans after them too; LeakageCheck reads both sides.
    assert [r['pinned'] for r in runs] == [[], [1], [1], [1, 4], [1, 4], [1, 3, 4]]
    assert [r['window'] for r in runs] == [[1], [1, 2], [1, 4], [1, 4], [1, 3, 4], [1, 3, 4]]
    assert [r['laid_out'] for r in runs] == [[1], [], [4], [4], [3], [1]]
    # A re-run keeps every unit where the first run of its span put it, and counts once.
    assert runs[3]['split_groups'] == runs[2]['split_groups']
    assert runs[5]['split_groups'] == runs[0]['split_groups']
    assert all(r['groups_in_two_splits'] == [] for r in runs)
    index = work / 'pipeline_root' / 'history' / 'index'
    assert sorted(os.listdir(index)) == [f'g-0000000{g}.json' for g in (1, 2, 3, 4, 5)]
    with open(index / 'g-00000005.json') as f:
        assert [record['span'] for record in json.load(f)['spans']] == [1, 3, 4]
