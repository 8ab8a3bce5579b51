"""PreviousSpanStrategy on ExampleStatistics artifacts as MLMD returns them (span, create time)."""

import pytest


def _stats(span, created, artifact_id):
    from tfx.types import standard_artifacts

    a = standard_artifacts.ExampleStatistics()
    a.span = span
    a.mlmd_artifact.create_time_since_epoch = created
    a.id = artifact_id
    return a


def _resolve(artifacts, **config):
    from tfx_balance import PreviousSpanStrategy

    resolved = PreviousSpanStrategy(**config).resolve_artifacts(None, {'statistics': artifacts})
    return [(a.span, a.id) for a in resolved['statistics']]


def test_the_newest_span_is_skipped_and_each_earlier_span_gives_its_newest_artifact():
    # Span 2 ran twice (a stopped run, then a re-run), span 3 is this run's.
    artifacts = [_stats(1, 10, 1), _stats(2, 20, 2), _stats(2, 30, 3), _stats(3, 40, 4)]
    assert _resolve(artifacts) == [(2, 3)]
    assert _resolve(artifacts, num_spans=2) == [(2, 3), (1, 1)]
    # A re-run of span 3 still compares with span 2, not with the stopped run of span 3.
    assert _resolve(artifacts + [_stats(3, 50, 5)]) == [(2, 3)]


def test_a_first_run_resolves_nothing_and_data_without_spans_gets_the_previous_run():
    assert _resolve([_stats(1, 10, 1)]) == []
    assert _resolve([]) == []
    unspanned = [_stats(0, 10, 1), _stats(0, 20, 2), _stats(0, 30, 3)]
    assert _resolve(unspanned) == [(0, 2)]
    with pytest.raises(ValueError, match='num_spans must be an int >= 1'):
        _resolve(unspanned, num_spans=0)


def test_skip_newest_false_gives_the_last_spans_before_the_run_that_writes_this_span():
    # Resolved before this run's StratifiedSplitter: every span found is an earlier run's.
    artifacts = [_stats(1, 10, 1), _stats(2, 20, 2), _stats(2, 30, 3), _stats(3, 40, 4)]
    assert _resolve(artifacts, num_spans=2, skip_newest=False) == [(3, 4), (2, 3)]
    assert _resolve(artifacts, num_spans=7, skip_newest=False) == [(3, 4), (2, 3), (1, 1)]
    assert _resolve([], num_spans=7, skip_newest=False) == []  # the first run: nothing pinned
    unspanned = [_stats(0, 10, 1), _stats(0, 20, 2), _stats(0, 30, 3)]
    assert _resolve(unspanned, num_spans=2, skip_newest=False) == [(0, 3), (0, 2)]
    with pytest.raises(ValueError, match='skip_newest must be True or False'):
        _resolve(artifacts, skip_newest='no')


def test_a_rolling_window_skips_a_span_without_an_artifact_and_keeps_its_size():
    # The Trainer's window of layouts, resolved after this run's (span 8): span 7 was stopped
    # before BalancedInputGen, so it has no layout, and the window is the 3 spans that have one.
    layouts = [_stats(s, 10 * s, s) for s in (4, 5, 6, 8)]
    assert _resolve(layouts, num_spans=3, skip_newest=False) == [(8, 8), (6, 6), (5, 5)]
