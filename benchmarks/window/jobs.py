"""The window section's workload and jobs (issue 51): what one daily run of each component costs
with a window of 1 span and of ``window`` spans, by the recipes of docs/continuous_training.md.

Workload (``workload``, written once per arguments under ``work_dir/window``, in a fresh
process): ``window + 1`` daily spans of ``spans/data.py``'s fraud-like users (recurring users
plus one-off users, no late duplicates), each an Examples artifact with ``train``/``eval`` split
by a hash of the user (so a user keeps its split over every span and LeakageCheck passes);
each span's statistics as StatisticsGen writes them (TFDV, ``Split-<name>/FeatureStats.pb``);
the window's earlier spans laid out once each by the BalancedInputGen executor (what the
per-span recipe's earlier runs left; today's layout is the measured ``layout_job``'s output, read
by the Trainer side as in a daily run); each earlier span's LeakageCheck key index, by the
executor on that span alone. Span ``window`` is today's; spans ``1..window`` are the window;
spans ``0..window-1`` the baseline before it, and the key indexes of today's recipe. For the
periodic wiring's history (``history_inputs``, added to a workload written before it): each
span's SplitAssignments as the StratifiedSplitter writes them (group_feature 'user': a unit per
user, its ``groups.group_key`` and the index of its hash split, several pairs per gzipped record,
``assignments.json`` beside them), and today's key index and layout (what today's LeakageCheck
and BalancedInputGen hand to CommitSpan).

Jobs (each returns ``seconds`` and ``examples_written``, as ``benchmarks/harness`` expects):

- ``augmenter_job``: the BalancedAugmenter executor on today's span ('copy', every class of
  ``train`` to the largest): the component takes one span (a window is a ``ConfigError``), so its
  daily run is the same whatever the window;
- ``layout_job``: the BalancedInputGen executor on today's span (the per-span recipe, any
  window) or on the whole window laid out as one;
- ``read_job``: ``balanced_dataset`` over the train files of 1 or ``window`` layouts (each
  span's own, merged at read time, or the window laid out as one): time to the first batch,
  then a fixed number of batches;
- ``plain_read_job``: section 3's best-tuned plain read (unbalanced) of the same files, timed
  the same way: what the window costs a read that is not ours;
- ``prior_job``: ``with_prior_correction`` on a two-class serving signature over the same files;
- ``validator_job``: the ClassDistributionValidator executor on statistics and a baseline;
- ``leakage_job``: the LeakageCheck executor (group_feature 'user') on 1 or ``window`` spans
  of Examples, or on today's span with the key indexes of the ``window`` spans before it (the
  recommended recipe; the workload writes each earlier span's index once, as its own daily run
  did). Every job writes today's key index, as the component does;
- ``history_job``: the periodic wiring's own work in one daily run (tfx_balance.periodic), with
  a history holding the ``window - 1`` spans before today's (committed beforehand by
  ``history.commit``, not timed; none at window 1): LookBack's executor (pins the index; no
  blessed model), the history reads of the components wired to it (the splitter's
  assignments, the validator's baseline statistics, LeakageCheck's key indexes: the executors'
  ``earlier_inputs``; BalancedInputGen's ``window_layouts``), and CommitSpan's executor
  committing today's assignments, statistics, key index and layout. Each run commits into a
  history of its own, written afresh before it, so every run does the same work. With
  ``lateness``, the history also keeps that many spans older than the window (the steady state
  of ``periodic(lateness=...)``: what a late span needs), which no in-order run reads.
"""

from __future__ import annotations

import json
import os
import time
import zlib

from benchmarks import common, harness
from benchmarks.spans import data
from tfx_balance.core.history import DEFAULT_LATENESS as LATENESS  # the history's third job

SPLITS = ('train', 'eval')
TRAIN_SHARE = 8  # of 10 hash buckets of the user
SEED = 0
CLASSES = [data.FRAUD.decode(), data.OK.decode()]  # the layout's class order (sorted names)


def _split_of(user: bytes) -> str:
    return SPLITS[0] if zlib.crc32(user) % 10 < TRAIN_SHARE else SPLITS[1]


