"""The spans section's measurements (issue 51): stability across spans, drift, scale.

- ``stability``: 7 spans of ``data.user_spans`` split in order three ways: StratifiedSplitter's
  core transform (``StratifiedSplit``, group_feature 'user', Beam's in-process DirectRunner) with
  each span's ``previous`` set to the assignments of every earlier span, written to gzipped
  TFRecords and read back with ``ReadAssignments`` as the executor does; the same without
  ``previous``; TFX's hash split by group (ExampleGen's ``_PartitionFn`` with
  ``partition_feature_name='user'``, hash buckets 8/1/1). Counted over all spans: users found in
  two splits, and examples delivered more than once (late duplicates) found in two splits; per
  span and class, the largest difference between a split's count and the rule's
  (``allocation.allocate``).
- ``drift``: ClassDistributionValidator's baseline check at core level (``check_baseline``) on
  each split of the pinned split, each span against the previous one: ``quiet`` spans, then one
  whose fraud users have twice their examples (``minority_factor``); twice: at the documented
  defaults (``ValidatorConfig('label')``), and with the thresholds per split the docs' rule gives
  from the first span, as a user would set them once (``suggest_max_drift_distance``: 4 x the
  sampling noise of the noisiest class, never below 0.02).
- ``scale``: the StratifiedSplitter executor with group_feature 'user' and a window of earlier
  spans' SplitAssignments artifacts (1 and ``window``), writing its own, against the I/O floor
  (``common.floor``) on the same span, each in a fresh process (peak RSS). A span has
  ``groups`` recurring users (70% present, 1-3 examples) and one-off users up to ``n`` examples;
  the earlier spans' assignments are written directly (the keys the splitter computes for the
  recurring users, present with probability 0.7, and each earlier span's one-off users).
"""

from __future__ import annotations

import collections
import json
import os

from benchmarks import common, harness
from benchmarks.spans import data

SPLITS = {'train': 8, 'eval': 1, 'test': 1}
NAMES = list(SPLITS)
SEED = 0
_COLLECTED = {}  # the in-process runner shares this module with the pipeline


def _keep(value, key):
    _COLLECTED[key] = value


def split_span(records, previous=(), key='span'):
    """One span through ``StratifiedSplit``: ``({record: split name}, [(unit key, split)],
    report)``; ``previous``: ``[(order, assignments file)]``."""
    import apache_beam as beam

    from tfx_balance.core.split.assignments import ReadAssignments, decode_assignments
    from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

    with beam.Pipeline() as p:
        before = p | ReadAssignments(list(previous)) if previous else None
        out = SplitOutputs(
            p
            | StratifiedSplit(
                records_source=lambda: beam.Create(records, reshuffle=False),
                previous=before,
                assignments=True,
                label_feature=data.LABEL,
                group_feature=data.GROUP,
                splits=SPLITS,
                seed=SEED,
            )
        )
        for name in NAMES:
            _ = (
                out.records[name]
                | f'All[{name}]' >> beam.combiners.ToList()
                | f'Keep[{name}]' >> beam.Map(_keep, (key, name))
            )
        _ = (
            out.assignments
            | 'Decode' >> beam.FlatMap(decode_assignments)
            | 'AllAssignments' >> beam.combiners.ToList()
            | 'KeepAssignments' >> beam.Map(_keep, (key, 'assignments'))
        )
        _ = out.report | 'KeepReport' >> beam.Map(_keep, (key, 'report'))
    placed = {r: name for name in NAMES for r in _COLLECTED.pop((key, name))}
    return placed, _COLLECTED.pop((key, 'assignments')), _COLLECTED.pop((key, 'report'))


def write_assignments(path: str, pairs, per_record: int = 1000) -> str:
    """Writes ``(unit key, split)`` pairs as the splitter does (several per gzipped record)."""
    import tensorflow as tf

    from tfx_balance.core.split.assignments import encode_assignments

    pairs = list(pairs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path, 'GZIP') as writer:
        for i in range(0, len(pairs), per_record):
            writer.write(encode_assignments(pairs[i : i + per_record]))
    return path


