"""The window section's history job (tfx_balance.periodic's LookBack, the components' reads of
the pinned history, CommitSpan) at a tiny size through the harness, and its row in the report:
judged per earlier span, 'not measured' in results written before it."""

import json
import os

import pytest

from benchmarks.window import jobs, report
from tests.benchmarks.test_report_window import _job, _results

SPANS = 3  # today's span is span 3; a window of 3 reads the 2 spans before it


@pytest.fixture(scope='module')
def workload(tmp_path_factory):
    return jobs.workload(200, 20, SPANS, str(tmp_path_factory.mktemp('work')))


def test_the_history_job_runs_both_windows_with_their_earlier_spans(workload, tmp_path):
    out = jobs.measure_history(workload, str(tmp_path / 'history'), isolated=False)
    assert sorted(out) == ['late_n', 'window_1', 'window_n']
    one, many = out['window_1'], out['window_n']
    assert (one['earlier_spans'], many['earlier_spans']) == (0, SPANS - 1)
    assert one['read'] == {'assignments': 0, 'statistics': 0, 'key_index': 0, 'layout': 0}
    # the splitter's horizon and the window: every earlier span; the baseline: the last one
    assert many['read'] == {'assignments': 2, 'statistics': 1, 'key_index': 2, 'layout': 2}
    for summary in (one, many):
        assert summary['seconds'] > 0 and summary['examples_written'] == 0
        parts = [summary[k] for k in ('look_back_seconds', 'read_seconds', 'commit_seconds')]
        assert all(p > 0 for p in parts) and sum(parts) <= summary['seconds']
    late = out['late_n']  # window N kept with lateness: 7 older spans; the splitter's horizon
    assert late['earlier_spans'] == SPANS - 1 + jobs.LATENESS  # (= window) now finds all 3
    assert late['read'] == {**many['read'], 'assignments': SPANS}
    # the last run (window N, lateness 7) committed today's span after the 9 it found
    with open(tmp_path / 'history' / 'committed' / 'history.json') as f:
        committed = json.load(f)['index']
    assert committed['generation'] == SPANS + jobs.LATENESS
    assert [r['span'] for r in committed['spans']] == list(range(1 - jobs.LATENESS, 4))
    today = committed['spans'][-1]
    assert today['layout'] == workload['today_layout'] and today['model'] is None
    for name in ('assignments', 'key_index', 'statistics'):
        assert os.listdir(tmp_path / 'history' / 'history' / today[name])


def test_the_assignments_are_the_splitters_and_a_workload_without_them_gets_them(workload):
    import tensorflow as tf

    from tfx_balance.core.common.groups import group_key
    from tfx_balance.core.split.assignments import GROUPS_FORMAT, decode_assignments

    today = workload['assignments'][-1]
    with open(os.path.join(today, 'assignments.json')) as f:
        header = json.load(f)
    assert header == {'format': GROUPS_FORMAT, 'seed': 0, 'splits': ['train', 'eval'],
                      'group_feature': 'user'}  # fmt: skip
    records = tf.data.TFRecordDataset(tf.io.gfile.glob(os.path.join(today, '*.gz')), 'GZIP')
    pairs = sorted(p for r in records for p in decode_assignments(r.numpy()))
    users = set()
    for split in jobs.SPLITS:
        files = tf.io.gfile.glob(os.path.join(workload['spans'][-1], f'Split-{split}', '*'))
        users |= {(jobs._user_and_x(r.numpy())[0], split)
                  for r in tf.data.TFRecordDataset(files, 'GZIP')}  # fmt: skip
    expected = sorted((group_key(0, u), jobs.SPLITS.index(s)) for u, s in users)
    assert pairs == expected and len({u for u, _ in users}) == len(users)  # one split a user
    done = os.path.join(workload['root'], 'workload.json')
    with open(done) as f:
        old = json.load(f)
    for name in jobs.history_paths(workload['root'], SPANS):
        del old[name]
    with open(done, 'w') as f:
        json.dump(old, f)
    again = jobs.workload(200, 20, SPANS, os.path.dirname(os.path.dirname(workload['root'])))
    assert again == workload