def _user_and_x(record: bytes):
    from tensorflow.core.example import example_pb2

    feature = example_pb2.Example.FromString(record).features.feature
    return feature[data.GROUP].bytes_list.value[0], feature['x'].float_list.value[0]


def _write_span(root: str, records: list) -> dict:
    """``root`` as an Examples artifact folder with train/eval; its TFDV statistics beside it
    (``root + '-statistics'``); returns ``{split: examples}``."""
    import pandas as pd
    import tensorflow as tf
    import tensorflow_data_validation as tfdv

    rows = {s: [] for s in SPLITS}
    for r in records:
        user, x = _user_and_x(r)
        rows[_split_of(user)].append((r, data.label_of(r), user, x))
    for split, items in rows.items():
        path = os.path.join(root, f'Split-{split}', 'data_tfrecord-00000-of-00001.gz')
        os.makedirs(os.path.dirname(path))
        with tf.io.TFRecordWriter(path, 'GZIP') as writer:
            for r, *_ in items:
                writer.write(r)
        frame = pd.DataFrame(
            {
                data.LABEL: [label for _, label, _, _ in items],
                data.GROUP: [user for _, _, user, _ in items],
                'x': [x for *_, x in items],
            }
        )
        out = os.path.join(root + '-statistics', f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(out))
        with open(out, 'wb') as f:
            f.write(tfdv.generate_statistics_from_dataframe(frame).SerializeToString())
    return {s: len(items) for s, items in rows.items()}


def _examples(root: str, span: int):
    artifact = common.examples_artifact(root, list(SPLITS))
    artifact.set_int_custom_property('span', span)
    artifact.set_int_custom_property('version', 0)
    artifact.span = span
    return artifact


def _statistics(root: str, span: int):
    from tfx.types import artifact_utils, standard_artifacts

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = root + '-statistics'
    stats.span = span
    stats.split_names = artifact_utils.encode_split_names(list(SPLITS))
    return stats


def paths(root: str, window: int) -> dict:
    spans = [os.path.join(root, f'span-{s}') for s in range(window + 1)]
    return {
        'spans': spans,
        'layouts': [os.path.join(root, f'layout-{s}') for s in range(1, window)],
        'key_indexes': [os.path.join(root, f'leakage-{s}') for s in range(window)],
    }


def _layout(span_dirs: list, out_dir: str, first_span: int) -> int:
    """The BalancedInputGen executor on ``span_dirs`` (newest first, as the recipe's Resolver
    gives them); returns the examples it laid out."""
    from tfx_balance.balanced_input_gen.executor import Executor
    from tfx_balance.core.balanced_input_gen import LayoutConfig
    from tfx_balance.core.common import keys

    window = [_examples(d, first_span + i) for i, d in enumerate(span_dirs)][::-1]
    output = common.examples_artifact(common.reset_dir(out_dir), [])
    props = LayoutConfig(data.LABEL, splits=['train'], seed=SEED).validate().to_exec_properties()
    Executor().Do({keys.INPUT_EXAMPLES_KEY: window}, {keys.EXAMPLES_KEY: [output]}, props)
    with open(os.path.join(out_dir, 'balance_plan.json')) as f:
        plan = json.load(f)['splits']['train']
    return plan['total']


def _key_index(root: str, span: int):
    """An earlier LeakageCheck run's anomalies, which hold its span's key index."""
    from tfx.types import standard_artifacts

    index = standard_artifacts.ExampleAnomalies()
    index.uri = root
    index.set_int_custom_property('span', span)
    index.set_int_custom_property('version', 0)
    return index


def _key_indexes(span_dirs: list, index_dirs: list) -> None:
    """Each span's LeakageCheck anomalies with its key index (spans ``0..``), by the executor on
    the span alone: what each earlier daily run left (an index holds its own span's keys
    whatever it was checked against)."""
    for span, (span_dir, index_dir) in enumerate(zip(span_dirs, index_dirs)):
        _leakage([span_dir], span, index_dir)