def tfx_hash_split(records) -> dict:
    """``{record: split name}`` by TFX ExampleGen's hash split on the group feature."""
    from tensorflow.core.example import example_pb2
    from tfx.components.example_gen import base_example_gen_executor as base
    from tfx.proto import example_gen_pb2

    config = example_gen_pb2.SplitConfig(
        splits=[
            example_gen_pb2.SplitConfig.Split(name=n, hash_buckets=b) for n, b in SPLITS.items()
        ],
        partition_feature_name=data.GROUP,
    )
    buckets = [sum(list(SPLITS.values())[: i + 1]) for i in range(len(SPLITS))]
    return {
        r: NAMES[base._PartitionFn(example_pb2.Example.FromString(r), len(NAMES), buckets, config)]
        for r in records
    }


def _user(record: bytes) -> bytes:
    from tensorflow.core.example import example_pb2

    return example_pb2.Example.FromString(record).features.feature[data.GROUP].bytes_list.value[0]


def crossings(spans, placements) -> dict:
    """Users and repeated examples found in more than one split over all spans."""
    users, examples, seen = (collections.defaultdict(set) for _ in range(3))
    for records, placed in zip(spans, placements):
        for r in records:
            users[_user(r)].add(placed[r])
            examples[r].add(placed[r])
    delivered = collections.Counter(r for records in spans for r in records)
    repeated = [r for r, k in delivered.items() if k > 1]
    return {
        'users': len(users),
        'users_in_two_splits': sum(len(s) > 1 for s in users.values()),
        'repeated_examples': len(repeated),
        'repeated_in_two_splits': sum(len(examples[r]) > 1 for r in repeated),
    }


def deviations(records, placed) -> dict:
    """Per class: ``{'n', 'counts': {split: n}, 'deviation': largest |count - rule|}``."""
    from tfx_balance.core.split.allocation import allocate

    counts = collections.defaultdict(lambda: dict.fromkeys(NAMES, 0))
    for r in records:
        counts[data.label_of(r).decode()][placed[r]] += 1
    out = {}
    for label in sorted(counts):
        n = sum(counts[label].values())
        rule = allocate(n, list(SPLITS.values()))
        off = max(abs(counts[label][s] - rule[i]) for i, s in enumerate(NAMES))
        out[label] = {'n': n, 'counts': counts[label], 'deviation': off}
    return out


METHODS = {
    'pinned': 'StratifiedSplitter with previous_assignments (every earlier span)',
    'unpinned': 'StratifiedSplitter without previous_assignments',
    'tfx_hash': "TFX's hash split by group (partition_feature_name='user')",
}


def stability(users: int, spans: int, work_dir: str, seed: int = 0) -> dict:
    """The stability and drift tables' data (module doc): ``spans`` spans, then one more whose
    fraud users have twice their examples (the drift check's shifted span, split with the others
    but left out of the stability counts)."""
    generated = data.user_spans(users, spans + 1, seed=seed, minority_factor={spans: 2})
    out_dir = common.reset_dir(os.path.join(work_dir, 'spans', 'stability'))
    placements = {m: [] for m in METHODS}
    previous = []
    for i, records in enumerate(generated):
        placed, pairs, _ = split_span(records, previous, key=f'pinned-{i}')
        placements['pinned'].append(placed)
        if i < spans:  # the first span has no earlier one: its pinned split is the unpinned one
            alone = split_span(records, key=f'unpinned-{i}')[0] if previous else placed
            placements['unpinned'].append(alone)
            placements['tfx_hash'].append(tfx_hash_split(records))
        path = os.path.join(out_dir, f'span-{i}', 'assignments-00000-of-00001.gz')
        previous.append(((i, 0), write_assignments(path, pairs)))
    kept = generated[:spans]
    return {
        'users': users,
        'spans': spans,
        'examples': [len(r) for r in kept],
        'crossings': {m: crossings(kept, p[:spans]) for m, p in placements.items()},
        'deviations': {
            m: [deviations(r, placed) for r, placed in zip(kept, p)] for m, p in placements.items()
        },
        'drift': drift(generated, placements['pinned'], shifted=spans),
    }


