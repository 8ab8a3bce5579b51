"""The multi-label section's goals and iterstrat's 24 GiB estimate, from given results."""

from benchmarks.harness import report
from benchmarks.multilabel import report as report_multilabel


def _method(seconds, rss, ld=None, missing=0, dev=None):
    method = {'runs': [seconds], 'seconds': seconds, 'peak_rss_mb': rss, 'first_peak_rss_mb': rss}
    if ld is not None:
        method['quality'] = {'ld': ld, 'missing_pairs': missing, 'max_relative_deviation': dev}
    return method


def _results(ours_1m_ld=3e-6, ours_1m_missing=0, ours_1m_seconds=140.0):
    rows = []
    for n, ours, floor, iterstrat in (
        (100_000, _method(20.0, 800, 2e-5, 0, 0.02), _method(15.0, 790), _method(3.0, 200)),
        (
            1_000_000,
            _method(ours_1m_seconds, 880, ours_1m_ld, ours_1m_missing, 0.003),
            _method(100.0, 800),
            _method(30.0, 1100),
        ),
    ):
        iterstrat['quality'] = {'ld': 2e-5 / (n // 100_000), 'missing_pairs': 0}
        iterstrat['quality']['max_relative_deviation'] = 0.02 / (n // 100_000)
        methods = {'ours': ours, 'floor': floor, 'iterstrat': iterstrat}
        rows.append({'kind': 'independent', 'encoding': 'ids', 'n': n, 'methods': methods})
    return {'multilabel': {'rows': rows, 'workloads': {}, 'repeats': 1}}


def test_quality_goal_compares_ld_and_max_deviation_with_iterstrats_and_needs_zero_missing():
    goals = report_multilabel.quality_goals(_results())
    assert [met for _, _, met, _ in goals] == [True, True]
    assert (
        goals[1][1] == 'LD 1.50x (3.0e-06 vs 2.0e-06), max dev 1.50x (0.0030 vs 0.0020), 0 missing'
    )
    assert [met for _, _, met, _ in report_multilabel.quality_goals(_results(5e-6))] == [
        True,
        False,
    ]
    missing = report_multilabel.quality_goals(_results(ours_1m_missing=1))
    assert missing[1][2] is False and missing[1][1].endswith('1 missing')


def test_speed_goals_are_time_vs_floor_at_the_largest_size_and_rss_growth():
    (time_goal, measured, met, _), (rss_goal, rss, rss_met, _) = report_multilabel.speed_goals(
        _results()
    )
    assert time_goal.endswith('<= 1.5x the I/O floor (1M examples x 100 labels)')
    assert (measured, met) == ('1.40x', True)
    assert rss_goal.endswith('peak RSS at 1M <= 1.2x that at 100k')
    assert (rss, rss_met) == ('1.10x (880 vs 800 MiB)', True)
    assert report_multilabel.speed_goals(_results(ours_1m_seconds=151.0))[0][1:3] == (
        '1.51x',
        False,
    )


def test_a_failed_splitter_is_a_missed_goal_naming_the_error():
    results = _results()
    results['multilabel']['rows'][1]['methods']['ours'] = {'runs': [], 'error': 'DataError: x'}
    goals = report_multilabel.goals(results)
    failed = [(m, met, why) for _, m, met, why in goals if m == 'failed']
    assert failed == [('failed', False, 'DataError: x')] * 3


def test_iterstrat_24_gib_size_is_a_straight_line_through_its_two_sizes():
    text = report_multilabel.iterstrat_limit(_results())
    # 900 MiB per 900,000 examples: 24,576 MiB at 1M + (24,576 - 1,100) / 0.001 = 24.5M.
    assert 'It grows by 1,000 MiB per million examples' in text
    assert 'passes 24 GiB at about 24M examples' in text
    assert 'about 12 min' in text  # 30 s per 1M, scaled to 24.5M


def test_section_renders_one_row_per_method_and_the_goals_join_the_table():
    lines = report_multilabel.render(_results())
    rows = [line for line in lines if line.startswith('| independent')]
    assert len(rows) == 6
    assert rows[1].startswith('| independent labels, ids | 100k | StratifiedSplitter | 20.00 |')
    assert '| 1.33x | 800 | — | 2.0e-05 | 0 | 0.0200 |' in rows[1]
    others = {'splitter': {'compare': {}, 'scaling': {}}, 'augmenter': {'rows': {}}}
    names = [goal for goal, *_ in report.all_goals({**_results(), **others})]
    assert sum(name.startswith('Multi-label') for name in names) == 4