def history_paths(root: str, window: int) -> dict:
    """The history's inputs (``history_inputs``): each span's assignments, and today's key
    index and layout (the earlier spans' are ``paths``')."""
    return {
        'assignments': [os.path.join(root, f'assignments-{s}') for s in range(window + 1)],
        'today_key_index': os.path.join(root, f'leakage-{window}'),
        'today_layout': os.path.join(root, f'layout-{window}'),
    }


def _write_assignments(span_dir: str, out_dir: str) -> None:
    """The span's SplitAssignments as the StratifiedSplitter writes them with group_feature
    'user' (``assignments.header``, format 2): each user's ``group_key`` and the index of its
    split (the workload's hash split, which is what the splitter would keep), 1,000 pairs per
    gzipped record."""
    import tensorflow as tf

    from benchmarks.spans.jobs import write_assignments
    from tfx_balance.core.common import keys
    from tfx_balance.core.common.groups import group_key
    from tfx_balance.core.split.assignments import GROUPS_FORMAT

    files = tf.io.gfile.glob(os.path.join(span_dir, 'Split-*', '*.gz'))
    users = {_user_and_x(r.numpy())[0] for r in tf.data.TFRecordDataset(files, 'GZIP')}
    pairs = [(group_key(SEED, u), SPLITS.index(_split_of(u))) for u in sorted(users)]
    common.reset_dir(out_dir)
    write_assignments(
        os.path.join(out_dir, f'{keys.ASSIGNMENT_RECORDS_PREFIX}-00000-of-00001.gz'), pairs
    )
    header = {
        'format': GROUPS_FORMAT,
        'seed': SEED,
        'splits': list(SPLITS),
        'group_feature': data.GROUP,
    }
    with open(os.path.join(out_dir, keys.ASSIGNMENTS_FILE), 'w') as f:
        json.dump(header, f)


def history_inputs(out: dict) -> bool:
    """Adds ``history_paths`` to the workload ``out`` and writes them (module doc), unless it
    has them; True when it wrote them."""
    if 'assignments' in out:
        return False
    window, spans = out['window'], out['spans']
    out.update(history_paths(out['root'], window))
    for span_dir, assignments in zip(spans, out['assignments']):
        _write_assignments(span_dir, assignments)
    _leakage([spans[-1]], window, out['today_key_index'])
    _layout([spans[-1]], out['today_layout'], window)
    return True


def workload(n: int, groups: int, window: int, work_dir: str, seed: int = 0) -> dict:
    """Writes the workload (module doc) once per arguments; returns its ``paths`` and counts."""
    root = os.path.join(work_dir, 'window', f'n{n}-g{groups}-w{window}')
    done = os.path.join(root, 'workload.json')
    if os.path.exists(done):
        with open(done) as f:
            out = json.load(f)
        added = 'key_indexes' not in out
        if added:  # a workload written before the key index: add them
            out.update(paths(root, window))
            _key_indexes(out['spans'][:-1], out['key_indexes'])
        if history_inputs(out) or added:  # or before the history's inputs
            with open(done, 'w') as f:
                json.dump(out, f)
        return out
    recurring = groups * data.PRESENT * (1 + data.MOST) / 2
    one_off = max(0, round((n - recurring) / ((1 + data.MOST) / 2)))
    common.reset_dir(root)
    spans = data.user_spans(groups, window + 1, seed=seed, one_off=one_off, late=0)
    out = {'root': root, 'n': n, 'groups': groups, 'window': window, **paths(root, window)}
    out['examples'] = [_write_span(d, r) for d, r in zip(out['spans'], spans)]
    out['laid_out'] = [_layout([out['spans'][s]], out['layouts'][s - 1], s)
                       for s in range(1, window)]  # fmt: skip
    _key_indexes(out['spans'][:-1], out['key_indexes'])
    history_inputs(out)
    with open(done, 'w') as f:
        json.dump(out, f)
    return out


# --- the measured jobs -------------------------------------------------------------------------