def drift(spans, placements, shifted) -> dict:
    """Each span against the previous one by ``check_baseline``, at the documented defaults and
    with the thresholds per split the docs' rule gives from the first span: per span and split,
    the L-infinity distance, and per configuration the splits that alarm."""
    from tfx_balance.core.class_distribution_validator.baseline import (
        NOISE_MULTIPLE,
        check_baseline,
        suggest_max_drift_distance,
    )
    from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
    from tfx_balance.core.class_distribution_validator.counts import LabelDistribution

    def distributions(records, placed):
        counts = {s: collections.Counter() for s in NAMES}
        for r in records:
            counts[placed[r]][data.label_of(r)] += 1
        return {
            s: LabelDistribution(s, dict(sorted(c.items())), 'top_values')
            for s, c in counts.items()
        }

    spans = [distributions(records, placed) for records, placed in zip(spans, placements)]
    per_split = suggest_max_drift_distance(spans[0])
    configs = {
        'default': ValidatorConfig(data.LABEL).validate(),
        'per_split': ValidatorConfig(data.LABEL, max_drift_distance=per_split).validate(),
    }
    rows = []
    for i in range(1, len(spans)):
        before, now = spans[i - 1], spans[i]
        row = {
            'span': i,
            'shifted': i == shifted,
            'fraud_share': sum(d.counts.get(data.FRAUD, 0) for d in now.values())
            / sum(d.total for d in now.values()),
            'examples': {s: now[s].total for s in NAMES},
        }
        for name, config in configs.items():
            values, findings, _ = check_baseline(now, before, config)
            row['linf'] = {s: values[s]['linf'] for s in values}
            row['alarms' if name == 'default' else 'alarms_per_split'] = sorted(
                {f.splits[0] for f in findings}
            )
        rows.append(row)
    return {
        'max_drift_distance': configs['default'].max_drift_distance,
        'max_drift_divergence': configs['default'].max_drift_divergence,
        'per_split': per_split,
        'noise_multiple': NOISE_MULTIPLE,
        'rule_examples': {s: spans[0][s].total for s in NAMES},
        'rows': rows,
    }


# --- scale: the executor with a window of earlier spans' assignments ---------------------------

SHARD = 100_000  # examples per input file


def _recurring_examples(groups: int) -> float:
    return groups * data.PRESENT * (1 + data.MOST) / 2


def scale_workload(n: int, groups: int, window: int, work_dir: str, seed: int = 0):
    """``(data_dir, [assignments dir per earlier span])`` of the scale job (module doc), written
    once per arguments under ``work_dir/spans``."""
    import numpy as np
    import tensorflow as tf

    from tfx_balance.core.common import keys
    from tfx_balance.core.common.groups import group_key
    from tfx_balance.core.split.assignments import GROUPS_FORMAT

    one_off = max(0, round((n - _recurring_examples(groups)) / ((1 + data.MOST) / 2)))
    root = os.path.join(work_dir, 'spans', f'scale-n{n}-g{groups}-w{window}')
    data_dir = os.path.join(root, 'examples')
    earlier = [os.path.join(root, f'assignments-{j}') for j in range(window)]
    if os.path.exists(os.path.join(root, 'done')):
        return data_dir, earlier
    common.reset_dir(root)
    (records,) = data.user_spans(groups, 1, seed=seed + window, one_off=one_off, late=0)
    os.makedirs(os.path.join(data_dir, f'Split-{common.SPLIT}'))
    for i in range(0, len(records), SHARD):
        path = os.path.join(data_dir, f'Split-{common.SPLIT}', f'data-{i // SHARD:05d}.gz')
        with tf.io.TFRecordWriter(path, 'GZIP') as writer:
            for r in records[i : i + SHARD]:
                writer.write(r)
    with open(os.path.join(data_dir, 'workload.json'), 'w') as f:
        json.dump({'n': len(records), 'groups': groups, 'one_off_users': one_off}, f)
    rng = np.random.default_rng(seed)
    header = {'format': GROUPS_FORMAT, 'seed': SEED, 'splits': NAMES, 'group_feature': data.GROUP}
    weights = np.array(list(SPLITS.values()), dtype=float) / sum(SPLITS.values())
    for j, out in enumerate(earlier):
        present = np.flatnonzero(rng.random(groups) < data.PRESENT).tolist()
        names = [b'u%d' % u for u in present] + [b's%d-%d' % (-1 - j, u) for u in range(one_off)]
        split = rng.choice(len(NAMES), size=len(names), p=weights).tolist()
        pairs = [
            (group_key(SEED, name), s) for name, s in zip(names, split)
        ]  # GROUPS_FORMAT's keys
        write_assignments(
            os.path.join(out, f'{keys.ASSIGNMENT_RECORDS_PREFIX}-00000-of-00001.gz'), pairs
        )
        with open(os.path.join(out, keys.ASSIGNMENTS_FILE), 'w') as f:
            json.dump(header, f)
    open(os.path.join(root, 'done'), 'w').close()
    return data_dir, earlier


