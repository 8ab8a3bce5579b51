"""Class streams and balanced_records (core/balanced_input_gen/streams.py): passes, seeds, paths."""

import collections

import numpy as np
import pytest

from tests.core.balanced_input_gen.support import COUNTS, SCHEMA, batches
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_input_gen import streams


def test_same_seed_gives_the_same_batches_and_another_seed_others(laid_out):
    def run(seed):
        ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=seed)
        return np.concatenate([x for x, _ in batches(ds, 40)])

    first = run(3)
    assert (first == run(3)).all()
    assert not (first == run(4)).all()
    assert sorted(first[:8] // 1000) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_every_example_of_a_class_is_seen_once_per_pass_before_any_repeat(laid_out):
    ds = bi.balanced_dataset(laid_out, 'label', batch_size=8, schema=SCHEMA, seed=0)
    stream = collections.defaultdict(list)
    for ids, labels in batches(ds, 60):  # 120 per class: 3 passes of class 0, 60 of class 3
        for i, c in zip(ids, labels):
            stream[c].append(int(i))
    for c, n in COUNTS.items():
        everything = sorted(c * 1000 + i for i in range(n))
        passes = [stream[c][p : p + n] for p in range(0, len(stream[c]) - n + 1, n)]
        assert len(passes) == 120 // n
        for one_pass in passes:
            assert sorted(one_pass) == everything, c
    # The shuffle is real: the passes over the minority class are not all in the same order.
    assert len({tuple(stream[2][p : p + 4]) for p in range(0, 120, 4)}) > 1


@pytest.mark.parametrize('weights, batch_size', [(None, 8), ({0: 1, 1: 1, 2: 2}, 7)])
def test_example_by_example_path_gives_the_same_batches(laid_out, monkeypatch, weights, batch_size):
    def run():  # the streamed path (memory_budget=0): one stream per class
        ds = bi.balanced_dataset(
            laid_out, 'label', batch_size, schema=SCHEMA, weights=weights, seed=5, memory_budget=0
        )
        return np.concatenate([x for x, _ in batches(ds, 30)])

    vectorised = run()
    monkeypatch.setattr(streams, 'MAX_VECTOR_PERIOD', 0)  # long periods go example by example
    assert (run() == vectorised).all()


def test_a_large_class_is_read_through_a_bounded_window_shuffle(tmp_path):
    # 100 examples in windows of 5: 20 windows. The first window a pass yields must come from
    # the first WINDOW_SHUFFLE_BUFFER windows of the file (no read-ahead of the whole class), for
    # every seed; each pass still yields every example once.
    from tests.support.examples import example, write_records

    path = str(tmp_path / 'class-0.gz')
    write_records(path, [example(label=0, id=i) for i in range(100)])
    limit = streams.WINDOW_SHUFFLE_BUFFER * 5
    for seed in range(12):
        chunks = streams.class_chunks([path], 100, seed, '0', shuffle_buffer=5)
        taken = chunks.take(40).as_numpy_iterator()
        windows = [[_id(r) for r in chunk] for chunk in taken]
        assert max(windows[0]) < limit, (seed, windows[0])
        assert sorted(i for w in windows[:20] for i in w) == list(range(100))
        assert sorted(i for w in windows[20:] for i in w) == list(range(100))


def _id(record: bytes) -> int:
    from tensorflow.core.example import example_pb2

    return example_pb2.Example.FromString(record).features.feature['id'].int64_list.value[0]