def augmenter_job(span_dir: str, out_dir: str, span: int) -> dict:
    """The BalancedAugmenter executor on one span's Examples: its ``train`` split raised to the
    largest class by copies (the examples are marked as synthetic, as every daily run does)."""
    from tfx_balance.balanced_augmenter.executor import Executor
    from tfx_balance.core.balanced_augmenter import AugmentConfig
    from tfx_balance.core.common import keys

    examples = _examples(span_dir, span)
    output = common.examples_artifact(common.reset_dir(out_dir), [])
    config = AugmentConfig(data.LABEL, splits=['train'], augmentation='copy', seed=SEED)
    props = config.validate().to_exec_properties()
    seconds = harness.timed(
        lambda: Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, props
        )
    )
    written = common.count_records(os.path.join(out_dir, 'Split-train', '*'))
    return {'seconds': seconds, 'examples_written': written}


def layout_job(span_dirs: list, out_dir: str, first_span: int) -> dict:
    """BalancedInputGen on ``span_dirs`` (one span: the per-span recipe; several: the window
    laid out as one)."""
    laid_out = {}
    seconds = harness.timed(lambda: laid_out.update(n=_layout(span_dirs, out_dir, first_span)))
    return {'seconds': seconds, 'examples_written': laid_out['n'], 'spans': len(span_dirs)}


def _schema():
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    for name, kind in ((data.LABEL, schema_pb2.BYTES), (data.GROUP, schema_pb2.BYTES),
                       ('x', schema_pb2.FLOAT)):  # fmt: skip
        feature = schema.feature.add(name=name, type=kind)
        feature.value_count.min = feature.value_count.max = 1
    return schema


def _train_files(layout_dirs: list) -> list:
    return [os.path.join(d, 'Split-train', '*') for d in layout_dirs]


def _timed_batches(dataset_of, batches: int) -> dict:
    """Seconds to the first batch of ``dataset_of()`` (the dataset built, its first batch
    taken), then for ``batches`` more, as ``harness.timed`` measures a job."""
    timings = {}

    def read():
        started = time.perf_counter()
        batches_of = iter(dataset_of())
        next(batches_of)
        timings['first_batch'] = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(batches):
            next(batches_of)
        timings['batches'] = time.perf_counter() - started

    seconds = harness.timed(read)
    return {
        'seconds': seconds,
        'first_batch_seconds': timings['first_batch'],
        'batches_seconds': timings['batches'],
        'batches': batches,
    }


def read_job(layout_dirs: list, batch_size: int, batches: int) -> dict:
    """``balanced_dataset`` over the layouts' train files (the Trainer's ``fn_args.train_files``):
    seconds to the first batch (plans read, classes loaded), then for ``batches`` batches."""
    from tfx_balance import balanced_dataset

    def dataset():
        return balanced_dataset(_train_files(layout_dirs), data.LABEL, batch_size, schema=_schema())

    return {
        **_timed_batches(dataset, batches),
        'examples_written': batch_size * (batches + 1),
        'layouts': len(layout_dirs),
    }


class _PlainWorkload:
    """What section 3's plain-read recipes need of a workload: batch size and parse spec."""

    label_feature = data.LABEL

    def __init__(self, batch: int):
        self.batch = batch

    def feature_spec(self) -> dict:
        from tensorflow_transform.tf_metadata import schema_utils

        return schema_utils.schema_as_feature_spec(_schema()).feature_spec


def plain_read_job(layout_dirs: list, batch_size: int, batches: int) -> dict:
    """Section 3's best-tuned plain read (``reads.plain_wide_parse``: one reader, 1 MiB read
    buffer, parse 10 batches at once, rebatch, prefetch), unbalanced, of the same train files
    as ``read_job`` and with the same parse spec: what reading the window costs without us."""
    import tensorflow as tf

    from benchmarks.dataset import reads

    files = sorted(f for pattern in _train_files(layout_dirs) for f in tf.io.gfile.glob(pattern))
    workload = _PlainWorkload(batch_size)
    return {
        **_timed_batches(lambda: reads.plain_wide_parse(files, workload), batches),
        'examples_written': batch_size * (batches + 1),
        'layouts': len(layout_dirs),
    }


