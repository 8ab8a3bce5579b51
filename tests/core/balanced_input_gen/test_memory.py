"""Classes held in memory (core/balanced_input_gen/memory.py): 1,000 classes, exactness, passes, seeds."""

import os
import re

import numpy as np
import pytest

from tests.core.balanced_input_gen.support import SCHEMA, batches, lay_out
from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_input_gen import memory, merge
from tfx_balance.core.balanced_input_gen.schedule import batch_order
from tfx_balance.core.common.errors import DataError

K = 1000
# Class 0 has a single example; the others 1 to 9 (4,989 examples in all).
SIZES = [1] + [1 + (k * 7919) % 9 for k in range(1, K)]


@pytest.fixture(scope='module')
def thousand(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('thousand'))
    records = [
        example(x=float(k * 100 + i), label=k) for k, n in enumerate(SIZES) for i in range(n)
    ]
    return os.path.join(lay_out(root, records, per_shard=5), '*')


def _ids(ds, n):
    got = batches(ds, n)
    return np.stack([x for x, _ in got]).astype(np.int64), np.stack([y for _, y in got])


def test_a_thousand_classes_give_exactly_b_over_k_per_batch_and_every_example_once_a_pass(
    thousand,
):
    ds = bi.balanced_dataset(thousand, 'label', batch_size=2000, schema=SCHEMA, seed=0)
    ids, labels = _ids(ds, 36)  # 72 draws per class: 8 passes of a 9-example class
    for row in labels:
        assert (np.bincount(row, minlength=K) == 2).all()
    assert (ids // 100 == labels).all()
    for k in (0, 1, 2, 500, 999):
        stream = ids[labels == k]  # in batch order, then slot order
        n = SIZES[k]
        for p in range(len(stream) // n):
            assert sorted(stream[p * n : (p + 1) * n]) == [k * 100 + i for i in range(n)], k
    # The single example of class 0 is in every batch, twice.
    assert (ids[labels == 0] == 0).all()


def test_a_thousand_classes_when_k_does_not_divide_b_follow_the_floor_and_ceil_rule(thousand):
    ds = bi.balanced_dataset(thousand, 'label', batch_size=1500, schema=SCHEMA, seed=0)
    _, labels = _ids(ds, 40)
    got = np.stack([np.bincount(row, minlength=K) for row in labels])
    assert set(np.unique(got)) == {1, 2} and (got.sum(axis=1) == 1500).all()
    assert (got.reshape(20, 2, K).sum(axis=1) == 3).all()  # 1.5 per batch: period of 2


def test_a_thousand_classes_same_seed_same_batches_another_seed_others(thousand):
    def run(seed):
        ds = bi.balanced_dataset(thousand, 'label', batch_size=1000, schema=SCHEMA, seed=seed)
        return _ids(ds, 12)[0]

    first = run(7)
    assert (first == run(7)).all()
    assert not (first == run(8)).all()


def test_streamed_and_in_memory_paths_give_the_same_composition(laid_out):
    def composition(budget):
        ds = bi.balanced_dataset(
            laid_out, 'label', batch_size=10, schema=SCHEMA, memory_budget=budget
        )
        return np.stack([np.bincount(y, minlength=4) for _, y in batches(ds, 30)])

    assert (composition(0) == composition(memory.DEFAULT_MEMORY_BUDGET)).all()


def test_classes_larger_than_the_budget_are_streamed_with_the_same_rule(laid_out):
    classes = merge.classes_of(laid_out)
    assert memory.load_classes(classes, [0, 1, 2, 3], 1000) is None  # 62 examples: ~5 kB
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, memory_budget=1000)
    for _, labels in batches(ds, 20):
        assert (np.bincount(labels, minlength=4) == 2).all()


def test_load_classes_reads_only_the_sampled_classes(laid_out):
    classes = merge.classes_of(laid_out)
    records = memory.load_classes(classes, [2, 3], 1 << 20)
    assert records.shape == (6,)


def test_a_class_file_with_fewer_records_than_the_plan_is_named(tmp_path):
    from tests.core.balanced_input_gen.support import RECORDS
    from tests.support.errors import documented_errors
    from tests.support.examples import write_records

    split_dir = lay_out(str(tmp_path), RECORDS)
    ((_, plan),) = bi.load_plans(split_dir)
    write_records(os.path.join(split_dir, plan.files[3][0]), [example(x=3000.0, label=3)])
    with pytest.raises(DataError, match='hold 61 examples .* but the balance plan says 62') as e:
        bi.balanced_dataset(os.path.join(split_dir, '*'), 'label', batch_size=8, schema=SCHEMA)
    assert any(re.search(p, str(e.value)) for p in documented_errors()), str(e.value)


@pytest.mark.parametrize('row', [[2, 2, 2, 2], [3, 1, 0, 5], [1, 2, 3, 1, 7], [0, 0, 4]])
def test_batch_slots_spread_classes_like_batch_order(row):
    assert memory.batch_slots(np.asarray(row)).tolist() == batch_order(row)


def test_slot_sampler_passes_are_permutations_and_depend_on_the_seed():
    slots = np.asarray([0, 1, 2, 0, 1, 2, 0, 2] * 3)

    def draws(seed):
        sampler = memory.SlotSampler([5, 1, 3], ['a', 'b', 'c'], seed)
        return np.concatenate([sampler.take(slots) for _ in range(10)])

    got = draws(0)
    classes = np.tile(slots, 10)
    for k, (offset, n) in enumerate([(0, 5), (5, 1), (6, 3)]):
        stream = got[classes == k]
        passes = stream[: len(stream) // n * n].reshape(-1, n)
        assert (np.sort(passes, axis=1) == np.arange(offset, offset + n)).all()
        if n > 1:
            assert len({tuple(p) for p in passes}) > 1  # a new order every pass
    assert (got == draws(0)).all() and not (got == draws(1)).all()


def test_a_group_drawing_only_the_start_of_each_pass_selects_the_same_examples(monkeypatch):
    # Two first groups reach only the start of the first passes of classes of 400 and 96
    # (selected, not sorted); the rest draws every class, the class of 2 too (sorted whole).
    first = np.asarray([0, 1, 0, 0, 1, 0] * 2)
    rest = np.asarray([0, 1, 2, 0, 1, 0, 0, 1] * 300)

    def draws(prefix_passes):
        monkeypatch.setattr(memory, 'PREFIX_PASSES', prefix_passes)
        sampler = memory.SlotSampler([400, 96, 2], ['a', 'b', 'c'], 7)
        return np.concatenate([sampler.take(first), sampler.take(first[:6]), sampler.take(rest)])

    assert (draws(64) == draws(0)).all()


def test_loaded_records_are_the_tfrecord_readers_bytes_in_plan_order(tmp_path):
    import tensorflow as tf

    # Classes of 1 to 23 examples, one shard per example: hashing leaves some shards empty.
    counts = {k: 1 + (k * 5) % 23 for k in range(12)}
    records = [example(x=float(k * 100 + i), label=k) for k, n in counts.items() for i in range(n)]
    split_dir = lay_out(str(tmp_path), records, per_shard=1)
    classes = merge.classes_of(os.path.join(split_dir, '*'))
    active = [k for k in counts if k not in (1, 2)]  # not every class
    files = [f for k in active for f in classes.files[k]]
    per_file = [[r.numpy() for r in tf.data.TFRecordDataset(f, 'GZIP')] for f in files]
    assert min(map(len, per_file)) == 0 and max(map(len, per_file)) > 1
    want = [r for records in per_file for r in records]
    got = memory.load_classes(classes, active, 1 << 20)
    assert [bytes(r) for r in got.numpy()] == want
    assert len(want) == sum(counts[k] for k in active)


def test_the_first_batch_coming_alone_changes_no_batch(thousand, monkeypatch):
    def run():
        ds = bi.balanced_dataset(thousand, 'label', batch_size=1000, schema=SCHEMA, seed=3)
        return _ids(ds, 40)[0]

    monkeypatch.setattr(memory, 'FIRST_GROUP_BATCHES', 1)
    first_alone = run()
    monkeypatch.setattr(memory, 'FIRST_GROUP_BATCHES', 16)
    assert (first_alone == run()).all()


@pytest.mark.parametrize(
    'damage, message',
    [
        (lambda data: data[: len(data) // 2], 'cannot be read as a gzipped TFRecord file'),
        (lambda data: b'not gzip at all', 'cannot be read as a gzipped TFRecord file'),
        (
            lambda data: __import__('gzip').compress(
                __import__('gzip').decompress(data)[:-7], mtime=0
            ),
            'is not a whole TFRecord file: the record at byte 49 of its 91 decompressed bytes',
        ),
    ],
    ids=['truncated', 'not-gzip', 'cut-record'],
)
def test_a_damaged_class_file_is_named(tmp_path, damage, message):
    from tests.core.balanced_input_gen.support import RECORDS
    from tests.support.errors import documented_errors

    split_dir = lay_out(str(tmp_path), RECORDS)
    ((_, plan),) = bi.load_plans(split_dir)
    path = os.path.join(split_dir, plan.files[3][0])  # class 3: 2 examples
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(damage(data))
    with pytest.raises(DataError, match=message) as e:
        bi.balanced_dataset(os.path.join(split_dir, '*'), 'label', batch_size=8, schema=SCHEMA)
    assert path in str(e.value) and 'Re-run BalancedInputGen' in str(e.value)
    assert any(re.search(p, str(e.value)) for p in documented_errors()), str(e.value)


def _framed(record: bytes) -> bytes:
    """``record`` with its TFRecord framing, as TFRecordWriter writes it."""
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'one')
        with tf.io.TFRecordWriter(path) as writer:
            writer.write(record)
        with open(path, 'rb') as f:
            return f.read()


def test_loaded_records_are_exact_where_their_content_looks_like_framing(tmp_path):
    import tensorflow as tf

    from tests.support.examples import write_records

    rng = np.random.default_rng(0)
    # Records that look like framing: zeros, framed records inside a record, an empty record.
    tricky = [b'', bytes(16), bytes(300), _framed(b'inner'), _framed(bytes(9)) * 3]
    noise = [rng.integers(0, 256, size=n, dtype=np.uint8).tobytes() for n in (1, 70_000, 33)]
    files = {'a': [tricky, [], noise], 'b': [[example(x=float(i), label=1) for i in range(500)]]}
    paths = {}
    for name, shards in files.items():
        paths[name] = [str(tmp_path / f'{name}-{i}.gz') for i in range(len(shards))]
        for path, records in zip(paths[name], shards):
            write_records(path, records)
    counts = tuple(sum(map(len, shards)) for shards in files.values())
    classes = merge.MergedClasses('label', ('a', 'b'), counts, tuple(paths.values()))

    def read(names):
        return [
            r.numpy() for n in names for f in paths[n] for r in tf.data.TFRecordDataset(f, 'GZIP')
        ]

    got = memory.load_classes(classes, [0, 1], 1 << 20)
    assert [bytes(r) for r in got.numpy()] == read('ab') and got.shape == (sum(counts),)
