"""The periodic sample (`make demo-periodic`) end to end under LocalDagRunner, through its CLI:
three runs in one MLMD, one per new span of taxi trips, the third span shifted on purpose."""

import pytest

from tests.support.samples import run_cli, summary_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('periodic') / 'run')
    run_cli('pipelines.periodic.run_local', root, '--spans', '3', '--shifted-span', '3')
    return summary_of(root)


def test_no_company_or_trip_is_in_two_splits_over_the_spans(runs):
    assert [r['groups_in_two_splits'] for r in runs] == [[], [], []]


def test_each_run_splits_its_own_span_and_the_window_grows(runs):
    from pipelines.periodic import spans

    counts = spans.span_counts(shifted_span=3)
    for r in runs:
        split = {c: sum(by_split.values()) for c, by_split in r['class_counts'].items()}
        assert split == counts[r['span']]
    assert [r['window'] for r in runs[:2]] == [[1], [1, 2]]


def test_the_first_run_trains_fresh_and_the_second_warm_starts_from_the_blessed_model(runs):
    first, second, _ = runs
    assert first['drift'] == 'pass (no previous span)'
    assert first['trained'] and not first['warm_start'] and first['blessed'] and first['pushed']
    assert second['drift'].startswith('pass (largest ')
    assert second['trained'] and second['warm_start']


def test_the_shifted_span_is_stopped_by_the_drift_check_before_training(runs):
    third = runs[2]
    assert third['drift'] == 'STOPPED (drift)'
    assert not third['trained'] and not third['pushed']
    assert third['stopped'].startswith('ClassDistributionError: ')