def prior_job(layout_dirs: list) -> dict:
    """``with_prior_correction`` (a two-class softmax serving signature) over the layouts' train
    files, as ``run_fn`` calls it before saving the model."""
    import tensorflow as tf

    from tfx_balance import with_prior_correction

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='x')])
    def serve(x):
        return {'outputs': tf.nn.softmax(x)}

    seconds = harness.timed(
        lambda: with_prior_correction(
            {'serving_default': serve}, _train_files(layout_dirs), class_names=CLASSES
        )
    )
    return {'seconds': seconds, 'examples_written': 0, 'layouts': len(layout_dirs)}


def validator_job(statistics: list, baseline: list, out_dir: str) -> dict:
    """The ClassDistributionValidator executor: ``statistics`` and ``baseline_statistics`` are
    ``[(span folder, span)]``; the drift check only (the hash split by user is not stratified),
    its findings recorded, not raised (the cost is the same)."""
    from tfx.types import standard_artifacts

    from tfx_balance.class_distribution_validator.executor import Executor
    from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
    from tfx_balance.core.common import keys

    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = common.reset_dir(out_dir)
    props = (
        ValidatorConfig(data.LABEL, compare_splits=[], fail_on_violation=False)
        .validate()
        .to_exec_properties()
    )
    inputs = {
        keys.STATISTICS_KEY: [_statistics(d, s) for d, s in statistics][::-1],
        keys.BASELINE_STATISTICS_KEY: [_statistics(d, s) for d, s in baseline][::-1],
    }
    seconds = harness.timed(lambda: Executor().Do(inputs, {keys.ANOMALIES_KEY: [anomalies]}, props))
    return {
        'seconds': seconds,
        'examples_written': 0,
        'statistics': len(statistics),
        'baseline': len(baseline),
    }


def _leakage(span_dirs, first_span, out_dir, index_dirs=(), first_index_span=0):
    """Runs the LeakageCheck executor once (group_feature 'user') on ``span_dirs`` (oldest
    first) and the key indexes in ``index_dirs`` (oldest first); its anomalies, with the key
    index of ``span_dirs``, go to ``out_dir``."""
    from tfx.types import standard_artifacts

    from tfx_balance.core.common import keys
    from tfx_balance.core.leakage_check import LeakageConfig
    from tfx_balance.leakage_check.executor import Executor

    window = [_examples(d, first_span + i) for i, d in enumerate(span_dirs)][::-1]
    previous = [_key_index(d, first_index_span + i) for i, d in enumerate(index_dirs)][::-1]
    output = standard_artifacts.ExampleAnomalies()
    output.uri = common.reset_dir(out_dir)
    props = LeakageConfig(group_feature=data.GROUP).validate().to_exec_properties()
    inputs = {keys.INPUT_EXAMPLES_KEY: window, keys.PREVIOUS_KEY_INDEX_KEY: previous}
    Executor().Do(inputs, {keys.ANOMALIES_KEY: [output]}, props)


def leakage_job(
    span_dirs: list, first_span: int, out_dir: str, index_dirs=(), first_index_span: int = 0
) -> dict:
    """The LeakageCheck executor, group_feature 'user', on ``span_dirs`` (oldest first) and the
    earlier spans' key indexes ``index_dirs`` (oldest first, spans from ``first_index_span``);
    it writes today's key index, as every daily run does."""
    seconds = harness.timed(
        lambda: _leakage(span_dirs, first_span, out_dir, index_dirs, first_index_span)
    )
    return {
        'seconds': seconds,
        'examples_written': 0,
        'spans': len(span_dirs),
        'key_indexes': len(index_dirs),
    }


# The history's identity, as tfx_balance.periodic writes it from the splitter's arguments.
IDENTITY = {'pipeline': 'window-bench', 'label_feature': data.LABEL, 'splits': list(SPLITS),
            'seed': SEED, 'group_feature': data.GROUP}  # fmt: skip


def _history_artifact(uri: str):
    from tfx_balance.artifacts.history import SpanHistory

    found = SpanHistory()
    found.uri = common.reset_dir(uri)
    return found


def _with_span(artifact, uri: str, span: int):
    artifact.uri = uri
    artifact.set_int_custom_property('span', span)
    artifact.set_int_custom_property('version', 0)
    return artifact


