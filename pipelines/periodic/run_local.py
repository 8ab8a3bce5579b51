"""Runs the periodic sample under LocalDagRunner (``make demo-periodic``): one run per span, in one
MLMD and one history, each after its span's data arrived; prints a line per run and the table.

Usage: python -m pipelines.periodic.run_local [--root runs/periodic] [--spans 7]
       [--train-steps 300] [--seed 0] [--shifted-span 7] [--rerun SPAN] [--late SPAN]
       [--again SPAN] [--no-training]
       [--verbose]

Per run (``pipelines.periodic.report``, from the run's outputs): the history generation LookBack
pinned, the spans whose units were pinned, the window LeakageCheck and the Trainer read, the
span's class counts per split, the companies (and trips) found in more than one split over the
committed spans (0: the splitter's assignments keep them), the drift verdict, the training and
blessing, and the generation CommitSpan created. Span 7 is shifted on purpose
(``pipelines.periodic.spans``): the drift check stops its run before training.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
import time
from typing import Sequence

from pipelines.common import local
from pipelines.periodic import report
from pipelines.periodic import spans as span_data


def _newest_dir(pipeline_root: str, component: str, output: str, after: int) -> str | None:
    """The output folder a component wrote in this run (execution id above ``after``), or None."""
    found = [
        (int(os.path.basename(path)), path)
        for path in glob.glob(os.path.join(pipeline_root, component, output, '*'))
        if os.path.basename(path).isdigit() and int(os.path.basename(path)) > after
    ]
    return max(found)[1] if found else None


def _last_execution(metadata_path: str) -> int:
    """The id of the newest execution in MLMD (0 before the first run): this run's are above."""
    if not os.path.exists(metadata_path):
        return 0
    return max((e.id for e in _store(metadata_path).get_executions()), default=0)


def _store(metadata_path: str):
    from ml_metadata.metadata_store import metadata_store
    from tfx.orchestration import metadata

    return metadata_store.MetadataStore(metadata.sqlite_metadata_connection_config(metadata_path))


def run(
    root: str,
    spans: int = span_data.SPANS,
    train_steps: int | None = None,
    seed: int = 0,
    shifted_span: int | None = span_data.SHIFTED_SPAN,
    rerun: Sequence[int] = (),
    training: bool = True,
    late: Sequence[int] = (),
    again: Sequence[int] = (),
) -> list:
    """Runs spans 1..``spans`` in ``root`` (``shifted_span``: the span whose class mix is shifted
    on purpose, None for none; ``rerun``: spans run a second time right after their first run;
    ``late``: spans run after all the others; ``again``: spans run again at the end;
    ``training``: False leaves out Transform, the Trainer, the Evaluator and the Pusher); returns
    one summary dict per run (``pipelines.periodic.report``)."""
    from tfx import v1 as tfx

    from pipelines.periodic.pipeline import TRAIN_STEPS, create_pipeline

    data_root = os.path.join(root, 'data')
    pipeline_root = os.path.join(root, 'pipeline_root')
    serving_dir = os.path.join(root, 'serving')
    metadata_path = os.path.join(root, 'metadata.db')
    runs, groups_so_far = [], {}
    for span in span_data.schedule(spans, rerun, late, again):
        span_data.arrive(span, data_root, shifted_span)  # the span's data, the newest
        before = _last_execution(metadata_path)
        pushed_before = _pushed(serving_dir)
        started, error = time.time(), None
        try:
            tfx.orchestration.LocalDagRunner().run(
                create_pipeline(
                    root=pipeline_root,
                    data_root=data_root,
                    train_steps=TRAIN_STEPS if train_steps is None else train_steps,
                    seed=seed,
                    metadata_path=metadata_path,
                    serving_dir=serving_dir,
                    training=training,
                )
            )
        except Exception as e:  # noqa: BLE001 - a stopped run is a result of the demo
            error = e
        outputs = {
            key: found
            for key in report.OUTPUTS
            for found in [_newest_dir(pipeline_root, *key, before)]
            if found
        }
        summary = report.span_summary(span, outputs, local_error(error), groups_so_far)
        summary.update(
            pushed=_pushed(serving_dir) != pushed_before, seconds=round(time.time() - started, 1)
        )
        runs.append(summary)
        print(report.format_run(runs[-1]), flush=True)
    return runs


def _pushed(serving_dir: str) -> list:
    """The model versions the Pusher has put in ``serving_dir``."""
    return sorted(os.listdir(serving_dir)) if os.path.isdir(serving_dir) else []


def local_error(error) -> str | None:
    if error is None:
        return None
    from tfx_balance.orchestration import logs

    return logs.error_message(error).split('\n\n', 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument('--root', default='runs/periodic')
    parser.add_argument('--spans', type=int, default=span_data.SPANS)
    parser.add_argument('--train-steps', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--shifted-span',
        type=int,
        default=span_data.SHIFTED_SPAN,
        help='the span whose Cash trips are thinned, so that the drift check stops it (0: none)',
    )
    parser.add_argument(
        '--rerun',
        type=int,
        action='append',
        default=[],
        help='a span to run twice in a row (its second run replaces the first in the history)',
    )
    parser.add_argument(
        '--late',
        type=int,
        action='append',
        default=[],
        help="a span run after all the others (it arrives late: its users keep the later spans' "
        'splits)',
    )
    parser.add_argument(
        '--again',
        type=int,
        action='append',
        default=[],
        help='a span run again at the end, after later spans (an old re-run)',
    )
    parser.add_argument(
        '--no-training',
        dest='training',
        action='store_false',
        help='leave out Transform, the Trainer, the Evaluator and the Pusher',
    )
    local.add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    os.makedirs(args.root)
    with local.console_output(args.root, args.verbose):
        runs = run(
            args.root,
            args.spans,
            args.train_steps,
            args.seed,
            args.shifted_span or None,
            args.rerun,
            args.training,
            args.late,
            args.again,
        )
    with open(os.path.join(args.root, 'summary.json'), 'w') as f:
        json.dump(runs, f, indent=1, default=sorted)
    print('\n'.join(report.format_run(r) for r in runs), file=sys.stdout)


if __name__ == '__main__':
    main()
