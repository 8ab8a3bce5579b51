"""BalancedLayout (core/balanced_input_gen/layout.py): per-class shards, the same bytes for any input."""

import collections
import os

import numpy as np
import tensorflow as tf

from tests.core.balanced_input_gen.support import COUNTS, RECORDS, lay_out, read_file
from tests.support.examples import reordered
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.hashing import example_keys


def test_layout_writes_one_shard_set_per_class_with_the_planned_names(laid_out):
    split_dir = os.path.dirname(laid_out)
    assert sorted(os.listdir(split_dir)) == [
        'class-00000-0-00000-of-00003.gz',
        'class-00000-0-00001-of-00003.gz',
        'class-00000-0-00002-of-00003.gz',
        'class-00001-1-00000-of-00001.gz',
        'class-00002-2-00000-of-00001.gz',
        'class-00003-3-00000-of-00001.gz',
    ]
    ((_, plan),) = bi.load_plans(laid_out)
    records = collections.Counter()
    for index, files in enumerate(plan.files):
        got = [r for f in files for r in read_file(os.path.join(split_dir, f))]
        assert collections.Counter(
            tf.train.Example.FromString(r).features.feature['label'].int64_list.value[0]
            for r in got
        ) == {index: COUNTS[index]}
        records.update(got)
    assert records == collections.Counter(RECORDS)


def test_layout_files_are_identical_for_any_input_order(tmp_path, laid_out):
    split_dir = lay_out(str(tmp_path), list(reversed(RECORDS)))
    for name in os.listdir(split_dir):
        with open(os.path.join(split_dir, name), 'rb') as a:
            with open(os.path.join(os.path.dirname(laid_out), name), 'rb') as b:
                assert a.read() == b.read(), name


def test_layout_follows_the_content_not_the_feature_order_the_input_was_written_in(
    tmp_path, laid_out
):
    rng = np.random.default_rng(0)
    rewritten = [reordered(r, rng) for r in RECORDS]
    assert sum(a != b for a, b in zip(RECORDS, rewritten)) > len(RECORDS) // 3
    split_dir = lay_out(str(tmp_path), rewritten)
    names = sorted(os.listdir(split_dir))
    assert names == sorted(os.listdir(os.path.dirname(laid_out)))
    for name in names:  # the same examples, in the same order, in every file
        got = example_keys(read_file(os.path.join(split_dir, name)))
        want = example_keys(read_file(os.path.join(os.path.dirname(laid_out), name)))
        assert got == want, name


def test_a_window_of_spans_laid_out_as_one_plans_the_union_as_the_per_span_plans_merged(tmp_path):
    """Issue 51: a window of two spans of one split, laid out as one (BalancedInputGen given the
    window) or span by span and merged when read (balanced_dataset over both outputs): the same
    exact counts, the sum over the spans, and batches exact over the union."""
    import numpy as np

    from tests.core.balanced_input_gen.support import SCHEMA, make_records
    from tests.support.examples import example
    from tfx_balance.core.balanced_input_gen.merge import classes_of

    span_1 = make_records({0: 30, 1: 10, 2: 4})  # class 3 only in span 2
    span_2 = [
        example(x=float(c * 1000 + 500 + i), label=c)  # ids apart from span 1's
        for c, n in {0: 20, 1: 4, 3: 2}.items()
        for i in range(n)
    ]
    union = bi.load_plans(lay_out(str(tmp_path / 'window'), span_1 + span_2))
    span_dirs = [lay_out(str(tmp_path / f'span-{i}'), r) for i, r in [(1, span_1), (2, span_2)]]
    per_span = bi.load_plans(span_dirs)
    ((_, plan),) = union
    assert dict(zip(plan.classes, plan.counts)) == {'0': 50, '1': 14, '2': 4, '3': 2}
    merged = classes_of(per_span)
    assert dict(zip(merged.names, merged.counts)) == {'0': 50, '1': 14, '2': 4, '3': 2}
    for files in ([os.path.join(tmp_path, 'window', 'Split-train', '*')], span_dirs):
        ds = bi.balanced_dataset(files, 'label', batch_size=8, schema=SCHEMA)
        for _, labels in ds.take(4):
            assert np.bincount(labels.numpy().ravel(), minlength=4).tolist() == [2, 2, 2, 2]