def _with_history(one_ms=2.6, many_ms=3.6):
    parts = {'look_back_seconds': 0.0005, 'read_seconds': 0.0003, 'commit_seconds': 0.0017}
    results = _results()
    results['window']['history'] = {
        'window_1': _job(one_ms / 1000, 600, earlier_spans=0, **parts),
        'window_n': _job(many_ms / 1000, 600, earlier_spans=6, **{**parts, 'read_seconds': 0.0011}),
    }
    return results


def test_the_history_row_is_judged_per_earlier_span():
    goals = {g.split(':')[0]: (g, m, met, why) for g, m, met, why in report.goals(_with_history())}
    goal, measured, met, why = goals[report.HISTORY]
    assert goal == (
        'LookBack + CommitSpan: each span of a window of 7 adds <= 1 ms to a daily run, peak RSS '
        "<= 1.2x a window of 1 (tfx_balance.periodic's history: LookBack, the reads of 6 earlier "
        'spans (splitter, validator, LeakageCheck, BalancedInputGen), CommitSpan)'
    )
    assert (measured, met, why) == (
        '+0.17 ms per span (2.6 -> 3.6 ms, time 1.38x), peak RSS 1.00x',
        True,
        '',
    )
    (_, measured, met, why) = {
        g.split(':')[0]: (g, m, met, why)
        for g, m, met, why in report.goals(_with_history(2.6, 12.6))
    }[report.HISTORY]
    assert measured.startswith('+1.67 ms per span') and not met
    assert why.startswith('LookBack reads an index one record longer per span')
    assert why.endswith(
        '(LookBack 0.50 -> 0.50 ms, the reads 0.30 -> 1.10 ms, CommitSpan 1.70 -> 1.70 ms)'
    )
    text = '\n'.join(report.render(_with_history()))
    assert (
        "| LookBack + CommitSpan | tfx_balance.periodic's history: LookBack, the reads of 6 earlier "
        'spans (splitter, validator, LeakageCheck, BalancedInputGen), CommitSpan | 0.003 | 0.004 | '
        '1.38x | 600 | 600 | 1.00x |' in text
    )
    assert 'the same reads as with Resolvers, already measured in the component rows above.' in text
    assert 'Its parts (medians): LookBack 0.50 -> 0.50 ms, the reads 0.30 -> 1.10 ms' in text
    assert "1 rounds of the history's" in text  # the rounds each group ran


def test_results_without_the_history_render_it_not_measured_and_do_not_judge_it():
    results = _results()
    assert report.HISTORY not in [g.split(':')[0] for g, *_ in report.goals(results)]
    text = '\n'.join(report.render(results))
    assert (
        "| LookBack + CommitSpan | tfx_balance.periodic's history: LookBack, the reads of 6 earlier "
        'spans (splitter, validator, LeakageCheck, BalancedInputGen), CommitSpan | not measured | '
        'not measured | — | — | — | — |' in text
    )
    assert text.endswith(
        'Not measured: run `python -m benchmarks.run --sections window` (or the whole set).'
    )


def test_the_late_window_is_its_own_row_judged_per_kept_span():
    results = _with_history()
    parts = {'look_back_seconds': 0.0006, 'read_seconds': 0.0011, 'commit_seconds': 0.0019}
    results['window']['history']['late_n'] = _job(0.0043, 600, earlier_spans=13, **parts)
    goals = {g.split(':')[0]: (m, met) for g, m, met, _ in report.goals(results)}
    assert goals[report.HISTORY_LATE] == (
        '+0.10 ms per span (3.6 -> 4.3 ms, time 1.19x), peak RSS 1.00x',
        True,
    )
    text = '\n'.join(report.render(results))
    assert (
        '| LookBack + CommitSpan, late window | the same with 7 more spans kept for late spans '
        '(lateness 7: 13 earlier spans in the history), against window 7 | 0.004 | 0.004 |' in text
    )
    assert 'judged per kept span; parts LookBack 0.50 -> 0.60 ms' in text
