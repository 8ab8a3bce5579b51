"""StratifiedSplit and ``assignments.write_assignments`` write the same outputs as the recorded
version, for the same input and seed, for every label form (issue 89: a restructuring with the
behaviour unchanged).

Each case splits examples this test makes (serialized with ``deterministic=True``, so that their
bytes are the same in every process) on Beam's DirectRunner and is summarised by, per output
split, its count and a digest of its records' bytes (sorted: the shard order is the runner's),
the report (``split_counts.json``'s text, keys in their order), the counts, and a digest of the
sorted ``(unit key, split)`` assignments; compared with ``testdata/split_outputs_unchanged.json``,
recorded before the restructuring. One moved example changes a split's digest.

To re-record after a deliberate change of outputs, run with ``TFX_BALANCE_RECORD_OUTPUTS=1`` and
say why in the commit.
"""

import hashlib
import json
import os
import random

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, write_records
from tests.support.multilabel import label_matrix
from tests.support.multilabel import records as multilabel_records
from tfx_balance.core.common.json_files import write_json
from tfx_balance.core.split.assignments import (
    decode_assignments,
    encode_assignments,
    header,
    read_window,
    write_assignments,
)
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.stratified import SplitOutputs, StratifiedSplit

TESTDATA = os.path.join(os.path.dirname(__file__), '..', '..', 'testdata')
GOLDEN = os.path.join(TESTDATA, 'split_outputs_unchanged.json')
SPLITS = {'train': 8, 'eval': 1, 'test': 1}
_KEPT = {}  # the in-process runner shares this module with the pipeline


def _stable(record: bytes) -> bytes:
    """The record with its feature map in name order (protobuf's default is per process)."""
    return example_pb2.Example.FromString(record).SerializeToString(deterministic=True)


def _ex(**features) -> bytes:
    return _stable(example(**features))


def _digest(items) -> str:
    return hashlib.sha256(b''.join(sorted(hashlib.sha256(i).digest() for i in items))).hexdigest()


def _plain(value):
    """Counts as JSON: keys as their repr (ints, bytes and tuples stay apart), sorted."""
    if isinstance(value, dict):
        return {repr(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))}
    return value


def _keep(value, key):
    _KEPT[key] = value


def _split(records, previous_dir=None, **kwargs):
    """``(summary, {split: records}, [(unit key, split)], config)`` of one StratifiedSplit run
    (``previous_dir``: an earlier span's assignments, as the executor reads them)."""
    config = StratifiedSplitConfig(**kwargs).validate()
    with beam.Pipeline() as p:
        previous = read_window(p, [('span-0', previous_dir)], config) if previous_dir else None
        out = SplitOutputs(
            p
            | StratifiedSplit(
                lambda: beam.Create(records, reshuffle=False),
                config=config,
                previous=previous,
                assignments=True,
            )
        )
        for name, pcoll in out.records.items():
            _ = (
                pcoll
                | f'List[{name}]' >> beam.combiners.ToList()
                | f'Keep[{name}]' >> beam.Map(_keep, name)
            )
        _ = (
            out.assignments
            | 'Decode' >> beam.FlatMap(decode_assignments)
            | 'ListPairs' >> beam.combiners.ToList()
            | 'KeepPairs' >> beam.Map(_keep, '__pairs__')
        )
        _ = out.report | 'KeepReport' >> beam.Map(_keep, '__report__')
        _ = out.counts | 'KeepCounts' >> beam.Map(_keep, '__counts__')
    splits = {name: _KEPT.pop(name) for name in config.splits}
    pairs = sorted(_KEPT.pop('__pairs__'))
    summary = {
        'splits': {n: {'count': len(rs), 'records': _digest(rs)} for n, rs in splits.items()},
        'report': json.dumps(_KEPT.pop('__report__'), indent=2),
        'counts': _plain(_KEPT.pop('__counts__')),
        'assignments': {'count': len(pairs), 'pairs': _digest([repr(p).encode() for p in pairs])},
    }
    return summary, splits, pairs, config


# --- data ---------------------------------------------------------------------------------------


def single(n=1500, seed=0, labels=(0, 1, 2, 3, 4), weights=(60, 25, 10, 4, 1), as_bytes=False):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        label = rng.choices(labels, weights)[0]
        out.append(_ex(label=str(label) if as_bytes else label, x=float(i), z=rng.random()))
    return out


def grouped(span=0, seed=0, users=range(0, 420)):
    """Users of 1-4 examples, and every 40th user of 30-60 (above ``exact.FEW_GROUPS`` per split,
    so that the largest are placed one by one and the rest by the histogram)."""
    rng = random.Random(seed * 1000 + span)
    out = []
    for user in users:
        size = rng.randint(30, 60) if user % 40 == 0 else rng.randint(1, 4)
        for i in range(size):
            label = 1 if (user % 7 == 0) != (rng.random() < 0.1) else 0
            out.append(_ex(label=label, user=f'u{user}', x=float(span * 100 + i)))
    return out


