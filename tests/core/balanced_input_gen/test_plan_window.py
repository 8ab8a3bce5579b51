"""A layout whose balance_plan.json names a ``window`` of earlier layouts (BalancedInputGen with a
history) reads as the list of those layouts and itself (core/balanced_input_gen/plan_file.py)."""

import json
import os

import pytest

from tests.core.balanced_input_gen.support import SCHEMA, batches, lay_out
from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_input_gen.merge import classes_of
from tfx_balance.core.common.errors import DataError

# Per span, examples per class with ids apart (x = class * 1000 + span * 100 + i); class 3 only
# in span 3, class 2 not in span 2.
SPANS = {1: {0: 12, 1: 4, 2: 2}, 2: {0: 8, 1: 3}, 3: {0: 5, 1: 2, 2: 1, 3: 2}}


def _records(span: int) -> list:
    return [
        example(x=float(c * 1000 + span * 100 + i), label=c)
        for c, n in SPANS[span].items()
        for i in range(n)
    ]


@pytest.fixture(scope='module')
def layouts(tmp_path_factory):
    """``{span: layout root}``, each laid out alone (one Beam run per span)."""
    root = tmp_path_factory.mktemp('spans')
    found = {}
    for span in SPANS:
        found[span] = str(root / f'span-{span}')
        lay_out(found[span], _records(span))
    return found


def _with_window(layouts, tmp_path, span: int, window: list) -> str:
    """A copy of the layout of ``span`` whose plan names ``window`` (layout roots)."""
    import shutil

    root = str(tmp_path / f'window-{span}')
    shutil.copytree(layouts[span], root)
    path = os.path.join(root, bi.PLAN_FILE)
    with open(path) as f:
        doc = json.load(f)
    with open(path, 'w') as f:
        json.dump({**doc, 'window': window}, f)
    return root


def _files(*roots) -> list:
    return [os.path.join(root, 'Split-train', '*') for root in roots]


def test_plans_to_json_writes_a_window_only_when_there_is_one(layouts):
    ((_, plan),) = bi.load_plans(_files(layouts[1]))
    assert 'window' not in bi.plans_to_json([plan], spans=[1])
    doc = bi.plans_to_json([plan], spans=[2], window=('/a/7', '/a/8'))
    assert doc['window'] == ['/a/7', '/a/8'] and doc['spans'] == [2]


def test_a_window_layout_reads_as_the_list_of_its_spans_layouts(layouts, tmp_path):
    window = _with_window(layouts, tmp_path, 3, [layouts[1], layouts[2]])
    explicit = _files(layouts[1], layouts[2], window)
    located = bi.load_plans(_files(window))
    assert located == bi.load_plans(explicit)
    roots = (layouts[1], layouts[2], window)
    assert [d for d, _ in located] == [os.path.join(r, 'Split-train') for r in roots]
    assert bi.load_plans(os.path.join(window, 'Split-train')) == located  # a split folder too
    classes = classes_of(located)
    assert dict(zip(classes.names, classes.counts)) == {'0': 25, '1': 9, '2': 3, '3': 2}
    # every reader sees the window as the list
    assert bi.steps_per_epoch(_files(window), 8) == bi.steps_per_epoch(explicit, 8) == 13
    assert bi.label_names(_files(window)) == bi.label_names(explicit) == ['0', '1', '2', '3']
    got = bi.prior_correction(_files(window)).to_json()
    assert got == bi.prior_correction(explicit).to_json()
    for files in (_files(window), explicit):  # one batch of each class's whole union
        for c, n in {0: 25, 1: 9, 2: 3, 3: 2}.items():
            ds = bi.balanced_dataset(files, 'label', n, schema=SCHEMA, weights={str(c): 1})
            ((x, labels),) = batches(ds, 1)
            assert labels.tolist() == [c] * n
            want = [c * 1000 + s * 100 + i for s in SPANS for i in range(SPANS[s].get(c, 0))]
            assert sorted(x.tolist()) == want
    for a, b in zip(
        batches(bi.balanced_dataset(_files(window), 'label', 8, schema=SCHEMA), 6),
        batches(bi.balanced_dataset(explicit, 'label', 8, schema=SCHEMA), 6),
    ):
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()


def test_a_window_is_followed_one_level_and_a_layout_named_twice_is_read_once(layouts, tmp_path):
    middle = _with_window(layouts, tmp_path, 2, [layouts[1]])
    last = _with_window(layouts, tmp_path, 3, [middle])

    def split_dirs(*roots):
        return [os.path.join(r, 'Split-train') for r in roots]

    # middle's own window (span 1) is not followed
    assert [d for d, _ in bi.load_plans(_files(last))] == split_dirs(middle, last)
    # a Trainer given both window layouts: span 1 and 2 once each
    located = bi.load_plans(_files(middle, last))
    assert [d for d, _ in located] == split_dirs(layouts[1], middle, last)
    assert located == bi.load_plans(_files(layouts[1], middle, last))


def test_a_window_without_the_split_or_with_an_earlier_layout_gone_is_named(layouts, tmp_path):
    import shutil

    gone = str(tmp_path / 'gone')
    shutil.copytree(layouts[1], gone)
    window = _with_window(layouts, tmp_path, 3, [gone, layouts[2]])
    os.remove(os.path.join(gone, bi.PLAN_FILE))
    with pytest.raises(DataError) as raised:
        bi.balanced_dataset(_files(window), 'label', 8, schema=SCHEMA)
    assert str(raised.value) == (
        f'{os.path.join(window, bi.PLAN_FILE)} names {gone} as the layout of an earlier span of '
        f'its training window, but {os.path.join(gone, bi.PLAN_FILE)} is gone. BalancedInputGen '
        'outputs of the spans in the training window must be kept; re-run that span to lay it '
        'out again, then this one.'
    )
    with open(os.path.join(layouts[2], bi.PLAN_FILE)) as f:
        doc = json.load(f)
    other = str(tmp_path / 'other')
    shutil.copytree(layouts[2], other)
    with open(os.path.join(other, bi.PLAN_FILE), 'w') as f:
        json.dump({**doc, 'splits': {}}, f)  # laid out no split
    window = _with_window(layouts, tmp_path / 'b', 3, [other])
    with pytest.raises(DataError, match=r"^split 'train' \(.*other/Split-train\) was not laid"):
        bi.steps_per_epoch(_files(window), 8)


def test_a_layout_without_a_window_is_read_with_one_file_opened_and_nothing_listed(
    layouts, monkeypatch
):
    """A window layout on GCS: no extra round trip for plans that name no window."""
    import tensorflow as tf

    opened = []
    real = tf.io.gfile.GFile

    def counted(path, *args, **kwargs):
        opened.append(path)
        return real(path, *args, **kwargs)

    def refused(*args, **kwargs):
        raise AssertionError('a file-system call on the path without a window')

    monkeypatch.setattr(tf.io.gfile, 'GFile', counted)
    for name in ('exists', 'isdir', 'listdir', 'glob', 'stat'):
        monkeypatch.setattr(tf.io.gfile, name, refused)
    bi.load_plans(_files(layouts[1], layouts[2]))
    assert opened == [os.path.join(layouts[s], bi.PLAN_FILE) for s in (1, 2)]
