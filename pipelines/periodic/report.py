"""One line per run of the periodic sample, from the run's outputs: the same on LocalDagRunner
(``run_local``) and on the compiled Kubeflow spec (``tests.orchestration.kubeflow.kfp_local --periodic``).

``span_summary(span, outputs, stopped, groups)`` reads the folders a run wrote (``outputs``:
``{(component id, output key): folder}``, ``OUTPUTS``) and says what each component read: the
history generation LookBack pinned, the window of spans LeakageCheck and the Trainer read
(``tfx_balance.base.artifacts.history.PinnedHistory.records``, as the components take them), the
split counts, the companies in two splits over every span so far, the drift verdict, whether the
run trained (warm-started), was blessed and committed its span.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os

from pipelines.periodic import spans as span_data

OUTPUTS = (
    ('LookBack', 'history'),
    ('LookBack', 'model'),
    ('DriftCheck', 'anomalies'),
    ('StratifiedSplitter', 'examples'),
    ('BalancedInputGen', 'examples'),
    ('Trainer', 'model'),
    ('Evaluator', 'blessing'),
    ('CommitSpan', 'committed'),
)


def split_groups(examples_dir: str) -> dict:
    """``{split: [group ids]}`` of a StratifiedSplitter output folder."""
    import tensorflow as tf
    from tensorflow.core.example import example_pb2

    groups = {}
    for split_dir in sorted(glob.glob(os.path.join(examples_dir, 'Split-*'))):
        split = os.path.basename(split_dir)[len('Split-') :]
        ids = groups.setdefault(split, set())
        for path in glob.glob(os.path.join(split_dir, '*.gz')):
            for record in tf.data.TFRecordDataset(path, compression_type='GZIP'):
                example = example_pb2.Example.FromString(record.numpy())
                ids.add(example.features.feature[span_data.GROUP].bytes_list.value[0].decode())
    return {split: sorted(ids) for split, ids in groups.items()}


def _json(folder: str | None, name: str):
    if folder is None or not os.path.exists(os.path.join(folder, name)):
        return None
    with open(os.path.join(folder, name)) as f:
        return json.load(f)


def span_summary(span: int, outputs: dict, stopped: str | None, groups: dict) -> dict:
    """The run's summary (module doc). ``stopped``: the error that stopped the run (its message),
    or None; ``groups``: ``{span: {split: [group ids]}}`` of the committed spans so far, updated
    here (a re-run replaces its span's)."""
    from tfx_balance.base.artifacts.history import PinnedHistory
    from tfx_balance.core.history import HistoryIndex

    found = _json(outputs.get(('LookBack', 'history')), 'history.json')
    pinned = None
    if found:
        index = HistoryIndex.from_json(found['root'], found['index'], 'history.json')
        pinned = PinnedHistory(index, found['horizon'], found['window'], found['lateness'])
    split_dir = outputs.get(('StratifiedSplitter', 'examples'))
    committed = _json(outputs.get(('CommitSpan', 'committed')), 'history.json')
    placed = split_groups(split_dir) if split_dir else {}
    if committed:
        groups[span] = placed
    counts = _json(split_dir, 'split_counts.json')
    layout = outputs.get(('BalancedInputGen', 'examples'))
    trainer = outputs.get(('Trainer', 'model'))
    blessing = outputs.get(('Evaluator', 'blessing'))
    earlier = lambda output: [r.span for r in pinned.records(output, span)] if pinned else []  # noqa: E731
    model_dir = outputs.get(('LookBack', 'model'))
    return {
        'span': span,
        'generation': pinned.index.generation if pinned else None,
        'committed': committed['index']['generation'] if committed else None,
        'window': sorted(earlier('key_index') + [span]) if split_dir else [],
        'pinned': earlier('assignments') if split_dir else [],  # none: refused (SpanNotKeptError)
        'laid_out': [span] if layout else [],
        'trainer_window': earlier('layout') + [span] if trainer else [],
        'class_counts': counts['counts'] if counts else {},
        # which group went to which split, in short
        'split_groups': hashlib.sha256(json.dumps(placed).encode()).hexdigest()[:16],
        'groups_in_two_splits': span_data.groups_in_more_than_one_split(list(groups.values())),
        'drift': drift_verdict(outputs.get(('DriftCheck', 'anomalies')), stopped),
        'trained': trainer is not None,
        'warm_start': bool(
            trainer and model_dir and os.path.isdir(model_dir) and os.listdir(model_dir)
        ),
        'blessed': bool(blessing and os.path.exists(os.path.join(blessing, 'BLESSED'))),
        'stopped': stopped.split('\n', 1)[0] if stopped else None,
    }


def drift_verdict(folder: str | None, stopped: str | None) -> str:
    """'STOPPED (drift)' (or 'split check'), or 'pass' with the largest L-infinity distance of
    a split from the last accepted span's and the classes that appeared or vanished, or 'not
    run'."""
    if stopped and stopped.startswith('ClassDistributionError'):
        drift = any(bound in stopped for bound in ('max_drift_distance', 'max_drift_divergence'))
        return f'STOPPED ({"drift" if drift else "split check"})'
    found = _json(folder, 'class_distribution.json')
    if found is None:
        return 'not run'
    drift = found.get('baseline_drift')
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
    committed = f'generation {r["committed"]}' if r['committed'] else 'nothing'
    return (
        f'span {r["span"]} (history generation {r["generation"]}): '
        f'units of {_spans(r["pinned"], "no span")} pinned, '
        f'LeakageCheck over {_spans(r["window"], "no span")}, '
        f'Trainer read the layouts of {_spans(r["trainer_window"], "no span")}, '
        f'train/eval/test {counts}, '
        f'groups in two splits so far {len(r["groups_in_two_splits"])}, drift {r["drift"]}, '
        f'trained {"yes (warm start)" if r["warm_start"] else "yes" if r["trained"] else "no"}, '
        f'blessed {"yes" if r["blessed"] else "no"}, committed {committed}'
        + (f' [stopped: {r["stopped"]}]' if r['stopped'] else '')
    )
