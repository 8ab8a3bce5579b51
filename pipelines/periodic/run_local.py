"""Runs the periodic sample under LocalDagRunner (``make demo-periodic``): one run per span, in one
MLMD, each after its span's data arrived; prints a line per run and the closing table.

Usage: python -m pipelines.periodic.run_local [--root runs/periodic] [--spans 7]
       [--train-steps 300] [--seed 0] [--verbose]

Per run the table shows the span, the window of spans LeakageCheck read, the span BalancedInputGen
laid out and the spans whose layouts the Trainer read (each from MLMD), the span's class counts
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


def _last_execution(metadata_path: str) -> int:
    """The id of the newest execution in MLMD (0 before the first run): this run's are above."""
    if not os.path.exists(metadata_path):
        return 0
    return max((e.id for e in _store(metadata_path).get_executions()), default=0)


def _store(metadata_path: str):
    from ml_metadata.metadata_store import metadata_store
    from tfx.orchestration import metadata

    return metadata_store.MetadataStore(metadata.sqlite_metadata_connection_config(metadata_path))


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
    root: str,
    spans: int = span_data.SPANS,
    train_steps: int | None = None,
    seed: int = 0,
    shifted_span: int | None = span_data.SHIFTED_SPAN,
) -> list:
    """Runs spans 1..``spans`` in ``root`` (``shifted_span``: the span whose class mix is shifted
    on purpose, None for none); returns one summary dict per run."""
    from tfx import v1 as tfx

    from pipelines.periodic.pipeline import TRAIN_STEPS, create_pipeline

    data_root = os.path.join(root, 'data')
    pipeline_root = os.path.join(root, 'pipeline_root')
    serving_dir = os.path.join(root, 'serving')
    metadata_path = os.path.join(root, 'metadata.db')
    runs, groups_so_far = [], []
    for span in range(1, spans + 1):
        span_data.write_span(span, data_root, shifted_span)  # the new span arrives
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
                )
            )
        except Exception as e:  # noqa: BLE001 - a stopped run is a result of the demo
            error = e
        inputs = run_inputs(metadata_path, before)
        leakage = inputs.get('LeakageCheck', {})  # this span, and the earlier key indexes
        layout, trainer = inputs.get('BalancedInputGen', {}), inputs.get('Trainer', {})
        transform = inputs.get('Transform', {})
        split_dir = _newest_dir(pipeline_root, 'StratifiedSplitter', 'examples', before)
        if split_dir:
            groups_so_far.append(split_groups(split_dir))
        blessing = _newest_dir(pipeline_root, 'Evaluator', 'blessing', before)
        runs.append(
            {
                'span': span,
                'window': _window(
                    [*leakage.get('input_examples', []), *leakage.get('previous_key_index', [])]
                ),
                # One span laid out per run, and the window of those layouts at Transform and
                # the Trainer.
                'laid_out': _window(layout.get('input_examples', [])),
                'transform_window': _window(transform.get('examples', [])),
                'trainer_window': _window(trainer.get('examples', [])),
                'class_counts': _class_counts(split_dir) if split_dir else {},
                'groups_in_two_splits': span_data.groups_in_more_than_one_split(groups_so_far),
                'drift': _drift_verdict(pipeline_root, before, error),
                'trained': _newest_dir(pipeline_root, 'Trainer', 'model', before) is not None,
                'warm_start': bool(trainer.get('base_model')),
                'blessed': bool(blessing and os.path.exists(os.path.join(blessing, 'BLESSED'))),
                'pushed': _pushed(serving_dir) != pushed_before,
                'stopped': local_error(error),
                'seconds': round(time.time() - started, 1),
            }
        )
        print(format_run(runs[-1]), flush=True)
    return runs


