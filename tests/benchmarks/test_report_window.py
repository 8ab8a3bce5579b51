"""The window section's goals (a window of 7 spans <= 1.2x a window of 1; a few-ms component: each
span adds <= 1 ms; the first batch: section 4's window goals), from given results: which row each
component is judged on, the splitter cited from the spans section, and why a miss is a miss."""

from benchmarks.window import report


def _job(seconds, rss, **extra):
    return {'seconds': seconds, 'peak_rss_mb': rss, 'examples_written': 64, **extra}


def _results(with_spans=True):
    read = {'first_batch_seconds': 0.5, 'batches_seconds': 1.0}
    window = {
        'n': 30_000,
        'groups': 3_000,
        'window': 7,
        'examples': [{'train': 800, 'eval': 200}] * 8,
        'laid_out': [800] * 7,
        'augmenter': {'per_span': _job(2.0, 850)},
        'layout': {'per_span': _job(10.0, 900), 'as_one': _job(50.0, 1_100)},
        'trainer': {
            'read_1': _job(1.5, 700, **read),
            'read_per_span': _job(4.0, 800, first_batch_seconds=3.0, batches_seconds=1.0),
            'read_as_one': _job(3.9, 800, first_batch_seconds=2.9, batches_seconds=1.0),
            'plain_1': _job(1.0, 650, first_batch_seconds=0.25, batches_seconds=0.75),
            'plain_per_span': _job(
                1.1, 660, first_batch_seconds=0.3, batches_seconds=0.8, batches=3
            ),  # 48 examples in its fixed batches (64 in all)
            'prior_1': _job(0.20, 650),
            'prior_per_span': _job(0.22, 650),
            'prior_as_one': _job(0.20, 650),
        },
        'validator': {
            'window_1': _job(0.020, 600),
            'baseline_n': _job(0.023, 600),
            'window_n': _job(0.030, 600),
        },
        'leakage': {
            'window_1': _job(5.0, 800),
            'window_n': _job(20.0, 950),
            'index_n': _job(5.5, 820, key_indexes=7),
        },
    }
    results = {'window': window}
    if with_spans:
        scale = {'n': 100_000, 'window': 7}
        scale.update(window_1=_job(33.1, 1_056), window_7=_job(51.62, 1_322))
        results['spans'] = {'scale': scale}
    return results


def test_each_component_is_judged_on_its_documented_recipe():
    rows = {goal.split(':')[0]: (goal, measured, met, why) for goal, measured, met, why in
            report.goals(_results())}  # fmt: skip
    assert list(rows) == [
        'StratifiedSplitter',
        'BalancedAugmenter',
        'BalancedInputGen',
        'balanced_dataset',
        'with_prior_correction',
        'ClassDistributionValidator',
        'LeakageCheck',
    ]
    goal, measured, met, why = rows['StratifiedSplitter']
    assert goal == (
        'StratifiedSplitter: a daily run with a window of 7 spans <= 1.2x one with a window of 1, '
        'time and peak RSS (7 spans of previous_assignments)'
    )
    assert measured == 'time 1.56x, peak RSS 1.25x' and not met
    assert why.startswith(
        'the 7 spans of assignments are read, merged into one sorted table per key bucket and '
        "joined with the span's units by bucket in Beam (+18.5 s over 1 span)"
    )
    assert rows['BalancedInputGen'][1:3] == (
        "1.00x (the same run: today's span, whatever the window)",
        True,
    )
    assert rows['BalancedAugmenter'][:3] == (
        'BalancedAugmenter: a daily run with a window of 7 spans <= 1.2x one with a window of 1, '
        "time and peak RSS (one span: today's span (a window is refused))",
        "1.00x (the same run: today's span, whatever the window)",
        True,
    )
    read = [(g, m, met) for g, m, met, _ in report.goals(_results()) if 'balanced_dataset' in g]
    assert read == [
        (
            "balanced_dataset: first batch over a window of 7 spans within section 4's window "
            'goals for the time to first batch, peak RSS <= 1.2x a window of 1 (7 per-span '
            'layouts: first batch, time against a plain read of the same files)',
            'section 4 not measured; here time 5.00x against the plain read (2.00x its time at '
            'window 1, 10.00x at window 7; raw 6.00x: 0.50 -> 3.00 s, the plain read 0.25 -> '
            '0.30 s), peak RSS 1.14x',
            None,
        ),
        (
            'balanced_dataset: a daily run with a window of 7 spans <= 1.2x one with a window of 1, '
            'time and peak RSS (7 per-span layouts: the whole measured run, time against a plain '
            'read of the same files)',
            'time 2.42x against the plain read (1.50x its time at window 1, 3.64x at window 7; '
            'raw 2.67x: 1.50 -> 4.00 s, the plain read 1.00 -> 1.10 s), peak RSS 1.14x',
            False,
        ),
    ]
    why = rows['balanced_dataset'][3]
    assert "reads the whole window's train split into memory before the first batch (5,600 " in why
    assert (
        'paid up front at about 520.8 us per example laid out (the plain read: 16666.7 us per '
        'example read, in its fixed batches)' in why
    )  # 2.5 s / 4,800
    # 20 ms -> 23 ms over 6 more spans: 0.5 ms each, within 1 ms, whatever the ratio (1.15x)
    assert rows['with_prior_correction'][:3] == (
        'with_prior_correction: each span of a window of 7 adds <= 1 ms to a daily run, peak RSS '
        '<= 1.2x a window of 1 (7 per-span layouts)',
        '+3.33 ms per span (200.0 -> 220.0 ms, time 1.10x), peak RSS 1.00x',
        False,
    )
    assert rows['ClassDistributionValidator'][1:3] == (
        '+0.50 ms per span (20.0 -> 23.0 ms, time 1.15x), peak RSS 1.00x',
        True,
    )
    goal, measured, met, why = rows['LeakageCheck']
    assert goal.endswith(
        "(today's span and the key indexes of 7 earlier spans (group_feature user))"
    )
    assert (measured, met, why) == ('time 1.10x, peak RSS 1.02x', True, '')