def _seed_history(root: str, wl: dict, earlier: list, keep: int) -> None:
    """A new history at ``root`` holding the spans ``earlier`` (oldest first), each committed
    by ``history.commit`` as its daily run's CommitSpan did: its assignments, key index and
    statistics copied, its layout (the workload's, laid out by its own run) pointed to. Spans
    before the workload's first (kept for lateness) get span 1's outputs."""
    from tfx_balance.core import history

    common.reset_dir(root)
    index = history.read_index(root, IDENTITY)
    for number in earlier:
        span = max(1, number)
        layout = wl['layouts'][span - 1]  # the workload lays out spans 1..window-1
        record = history.Record(
            span=number,
            run=f'span-{number}',
            layout=layout,
            layout_sha256=history.layout_sha256(layout),
        )
        outputs = {
            'assignments': wl['assignments'][span],
            'key_index': wl['key_indexes'][span],
            'statistics': wl['spans'][span] + '-statistics',
        }
        index = history.commit(index, record, outputs, keep)


def _daily_history(props: dict, today: dict, outputs: dict, parts: dict):
    """One daily run's history work (``history_job``), as a function to time (its modules
    imported first, not timed): LookBack (exec properties ``props``), the components' reads of
    the pinned history, CommitSpan, on ``today``'s artifacts into the ``outputs`` artifacts
    (their folders made by the orchestrator: not timed); each part's seconds into ``parts``, the
    earlier spans each component was given into ``parts['read']``."""
    from tfx.types import standard_artifacts

    from tfx_balance.artifacts.history import SplitAssignments, earlier_inputs
    from tfx_balance.balanced_input_gen.executor import window_layouts
    from tfx_balance.commit_span.executor import Executor as CommitSpan
    from tfx_balance.core.common import keys
    from tfx_balance.look_back.executor import Executor as LookBack

    pinned, model, committed = (outputs[k] for k in ('pinned', 'model', 'committed'))
    examples = [today['examples']]

    def run() -> None:
        started = time.perf_counter()
        LookBack().Do({}, {keys.HISTORY_KEY: [pinned], keys.MODEL_KEY: [model]}, props)
        parts['look_back_seconds'] = time.perf_counter() - started
        started = time.perf_counter()
        given = {keys.INPUT_EXAMPLES_KEY: examples, keys.HISTORY_KEY: [pinned]}
        read = {  # each component's call, as its executor makes it
            'assignments': earlier_inputs(given, keys.PREVIOUS_ASSIGNMENTS_KEY, 'assignments',
                                          SplitAssignments, examples),
            'statistics': earlier_inputs(given, keys.BASELINE_STATISTICS_KEY, 'statistics',
                                         standard_artifacts.ExampleStatistics, examples),
            'key_index': earlier_inputs(given, keys.PREVIOUS_KEY_INDEX_KEY, 'key_index',
                                        standard_artifacts.ExampleAnomalies, examples),
            'layout': window_layouts(given, ['train']),
        }  # fmt: skip
        parts['read_seconds'] = time.perf_counter() - started
        started = time.perf_counter()
        CommitSpan().Do(
            {
                keys.HISTORY_KEY: [pinned],
                keys.ASSIGNMENTS_KEY: [today['assignments']],
                keys.STATISTICS_KEY: [today['statistics']],
                'key_index': [today['key_index']],
                'layout': [today['layout']],
            },
            {'committed': [committed]},
            {},
        )
        parts['commit_seconds'] = time.perf_counter() - started
        parts['read'] = {name: len(found) for name, found in read.items()}

    return run