def run_inputs(metadata_path: str, after: int) -> dict:
    """``{component id: {input key: [TFX artifacts]}}`` of the executions after execution
    ``after`` (this run's), from MLMD."""
    from ml_metadata.proto import metadata_store_pb2
    from tfx.types import artifact_utils

    store = _store(metadata_path)
    executions = [e for e in store.get_executions() if e.id > after]
    events = store.get_events_by_execution_ids([e.id for e in executions])
    read = store.get_artifacts_by_id(
        [e.artifact_id for e in events if e.type == metadata_store_pb2.Event.INPUT]
    )
    types = {t.id: t for t in store.get_artifact_types_by_id(sorted({a.type_id for a in read}))}
    artifacts = {a.id: artifact_utils.deserialize_artifact(types[a.type_id], a) for a in read}
    node = {}  # execution id -> component id, from the execution's node context
    for execution in executions:
        for context in store.get_contexts_by_execution(execution.id):
            if context.type == 'node':
                node[execution.id] = context.name.split('.', 1)[-1]
    inputs = {}
    for event in events:
        if event.type != metadata_store_pb2.Event.INPUT or event.execution_id not in node:
            continue
        component = node[event.execution_id]
        key = event.path.steps[0].key
        inputs.setdefault(component, {}).setdefault(key, []).append(artifacts[event.artifact_id])
    return inputs


def _window(artifacts) -> list:
    """The spans of a window's artifacts, oldest first."""
    from tfx_balance.artifacts.spans import span_of

    return sorted(span for span in map(span_of, artifacts) if span is not None)


def _pushed(serving_dir: str) -> list:
    """The model versions the Pusher has put in ``serving_dir``."""
    return sorted(os.listdir(serving_dir)) if os.path.isdir(serving_dir) else []


def local_error(error) -> str | None:
    if error is None:
        return None
    from tfx_balance import logs

    return logs.error_message(error).splitlines()[0]


def _drift_verdict(pipeline_root: str, before: int, error) -> str:
    """'STOPPED (drift)' (or 'split check'), or 'pass' with the largest
    L-infinity distance of a split from the previous span's and the classes that appeared in or
    vanished from a split, or 'not run'."""
    from tfx_balance.core.class_distribution_validator import ClassDistributionError

    if isinstance(error, ClassDistributionError):  # its message names the bound it broke
        drift = any(bound in str(error) for bound in ('max_drift_distance', 'max_drift_divergence'))
        return f'STOPPED ({"drift" if drift else "split check"})'
    folder = _newest_dir(pipeline_root, 'DriftCheck', 'anomalies', before)
    if folder is None:
        return 'not run'
    with open(os.path.join(folder, 'class_distribution.json')) as f:
        drift = json.load(f).get('baseline_drift')
    if not drift:
        return 'pass (no previous span)'
    split, worst = max(drift.items(), key=lambda item: item[1]['linf'])
    changes = []
    for kind in ('appeared', 'vanished'):
        where = {}
        for name, d in drift.items():
            for c in d[kind]:
                where.setdefault(c, []).append(name)
        changes += [f'{kind} {c} ({", ".join(s)})' for c, s in sorted(where.items())]
    return (
        f'pass (largest {worst["linf"]:.3f} in {split}' + ''.join(f'; {t}' for t in changes) + ')'
    )


def _spans(spans: list, none: str) -> str:
    """'span 2', 'spans 1, 2', or ``none``."""
    if not spans:
        return none
    return f'span{"s" if len(spans) > 1 else ""} {", ".join(str(s) for s in spans)}'


def format_run(r: dict) -> str:
    counts = ', '.join(
        f'{name} {"/".join(str(n) for n in by_split.values())}'
        for name, by_split in sorted(r['class_counts'].items())
    )
    return (
        f'span {r["span"]}: LeakageCheck over {_spans(r["window"], "no span")}, '
        f'laid out {_spans(r["laid_out"], "nothing")}, '
        f'Transform analyzed the layouts of {_spans(r["transform_window"], "no span")}, '
        f'Trainer read the layouts of {_spans(r["trainer_window"], "no span")}, '
        f'train/eval/test {counts}, '
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
    parser.add_argument(
        '--shifted-span',
        type=int,
        default=span_data.SHIFTED_SPAN,
        help='the span whose Cash trips are thinned, so that the drift check stops it (0: none)',
    )
    local.add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    os.makedirs(args.root)
    with local.console_output(args.root, args.verbose):
        runs = run(args.root, args.spans, args.train_steps, args.seed, args.shifted_span or None)
    with open(os.path.join(args.root, 'summary.json'), 'w') as f:
        json.dump(runs, f, indent=1, default=sorted)
    print('\n'.join(format_run(r) for r in runs), file=sys.stdout)


if __name__ == '__main__':
    main()
