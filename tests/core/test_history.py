"""core/history.py: a periodic pipeline's history, committed run by run under a root folder."""

import dataclasses
import json
import os

import pytest

from tfx_balance.core import history
from tfx_balance.core.common.errors import ConfigError, DataError

IDENTITY = {'pipeline': 'p', 'label_feature': 'y', 'splits': '[["train", 8]]', 'seed': 0}


def _outputs(tmp_path, span, **names):
    """Small output folders of one run, each holding one file naming the span."""
    found = {}
    for name in names:
        folder = tmp_path / f'out-{span}-{name}'
        (folder / 'Split-all').mkdir(parents=True, exist_ok=True)
        (folder / 'Split-all' / 'data.txt').write_text(f'{name} of span {span}')
        found[name] = str(folder)
    return found


def _commit(root, tmp_path, span, pinned=None, keep=3, **names):
    pinned = pinned or history.read_index(root, IDENTITY)
    record = history.Record(span=span, run=history.new_run(span))
    return history.commit(pinned, record, _outputs(tmp_path, span, **names), keep=keep)


def test_a_root_without_an_index_is_an_empty_history(tmp_path):
    index = history.read_index(str(tmp_path / 'none'), IDENTITY)
    assert (index.generation, index.records) == (0, ())


def test_each_commit_copies_the_outputs_and_creates_the_next_generation(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1, statistics=1)
    _commit(root, tmp_path, 2, assignments=1, key_index=1)
    index = history.read_index(root, IDENTITY)
    assert index.generation == 2
    assert sorted(os.listdir(os.path.join(root, 'index'))) == ['g-00000001.json', 'g-00000002.json']
    (first, second) = index.records
    assert (first.span, first.generation, second.span, second.generation) == (1, 1, 2, 2)
    assert second.statistics is None and second.key_index.startswith('runs/span-2-')
    copied = os.path.join(index.path(first.assignments), 'Split-all', 'data.txt')
    assert open(copied).read() == 'assignments of span 1'