def history_job(root: str, spans: int, window: int, out_dir: str, lateness: int = 0) -> dict:
    """The periodic wiring's work in today's daily run (span ``spans`` of the workload at
    ``root``, whose window is ``spans``; module doc) with a window of ``window`` spans (LookBack's
    ``window`` and ``horizon``) and ``lateness``: the history holds the ``window - 1`` spans
    before today's and ``lateness`` older ones, committed afresh before the timed run (not
    timed), into ``out_dir/history``."""
    from tfx.types import standard_artifacts

    from tfx_balance.artifacts.history import SplitAssignments
    from tfx_balance.core.history import HistoryConfig, spans_kept

    wl = {'window': spans, **paths(root, spans), **history_paths(root, spans)}
    earlier = list(range(spans - window + 1 - lateness, spans))
    history_root = os.path.join(out_dir, 'history')
    _seed_history(history_root, wl, earlier, keep=spans_kept(window, window, lateness))
    today = {
        'examples': _examples(wl['spans'][-1], spans),
        'assignments': _with_span(SplitAssignments(), wl['assignments'][-1], spans),
        'statistics': _statistics(wl['spans'][-1], spans),
        'key_index': _key_index(wl['today_key_index'], spans),
        'layout': _with_span(standard_artifacts.Examples(), wl['today_layout'], spans),
    }
    model = standard_artifacts.Model()
    model.uri = common.reset_dir(os.path.join(out_dir, 'model'))
    outputs = {
        'pinned': _history_artifact(os.path.join(out_dir, 'look_back')),
        'model': model,
        'committed': _history_artifact(os.path.join(out_dir, 'committed')),
    }
    config = HistoryConfig(history_root, IDENTITY, window, window, lateness)
    props = config.validate().to_exec_properties()
    parts = {}
    seconds = harness.timed(_daily_history(props, today, outputs, parts))
    return {'seconds': seconds, 'examples_written': 0, 'earlier_spans': len(earlier), **parts}


# --- one run of the section ---------------------------------------------------------------------


# The parts of a job's run reported beside its seconds (the medians of its runs).
_PARTS = ('first_batch_seconds', 'batches_seconds', 'look_back_seconds', 'read_seconds',
          'commit_seconds')  # fmt: skip


def _measure_group(name: str, jobs: dict, isolated: bool, repeats: int = 1) -> dict:
    """Runs ``jobs`` (``{kind: (function, params)}``) ``repeats`` rounds of every job in order
    (medians; a machine's drift during the runs moves every job alike), in one fresh process
    after a warm-up run of the first job, or once each in this one (smoke: no warm-up):
    ``{kind: summary}``. Peak RSS is that of the first round: reset before each run, but memory
    an earlier job kept counts in a later one's, so the window's jobs run after the single
    span's (their figure is an upper bound)."""
    listed = [harness.Job(f'window-{name}-{kind}', f'{__name__}:{function}', params)
              for kind, (function, params) in jobs.items()]  # fmt: skip
    if isolated:
        warm = harness.Job(listed[0].name + '-warmup', listed[0].function, listed[0].params)
        every = harness.run_shared([warm] + listed, [1] + [repeats] * len(listed), interleave=True)
        runs = every[1:]  # the warm-up's run is not kept
    else:
        runs = [[harness.run_inprocess(job)] for job in listed]
    out = {}
    for kind, job, r in zip(jobs, listed, runs):
        out[kind] = harness.summarize(job, r)
        out[kind]['peak_rss_mb'] = r[0]['peak_rss_mb']
        for key in _PARTS:  # medians too, not the last run's
            if key in out[kind]:
                out[kind][key] = harness.median_of(r, key)
    return out


def _workload_job(**params) -> dict:
    return {'seconds': 0.0, 'examples_written': 0, 'workload': workload(**params)}


