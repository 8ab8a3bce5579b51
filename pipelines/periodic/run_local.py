"""Runs the periodic sample under LocalDagRunner (``make demo-periodic``): one run per span, in one
MLMD, each after its span's data arrived; prints a line per run and the closing table.

Usage: python -m pipelines.periodic.run_local [--root runs/periodic] [--spans 7]
       [--train-steps 300] [--seed 0] [--verbose]

Per run the table shows the span, the window of spans the Trainer read, the span's class counts
per split, the companies (and trips) found in more than one split over every span so far (0: the
splitter's assignments keep them), the drift verdict and the blessing. Span 7 is shifted on
purpose (``pipelines.periodic.spans``): the drift check stops its run before training.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
import time

from pipelines.common import local
from pipelines.periodic import spans as span_data


def _newest_dir(pipeline_root: str, component: str, output: str, after: int) -> str | None:
    """The output folder a component wrote in this run (execution id above ``after``), or None."""
    found = [
        (int(os.path.basename(path)), path)
        for path in glob.glob(os.path.join(pipeline_root, component, output, '*'))
        if os.path.basename(path).isdigit() and int(os.path.basename(path)) > after
    ]
    return max(found)[1] if found else None


def _last_execution(pipeline_root: str) -> int:
    ids = [
        int(os.path.basename(path))
        for path in glob.glob(os.path.join(pipeline_root, '*', '*', '*'))
        if os.path.basename(path).isdigit()
    ]
    return max(ids, default=0)


def split_groups(examples_dir: str) -> dict:
    """``{split: {group ids}}`` of a StratifiedSplitter output folder."""
    from tensorflow.core.example import example_pb2

    groups = {}
    for split_dir in sorted(glob.glob(os.path.join(examples_dir, 'Split-*'))):
        split = os.path.basename(split_dir)[len('Split-') :]
        ids = groups.setdefault(split, set())
        for path in glob.glob(os.path.join(split_dir, '*.gz')):
            for record in _records(path):
                example = example_pb2.Example.FromString(record)
                ids.add(example.features.feature[span_data.GROUP].bytes_list.value[0].decode())
    return groups


def _records(path: str):
    import tensorflow as tf

    yield from (r.numpy() for r in tf.data.TFRecordDataset(path, compression_type='GZIP'))


def _class_counts(examples_dir: str) -> dict:
    """``{class: {split: examples}}`` of the splitter's report."""
    with open(os.path.join(examples_dir, 'split_counts.json')) as f:
        return json.load(f)['counts']


def run(
    root: str, spans: int = span_data.SPANS, train_steps: int | None = None, seed: int = 0
) -> list:
    """Runs spans 1..``spans`` in ``root``; returns one summary dict per run."""
    from tfx import v1 as tfx

    from pipelines.periodic.pipeline import TRAIN_STEPS, WINDOW, create_pipeline

    data_root = os.path.join(root, 'data')
    pipeline_root = os.path.join(root, 'pipeline_root')
    runs, groups_so_far = [], []
    for span in range(1, spans + 1):
        span_data.write_span(span, data_root)  # the new span arrives
        before = _last_execution(pipeline_root)
        started, error = time.time(), None
        try:
            tfx.orchestration.LocalDagRunner().run(
                create_pipeline(
                    root=pipeline_root,
                    data_root=data_root,
                    train_steps=TRAIN_STEPS if train_steps is None else train_steps,
                    seed=seed,
                    metadata_path=os.path.join(root, 'metadata.db'),
                    serving_dir=os.path.join(root, 'serving'),
                )
            )
        except Exception as e:  # noqa: BLE001 - a stopped run is a result of the demo
            error = e
        split_dir = _newest_dir(pipeline_root, 'StratifiedSplitter', 'examples', before)
        if split_dir:
            groups_so_far.append(split_groups(split_dir))
        blessing = _newest_dir(pipeline_root, 'Evaluator', 'blessing', before)
        runs.append(
            {
                'span': span,
                'window': list(range(max(1, span - WINDOW + 1), span + 1)),
                'class_counts': _class_counts(split_dir) if split_dir else {},
                'groups_in_two_splits': span_data.groups_in_more_than_one_split(groups_so_far),
                'drift': _drift_verdict(pipeline_root, before, error),
                'trained': _newest_dir(pipeline_root, 'Trainer', 'model', before) is not None,
                'warm_start': span > 1
                and _newest_dir(pipeline_root, 'Trainer', 'model', before) is not None,
                'blessed': bool(blessing and os.path.exists(os.path.join(blessing, 'BLESSED'))),
                'pushed': _newest_dir(pipeline_root, 'Pusher', 'pushed_model', before) is not None,
                'stopped': local_error(error),
                'seconds': round(time.time() - started, 1),
            }
        )
        print(format_run(runs[-1]), flush=True)
    return runs


def local_error(error) -> str | None:
    if error is None:
        return None
    from tfx_balance import logs

    return logs.error_message(error).splitlines()[0]


def _drift_verdict(pipeline_root: str, before: int, error) -> str:
    from tfx_balance.core.class_distribution_validator import ClassDistributionError

    if isinstance(error, ClassDistributionError) or 'ClassDistributionValidator' in str(
        error or ''
    ):
        return 'STOPPED'
    if _newest_dir(pipeline_root, 'ClassDistributionValidator', 'anomalies', before) is None:
        return 'not run'
    return 'pass'


def format_run(r: dict) -> str:
    counts = ', '.join(
        f'{name} {"/".join(str(n) for n in by_split.values())}'
        for name, by_split in sorted(r['class_counts'].items())
    )
    return (
        f'span {r["span"]}: window {r["window"]}, train/eval/test {counts}, '
        f'groups in two splits so far {len(r["groups_in_two_splits"])}, drift {r["drift"]}, '
        f'trained {"yes (warm start)" if r["warm_start"] else "yes" if r["trained"] else "no"}, '
        f'blessed {"yes" if r["blessed"] else "no"}, pushed {"yes" if r["pushed"] else "no"}'
        + (f' [stopped: {r["stopped"]}]' if r['stopped'] else '')
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument('--root', default='runs/periodic')
    parser.add_argument('--spans', type=int, default=span_data.SPANS)
    parser.add_argument('--train-steps', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    local.add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    os.makedirs(args.root)
    with local.console_output(args.root, args.verbose):
        runs = run(args.root, args.spans, args.train_steps, args.seed)
    with open(os.path.join(args.root, 'summary.json'), 'w') as f:
        json.dump(runs, f, indent=1, default=sorted)
    print('\n'.join(format_run(r) for r in runs), file=sys.stdout)


if __name__ == '__main__':
    main()