def multi(form='ids', n=1200, group_size=0, names=False, seed=0):
    matrix = label_matrix(n, labels=12, seed=seed)
    return [_stable(r) for r in multilabel_records(matrix, form, names, group_size)]


def floats(n=1000):
    rng = np.random.default_rng(1)
    return [_ex(price=float(v), x=float(i)) for i, v in enumerate(rng.lognormal(2, 1, n))]


# --- cases --------------------------------------------------------------------------------------


_RUNS = {}  # a case's split, shared by the cases that start from it


def _run(records, **kwargs):
    kwargs.setdefault('label_feature', 'label')
    kwargs.setdefault('splits', None if 'folds' in kwargs else SPLITS)
    key = (_digest(records), repr(sorted(kwargs.items())))
    if key not in _RUNS:
        _RUNS[key] = _split(records, **kwargs)
    return _RUNS[key]


def _periodic(tmp_path, span0, span1, **kwargs):
    """Span 1 split with span 0's assignments pinning the units they share."""
    first, _, pairs, config = _run(span0, **kwargs)
    folder = str(tmp_path / 'span-0')
    write_records(
        os.path.join(folder, 'assignments-00000-of-00001.gz'),
        [encode_assignments(pairs[i : i + 500]) for i in range(0, len(pairs), 500)],
    )
    write_json(os.path.join(folder, 'assignments.json'), header(config))
    second = _run(span1, previous_dir=folder, **kwargs)[0]
    return {'span-0': first, 'span-1': second}


def _seeded(tmp_path, records, **kwargs):
    """``write_assignments`` over the splitter's own split of ``records``."""
    summary, splits, _, config = _run(records, **kwargs)
    dirs = {}
    for name, members in splits.items():
        dirs[name] = str(tmp_path / f'Split-{name}')
        write_records(os.path.join(dirs[name], 'data.gz'), sorted(members))
    out = str(tmp_path / 'seeded')
    report = write_assignments(dirs, config, out)
    (path,) = tf.io.gfile.glob(os.path.join(out, 'assignments-*.gz'))
    written = [bytes(r.numpy()) for r in tf.data.TFRecordDataset(path, compression_type='GZIP')]
    with open(os.path.join(out, 'assignments.json')) as f:
        json_text = f.read()
    return {
        'split': summary,
        'report': report,
        'records': hashlib.sha256(b''.join(written)).hexdigest(),
        'assignments.json': json_text,
    }


CASES = {
    'single': lambda tmp: _run(single(), seed=3)[0],
    'groups': lambda tmp: _run(grouped(), group_feature='user', seed=5)[0],
    'folds': lambda tmp: _run(single(1000, seed=1), folds=5, holdout={'test': 0.1}, seed=2)[0],
    'label_bins': lambda tmp: _run(floats(), label_feature='price', label_bins=4, seed=4)[0],
    'multi_ids': lambda tmp: _run(multi('ids'), label_feature='tags', multi_label='ids')[0],
    'multi_hot': lambda tmp: _run(
        multi('multi_hot', seed=1), label_feature='tags', multi_label='multi_hot', seed=6
    )[0],
    'multi_groups': lambda tmp: _run(
        multi('ids', group_size=3, names=True, seed=2),
        label_feature='tags',
        multi_label='ids',
        group_feature='user',
        seed=7,
    )[0],
    'bytes_labels': lambda tmp: _run(single(as_bytes=True, seed=2), seed=8)[0],
    'periodic_groups': lambda tmp: _periodic(
        tmp,
        grouped(),
        grouped(span=1, users=range(200, 620)),
        group_feature='user',
        seed=5,
    ),
    'periodic_multi': lambda tmp: _periodic(
        tmp,
        multi('ids'),
        multi('ids')[600:] + multi('ids', n=400, seed=9),
        label_feature='tags',
        multi_label='ids',
    ),
    'seed_history_groups': lambda tmp: _seeded(tmp, grouped(), group_feature='user', seed=5),
    'seed_history_multi': lambda tmp: _seeded(
        tmp, multi('ids'), label_feature='tags', multi_label='ids'
    ),
}


@pytest.mark.parametrize('case', list(CASES))
def test_outputs_equal_the_recorded_ones(case, tmp_path):
    summary = json.loads(json.dumps(CASES[case](tmp_path)))
    if os.environ.get('TFX_BALANCE_RECORD_OUTPUTS') == '1':
        recorded = {}
        if os.path.exists(GOLDEN):
            with open(GOLDEN) as f:
                recorded = json.load(f)
        recorded[case] = summary
        with open(GOLDEN, 'w') as f:
            json.dump(recorded, f, indent=1, sort_keys=True)
            f.write('\n')
    with open(GOLDEN) as f:
        recorded = json.load(f)
    assert summary == recorded[case]