def measure(n, groups, window, batch_size, batches, isolated, work_dir) -> dict:
    """Every component's daily run with a window of 1 and of ``window`` spans (module doc)."""
    params = {'n': n, 'groups': groups, 'window': window, 'work_dir': work_dir}
    job = harness.Job('window-workload', f'{__name__}:_workload_job', params)
    made = harness.run_isolated(job)[0] if isolated else harness.run_inprocess(job)
    wl = made['workload']
    spans = wl['spans']
    today, window_spans = spans[-1], spans[1:]
    out_dir = os.path.join(work_dir, 'out', 'window')
    whole = os.path.join(out_dir, 'layout-window')  # the window laid out as one
    layouts = wl['layouts'] + [os.path.join(out_dir, 'layout-today')]  # today's: per_span's
    out = {
        'n': n,
        'groups': groups,
        'window': window,
        'examples': wl['examples'],
    }
    common.log("  BalancedAugmenter: today's span")
    out['augmenter'] = _measure_group('augmenter', {
        'per_span': ('augmenter_job', {'span_dir': today, 'span': window,
                                       'out_dir': os.path.join(out_dir, 'augmented-today')}),
    }, isolated)  # fmt: skip
    common.log(f"  BalancedInputGen: today's span, and {window} spans laid out as one")
    out['layout'] = _measure_group('layout', {
        'per_span': ('layout_job', {'span_dirs': [today], 'out_dir': layouts[-1],
                                    'first_span': window}),
        'as_one': ('layout_job', {'span_dirs': window_spans, 'out_dir': whole, 'first_span': 1}),
    }, isolated)  # fmt: skip
    out['laid_out'] = wl['laid_out'] + [out['layout']['per_span']['examples_written']]
    common.log(f'  balanced_dataset and with_prior_correction over 1 and {window} layouts')
    read = {'batch_size': batch_size, 'batches': batches}
    out['trainer'] = _measure_group('trainer', {
        'read_1': ('read_job', {'layout_dirs': layouts[-1:], **read}),
        'plain_1': ('plain_read_job', {'layout_dirs': layouts[-1:], **read}),  # each beside ours
        'read_per_span': ('read_job', {'layout_dirs': layouts, **read}),
        'plain_per_span': ('plain_read_job', {'layout_dirs': layouts, **read}),
        'read_as_one': ('read_job', {'layout_dirs': [whole], **read}),
        'prior_1': ('prior_job', {'layout_dirs': layouts[-1:]}),
        'prior_per_span': ('prior_job', {'layout_dirs': layouts}),
        'prior_as_one': ('prior_job', {'layout_dirs': [whole]}),
    }, isolated, repeats=9)  # fmt: skip
    common.log(f'  ClassDistributionValidator: 1 and {window} statistics and baselines')
    stats = [(d, s) for s, d in enumerate(spans)]
    validator_out = os.path.join(out_dir, 'validator')
    out['validator'] = _measure_group('validator', {
        'window_1': ('validator_job', {'statistics': stats[-1:], 'baseline': stats[-2:-1],
                                       'out_dir': validator_out}),
        'baseline_n': ('validator_job', {'statistics': stats[-1:], 'baseline': stats[:-1],
                                         'out_dir': validator_out}),
        'window_n': ('validator_job', {'statistics': stats[1:], 'baseline': stats[:-1],
                                       'out_dir': validator_out}),
    }, isolated, repeats=15)  # fmt: skip
    common.log(f"  LeakageCheck: 1 and {window} spans, and today's with {window} key indexes")
    leakage_out = os.path.join(out_dir, 'leakage')
    out['leakage'] = _measure_group('leakage', {
        'window_1': ('leakage_job', {'span_dirs': [today], 'first_span': window,
                                     'out_dir': leakage_out}),
        'window_n': ('leakage_job', {'span_dirs': window_spans, 'first_span': 1,
                                     'out_dir': leakage_out}),
        'index_n': ('leakage_job', {'span_dirs': [today], 'first_span': window,
                                    'out_dir': leakage_out, 'index_dirs': wl['key_indexes'],
                                    'first_index_span': 0}),
    }, isolated, repeats=7)  # fmt: skip
    common.log(f'  LookBack, the history reads and CommitSpan: 0 and {window - 1} earlier spans')
    out['history'] = measure_history(wl, os.path.join(out_dir, 'history'), isolated)
    return out


def measure_history(wl: dict, out_dir: str, isolated: bool, repeats: int = 15) -> dict:
    """The 'history' group: ``history_job`` with a window of 1 (a history without earlier
    spans: today's only), of the workload's window (its ``window - 1`` earlier spans), and of
    that window kept with ``periodic()``'s default lateness (``LATENESS`` more spans), as many
    rounds as the validator's (jobs of a few ms)."""
    job = {'root': wl['root'], 'spans': wl['window'], 'out_dir': out_dir}
    return _measure_group('history', {
        'window_1': ('history_job', {**job, 'window': 1}),
        'window_n': ('history_job', {**job, 'window': wl['window']}),
        'late_n': ('history_job', {**job, 'window': wl['window'], 'lateness': LATENESS}),
    }, isolated, repeats=repeats)  # fmt: skip