def splitter_job(data_dir: str, out_dir: str, beam_args: list, earlier: list) -> dict:
    """The StratifiedSplitter executor, group_feature 'user', with ``earlier`` (assignments
    folders, oldest first) as previous_assignments, writing its own assignments."""
    from tfx.dsl.components.base import base_beam_executor

    from tfx_balance.core.common import keys
    from tfx_balance.core.split.config import StratifiedSplitConfig
    from tfx_balance.stratified_splitter.component import SplitAssignments
    from tfx_balance.stratified_splitter.executor import Executor

    common.reset_dir(out_dir)
    examples = common.examples_artifact(data_dir)
    output = common.examples_artifact(os.path.join(out_dir, 'examples'), [])
    assignments = SplitAssignments()
    assignments.uri = common.reset_dir(os.path.join(out_dir, 'assignments'))
    previous = []
    for span, uri in enumerate(earlier):
        artifact = SplitAssignments()
        artifact.uri = uri
        artifact.set_int_custom_property('span', span)
        previous.append(artifact)
    config = StratifiedSplitConfig(
        data.LABEL, splits=SPLITS, seed=SEED, group_feature=data.GROUP
    ).validate()
    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=list(beam_args), tmp_dir=os.path.join(out_dir, '.tmp')
    )
    executor = Executor(context)
    seconds = harness.timed(
        lambda: executor.Do(
            {keys.INPUT_EXAMPLES_KEY: [examples], keys.PREVIOUS_ASSIGNMENTS_KEY: previous},
            {keys.EXAMPLES_KEY: [output], keys.ASSIGNMENTS_KEY: [assignments]},
            config.to_exec_properties(),
        )
    )
    from benchmarks.common.floor import check_written, workload_size

    written = check_written(output.uri, workload_size(data_dir))
    with open(os.path.join(output.uri, keys.SPLIT_COUNTS_FILE)) as f:
        report = json.load(f)
    return {'seconds': seconds, 'examples_written': written, 'pinned': report.get('pinned')}


def scale(n: int, groups: int, window: int, repeats: int, isolated: bool, work_dir: str) -> dict:
    """The floor, the splitter without earlier spans (the cost of group_feature alone), with 1
    and with ``window``: ``{kind: summary}``."""
    data_dir, earlier = scale_workload(n, groups, window, work_dir)
    jobs = {
        'floor': ('benchmarks.common.floor:floor_job', {}),
        'window_0': (f'{__name__}:splitter_job', {'earlier': []}),
        'window_1': (f'{__name__}:splitter_job', {'earlier': earlier[-1:]}),
        f'window_{window}': (f'{__name__}:splitter_job', {'earlier': earlier}),
    }
    out = {'n': n, 'groups': groups, 'window': window}
    for kind, (function, extra) in jobs.items():
        name = f'spans-{kind}-n{n}'
        params = {
            'data_dir': data_dir,
            'out_dir': common.fresh_dir(work_dir, name),
            'beam_args': common.IN_PROCESS_ARGS,
            **extra,
        }
        out[kind] = harness.measure(harness.Job(name, function, params), repeats, isolated)
    return out
