"""The classes section's goals, from given results: balanced_dataset's first-batch and
steady-rate goals at 1,000 and 10,000 classes, and the same goals over a window of spans
(issue 51: they still hold there), each judged on its own measures."""

from benchmarks.classes import report
from benchmarks.dataset.report import spread_why


def _measured(classes, first, plain_first, rate, plain_rate, spans=1):
    rows = {
        'plain read (no shuffle)': {'first_s': plain_first, 'rate': plain_rate,
                                    'runs_first_s': [plain_first], 'runs_rate': [plain_rate]},
        'balanced_dataset': {'first_s': first, 'rate': rate, 'runs_first_s': [first],
                             'runs_rate': [rate]},
    }  # fmt: skip
    return {
        'classes': classes,
        'spans': spans,
        'rows': rows,
        'best_plain': 'plain read (no shuffle)',
        'rate_ratio': rate / plain_rate,
    }


def test_the_goals_of_one_layout_and_of_a_window_are_judged_on_their_own_measures():
    results = {
        'classes': {
            'classes': [
                _measured(10, 0.3, 0.1, 900, 500),  # no goal at 10 classes
                _measured(1_000, 0.36, 0.10, 990, 550),
                _measured(10_000, 1.0, 0.34, 800, 460),
            ],
            'window': [
                _measured(1_000, 1.40, 0.12, 730, 450, spans=7),  # limit 3 x 0.12 + 1 = 1.36
                _measured(10_000, 2.3, 0.46, 360, 460, spans=7),  # 0.78x < 0.8x
            ],
        }
    }
    goals = {goal: (measured, met, why) for goal, measured, met, why in report.goals(results)}
    window = (
        'balanced_dataset over a window of 7 spans (per-span layouts merged at read time, '
        'batches exact over the union)'
    )
    assert goals == {
        "balanced_dataset time to first batch <= 3x the plain read's + 1 s (1,000 classes)": (
            '0.36 s (limit 1.30 s)', True, ''),
        'balanced_dataset steady rate >= 1.0x the best-tuned plain read (1,000 classes)': (
            '1.80x', True, ''),
        'balanced_dataset time to first batch <= 10 s (10,000 classes)': (
            '1.00 s (limit 10.00 s)', True, ''),
        'balanced_dataset steady rate >= 0.8x the best-tuned plain read (10,000 classes)': (
            '1.74x', True, ''),
        f"{window} time to first batch <= 3x the plain read's + 1 s (1,000 classes)": (
            '1.40 s (limit 1.36 s)', False, 'runs: 1.40 s'),
        f'{window} steady rate >= 1.0x the best-tuned plain read (1,000 classes)': (
            '1.62x', True, ''),
        f'{window} time to first batch <= 10 s (10,000 classes)': (
            '2.30 s (limit 10.00 s)', True, ''),
        f'{window} steady rate >= 0.8x the best-tuned plain read (10,000 classes)': (
            '0.78x', False, 'balanced_dataset ran at 360-360 examples/s and the plain read at '
            '460-460 examples/s over the runs: every run of balanced_dataset was slower than '
            'every run of the plain read.'),
    }  # fmt: skip


def test_results_without_the_section_give_no_goals():
    assert report.goals({}) == []
    assert report.goals({'classes': {'classes': []}}) == []


def test_a_missed_rate_says_whether_the_runs_overlap():
    assert spread_why([90, 110], [100, 105], 'examples/s') == (
        'balanced_dataset ran at 90-110 examples/s and the plain read at 100-105 examples/s over '
        'the runs: the ranges overlap, so the difference is within how much runs of the same '
        'input vary on this shared machine (see section 3).'
    )
    assert spread_why([90, 95], [100, 105], 'steps/s').endswith(
        'every run of balanced_dataset was slower than every run of the plain read.'
    )
