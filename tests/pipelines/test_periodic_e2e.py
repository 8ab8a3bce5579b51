"""The periodic sample (`make demo-periodic`) end to end under LocalDagRunner, through its CLI:
three runs in one MLMD and one history, one per new span of taxi trips, the third span shifted on
purpose."""

import glob
import os

import pytest

from tests.support.samples import run_cli, summary_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('periodic') / 'run')
    run_cli('pipelines.periodic.run_local', root, '--spans', '3', '--shifted-span', '3')
    return root


@pytest.fixture(scope='module')
def runs(root):
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


def test_each_run_lays_out_its_own_span_and_the_trainer_reads_the_window_of_layouts(runs):
    # Issue 51: a span is laid out once, by its own run; the stopped run lays out nothing (its
    # BalancedInputGen waits for the checks), so no later window trains on the shifted span.
    assert [r['laid_out'] for r in runs] == [[1], [2], []]
    assert [r['trainer_window'] for r in runs] == [[1], [1, 2], []]


def test_each_accepted_span_is_committed_and_the_stopped_one_is_not(runs):
    # Issue 75: LookBack pins the newest generation; CommitSpan runs after every other task.
    assert [r['generation'] for r in runs] == [0, 1, 2]
    assert [r['committed'] for r in runs] == [1, 2, None]
    assert [r['pinned'] for r in runs] == [[], [1], [1, 2]]


def test_the_prior_correction_of_the_window_layout_counts_the_window_at_their_score_positions(
    root, runs
):
    # The second run's layout names the first's in its plan: its files alone are the window.
    from pipelines.taxi.preprocessing import CLASSES
    from tfx_balance import prior_correction

    layouts = sorted(
        glob.glob(os.path.join(root, 'pipeline_root', 'BalancedInputGen', 'examples', '*')),
        key=lambda path: int(os.path.basename(path)),
    )
    assert len(layouts) == 2  # spans 1 and 2
    correction = prior_correction(
        [os.path.join(layouts[1], 'Split-train', '*')], class_names=list(CLASSES)
    )
    train = [
        sum(r['class_counts'].get(name, {}).get('train', 0) for r in runs[:2]) for name in CLASSES
    ]
    assert correction.data_frequencies == pytest.approx([n / sum(train) for n in train])