def test_the_first_batch_over_a_window_is_judged_by_section_4s_window_goals():
    results = _results()
    window = {'classes': 1_000, 'spans': 7, 'best_plain': 'plain', 'rate_ratio': 1.5}
    window['rows'] = {
        'balanced_dataset': {'first_s': 0.69, 'runs_rate': [2.0], 'runs_first_s': [0.69]},
        'plain': {'first_s': 0.1, 'runs_rate': [1.0]},
    }
    results['classes'] = {'window': [window]}
    (first,) = [g for g in report.goals(results) if 'first batch' in g[0]]
    assert first[1].startswith('1,000 classes: 0.69 s (limit 1.30 s); here time 5.00x')
    assert first[2] is True  # 1.30 s = 3x the plain read's 0.1 s + 1 s
    window['rows']['balanced_dataset']['first_s'] = 1.4
    (first,) = [g for g in report.goals(results) if 'first batch' in g[0]]
    assert first[1].startswith('1,000 classes: 1.40 s (limit 1.30 s)') and first[2] is False


def test_results_without_the_key_index_judge_leakage_check_on_the_window_of_examples():
    results = _results()
    del results['window']['leakage']['index_n']
    rows = {goal.split(':')[0]: (measured, met, why) for goal, measured, met, why in
            report.goals(results)}  # fmt: skip
    measured, met, why = rows['LeakageCheck']
    assert measured == 'time 4.00x, peak RSS 1.19x' and not met
    assert why.startswith(
        "by design: it reads every span of the window (7.0x the examples of today's"
    )


def test_results_written_before_the_augmenter_was_measured_have_no_augmenter_row():
    results = _results()
    del results['window']['augmenter']
    assert 'BalancedAugmenter' not in [g.split(':')[0] for g, *_ in report.goals(results)]
    assert 'BalancedAugmenter' not in '\n'.join(report.render(results))


def test_without_the_spans_section_the_splitter_is_left_out_and_the_table_renders():
    results = _results(with_spans=False)
    assert [g.split(':')[0] for g, *_ in report.goals(results)][0] == 'BalancedAugmenter'
    text = '\n'.join(report.render(results))
    assert (
        "| LeakageCheck | today's span and the key indexes of 7 earlier spans (group_feature "
        'user) | 5.00 | 5.50 | 1.10x | 800 | 820 | 1.02x |' in text
    )
    assert (
        '| LeakageCheck | a SpanRangeStrategy window of 7 spans (group_feature user) | 5.00 | '
        '20.00 | 4.00x | 800 | 950 | 1.19x |' in text
    )
    assert (
        "| BalancedInputGen | each span laid out once: today's span | 10.00 | (the same run) |"
        in (text)
    )
    assert (
        "| BalancedAugmenter | one span: today's span (a window is refused) | 2.00 | (the same "
        'run) | 1.00x | 850 | (the same run) | 1.00x |' in text
    )
    assert 'StratifiedSplitter' not in text
    assert (
        '| plain read | the same files as 7 per-span layouts: first batch | 0.250 | 0.300 |' in text
    )
    assert (
        'balanced_dataset against it: first batch 2.00x its time at window 1, 10.00x at window 7; '
        'the whole measured run 1.50x its time at window 1, 3.64x at window 7.' in text
    )
    assert report.render({}) == [
        '_Not measured: run `python -m benchmarks.run --sections window` (or the whole set)._'
    ]