def test_a_rerun_replaces_its_span_and_is_never_counted_twice(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    _commit(root, tmp_path, 2, assignments=1)
    _commit(root, tmp_path, 2, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert [(r.span, r.generation) for r in index.records] == [(1, 1), (2, 3)]
    assert [r.span for r in index.before(3, 7)] == [1, 2]
    assert [r.span for r in index.before(2, 7, including=True)] == [1, 2]


def test_two_runs_from_one_generation_cannot_both_commit(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    pinned = history.read_index(root, IDENTITY)  # both runs started from generation 1
    _commit(root, tmp_path, 2, pinned=pinned, assignments=1)
    with pytest.raises(
        history.ConcurrentRunError,
        match=r'generation 2 .*\(span 3\) ran from generation 1: this span is not committed',
    ):
        _commit(root, tmp_path, 3, pinned=pinned, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert (index.generation, [r.span for r in index.records]) == (2, [1, 2])
    assert set(os.listdir(os.path.join(root, 'runs'))) == history.named_runs(root)  # no span 3


def test_a_commit_that_fails_leaves_no_folder_the_history_does_not_name(tmp_path, monkeypatch):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)

    def full(path, text):
        raise OSError('No space left on device')

    monkeypatch.setattr(history, 'create_exclusively', full)
    with pytest.raises(OSError, match='No space left'):
        _commit(root, tmp_path, 2, assignments=1, key_index=1)
    assert len(os.listdir(os.path.join(root, 'runs'))) == 1
    assert set(os.listdir(os.path.join(root, 'runs'))) == history.named_runs(root)


def test_the_clean_up_removes_old_folders_no_generation_names_only(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    runs = os.path.join(root, 'runs')
    (named,) = os.listdir(runs)
    killed, running = 'span-2-20200101T000000-0000abcd', history.new_run(3)
    for name in (killed, running, 'mine'):
        os.makedirs(os.path.join(runs, name, 'assignments'))
    assert history.remove_unnamed_runs(root) == [killed]
    assert sorted(os.listdir(runs)) == sorted([named, running, 'mine'])
    with pytest.raises(ConfigError, match=f'{tmp_path} is not a history'):
        history.remove_unnamed_runs(str(tmp_path))  # a slip: the folder above the history


def test_only_the_newest_spans_are_kept_and_the_latest_blessed_model(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1, model=1)
    for span in (2, 3, 4, 5):
        _commit(root, tmp_path, span, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert [r.span for r in index.records] == [1, 3, 4, 5]  # keep=3, and span 1's model
    assert index.latest_model().span == 1
    _commit(root, tmp_path, 6, assignments=1, model=1)
    index = history.read_index(root, IDENTITY)
    assert [r.span for r in index.records] == [4, 5, 6] and index.latest_model().span == 6


def test_a_late_or_rerun_span_reads_the_spans_on_both_sides_of_it(tmp_path):
    root = str(tmp_path / 'history')
    for span in (1, 2, 4, 5, 6):
        _commit(root, tmp_path, span, keep=7, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert [r.span for r in index.around(3, 2)] == [1, 2, 4, 5]
    assert [r.span for r in index.around(5, 1, including=True)] == [4, 5, 6]
    assert [r.span for r in index.around(7, 2)] == [5, 6]  # the newest span: before only


def test_a_generation_never_drops_its_span_and_records_what_it_dropped(tmp_path):
    root = str(tmp_path / 'history')
    for span in (1, 2, 3, 4, 5):
        _commit(root, tmp_path, span, assignments=1)
    index = history.read_index(root, IDENTITY)  # keep=3
    assert ([r.span for r in index.records], index.dropped_through) == ([3, 4, 5], 2)
    index.check_kept(6, 3, 0)  # the next span: its 3 spans before are kept
    index.check_kept(3, 3, 0)  # a re-run of a kept span: its own record holds its units
    for span in (1, 4.5):  # an old span, a late one whose horizon reaches span 2
        with pytest.raises(history.SpanNotKeptError, match='dropped the spans up to 2'):
            index.check_kept(span, 3, 0)
    index.check_kept(4.5, 1, 0)
    _commit(root, tmp_path, 3, pinned=index, assignments=1)  # re-run: still kept
    index = history.read_index(root, IDENTITY)
    assert [r.span for r in index.records] == [3, 4, 5]
    # Were an old span committed (a caller that skipped the check), it stays named.
    _commit(root, tmp_path, 1, pinned=index, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert ([r.span for r in index.records], index.dropped_through) == ([1, 3, 4, 5], 2)


def test_a_history_of_another_pipeline_or_split_is_refused_naming_what_differs(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    with pytest.raises(ConfigError, match=r'seed 1 \(the history has 0\).*own history_root'):
        history.read_index(root, {**IDENTITY, 'seed': 1})


@pytest.mark.parametrize(
    'text, problem',
    [
        ('{not json', 'is not JSON'),
        (json.dumps({'format': 9}), 'is not a format-1 index'),
        (
            json.dumps(
                {
                    'format': 1,
                    'generation': 1,
                    'identity': IDENTITY,
                    'spans': [{'span': 4, 'run': 'a'}, {'span': 4, 'run': 'b'}],
                }
            ),
            'names span 4 twice',
        ),
    ],
)
def test_a_damaged_index_is_a_data_error_naming_the_file(tmp_path, text, problem):
    root = tmp_path / 'history'
    (root / 'index').mkdir(parents=True)
    (root / 'index' / 'g-00000001.json').write_text(text)
    with pytest.raises(DataError, match=f'g-00000001.json {problem}.*new history_root'):
        history.read_index(str(root), IDENTITY)


def test_a_deleted_history_folder_is_a_data_error_naming_the_span(tmp_path):
    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    index = history.read_index(root, IDENTITY)
    os.rename(index.path(index.records[0].assignments), str(tmp_path / 'moved'))
    with pytest.raises(DataError, match='assignments of span 1 at .* which is gone'):
        history.records_named(index, index.records, 'assignments')


def test_a_file_is_created_exclusively_once(tmp_path):
    path = str(tmp_path / 'index' / 'g-1.json')
    assert history.create_exclusively(path, 'first')
    assert not history.create_exclusively(path, 'second')
    assert open(path).read() == 'first' and os.listdir(tmp_path / 'index') == ['g-1.json']


def test_the_config_checks_its_arguments():
    config = history.HistoryConfig(history_root='/h', identity=IDENTITY)
    assert dataclasses.replace(config.validate(), identity={}).window == 3
    with pytest.raises(ConfigError, match='window must be an int >= 1; got 0'):
        history.HistoryConfig(history_root='/h', identity=IDENTITY, window=0).validate()
    with pytest.raises(ConfigError, match='history_root must name a folder'):
        history.HistoryConfig(history_root=' ', identity=IDENTITY).validate()
    with pytest.raises(ConfigError, match=r'window 8 is larger than horizon 7.*window=7\)'):
        history.HistoryConfig(history_root='/h', identity=IDENTITY, window=8).validate()


def test_a_history_root_that_is_not_a_writable_folder_is_refused_by_name(tmp_path):
    history.check_root(str(tmp_path / 'new'))
    assert os.listdir(tmp_path / 'new') == ['index']  # created, the probe removed
    (tmp_path / 'file').write_text('')
    with pytest.raises(ConfigError, match=r'history_root .*file is a file, not a folder'):
        history.check_root(str(tmp_path / 'file'))
    with pytest.raises(ConfigError, match=r'history_root .*file/h is not a writable folder'):
        history.check_root(str(tmp_path / 'file' / 'h'))


def test_a_late_span_is_kept_at_any_age_up_to_the_lateness_and_refused_with_what_keeps_it(
    tmp_path,
):
    horizon, lateness = 3, 2
    keep = history.spans_kept(horizon, 2, lateness)
    assert keep == 5
    root = str(tmp_path / 'history')
    for span in (1, 2, 3, 4, 5, 7, 8, 9):  # span 6 is late: 3 newer spans ran without it
        _commit(root, tmp_path, span, keep=keep, assignments=1)
    index = history.read_index(root, IDENTITY)
    assert ([r.span for r in index.records], index.dropped_through) == ([4, 5, 7, 8, 9], 3)
    with pytest.raises(history.SpanNotKeptError) as raised:  # late by 3, lateness 2
        index.check_kept(6, horizon, lateness)
    assert '3 accepted spans are newer than it' in str(raised.value)
    assert 'lateness=3 or more' in str(raised.value)
    with pytest.raises(history.SpanNotKeptError) as raised:  # dropped: spans 2, 3 newer too
        index.check_kept(1, horizon, lateness)
    assert 'at least 6 accepted spans' in str(raised.value) and 'lateness=6' in str(raised.value)

    root = str(tmp_path / 'steady')  # a hundred spans, span 98 two days late
    pinned = None
    for span in [s for s in range(1, 101) if s != 98]:
        pinned = _commit(root, tmp_path, span, pinned=pinned, keep=keep, assignments=1)
    assert [r.span for r in pinned.records] == [95, 96, 97, 99, 100]
    pinned.check_kept(98, horizon, lateness)  # late by 2: 95, 96, 97 before it are kept
    assert [r.span for r in pinned.around(98, horizon)] == [95, 96, 97, 99, 100]
    with pytest.raises(history.SpanNotKeptError, match='lateness=6 or more'):
        pinned.check_kept(93, horizon, lateness)  # its record was dropped, as was span 94
    pinned = _commit(root, tmp_path, 98, pinned=pinned, keep=keep, assignments=1)
    assert [r.span for r in pinned.records] == [96, 97, 98, 99, 100]


def test_every_error_of_the_history_is_in_the_troubleshooting_table(tmp_path):
    import re

    from tests.support.errors import documented_errors

    root = str(tmp_path / 'history')
    _commit(root, tmp_path, 1, assignments=1)
    pinned = history.read_index(root, IDENTITY)
    _commit(root, tmp_path, 2, pinned=pinned, assignments=1)
    errors = []
    for call in (
        lambda: _commit(root, tmp_path, 3, pinned=pinned, assignments=1),
        lambda: history.read_index(root, {**IDENTITY, 'seed': 1}),
        lambda: dataclasses.replace(pinned, dropped_through=0).check_kept(0, 3, 0),
        lambda: history.check_root(os.path.join(root, 'index', 'g-00000001.json')),
        lambda: history.check_root(os.path.join(root, 'index', 'g-00000001.json', 'h')),
        lambda: history.HistoryConfig(history_root=root, identity=IDENTITY, window=9).validate(),
        lambda: history.records_named(
            pinned, [dataclasses.replace(pinned.records[0], assignments='runs/gone')], 'assignments'
        ),
    ):
        with pytest.raises(ValueError) as raised:
            call()
        errors.append(str(raised.value))
    (tmp_path / 'history' / 'index' / 'g-00000003.json').write_text('{')
    with pytest.raises(DataError) as raised:
        history.read_index(root, IDENTITY)
    errors.append(str(raised.value))
    for message in errors:
        assert any(re.search(p, message) for p in documented_errors()), message
