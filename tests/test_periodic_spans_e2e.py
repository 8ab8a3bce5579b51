"""tfx_balance.periodic's checks before any work (issue 82), under LocalDagRunner: a small
pipeline (ImportExampleGen, StratifiedSplitter, LeakageCheck; horizon 4, window 2). A
history_root that is a file stops the run in LookBack, before ExampleGen ingests anything."""

import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

HORIZON, WINDOW = 4, 2
SPLITS = {'train': 6, 'eval': 2, 'test': 2}


def _users(span):
    """Span ``span``'s users: 90 of them, 60 shared with the span after it."""
    return range(30 * (span - 1), 30 * (span - 1) + 90)


def _records(span):
    return [
        example(label='fraud' if user % 7 == 0 else 'ok', user=f'u{user}', x=float(span + j))
        for user in _users(span)
        for j in range(1 + user % 2)
    ]


def _components(data_dir, span, history_root):
    from tfx import v1 as tfx

    from tfx_balance import LeakageCheck, StratifiedSplitter, periodic

    gen = tfx.components.ImportExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
        range_config=tfx.proto.RangeConfig(  # the span the run is for, not the newest
            static_range=tfx.proto.StaticRange(start_span_number=span, end_span_number=span)
        ),
    )
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'], label_feature='label', splits=SPLITS, group_feature='user'
    )
    leakage = LeakageCheck(examples=splitter.outputs['examples'], group_feature='user')
    return periodic(
        [gen, splitter, leakage],
        history_root=history_root,
        pipeline_name='periodic-spans-e2e',
        horizon=HORIZON,
        window=WINDOW,
    )


def test_a_history_root_that_is_a_file_stops_the_run_before_example_gen(tmp_path):
    from tests.support.local_dag import run_local
    from tfx_balance.core.errors import ConfigError

    data_dir, history_root = str(tmp_path / 'data'), str(tmp_path / 'history')
    write_records(os.path.join(data_dir, 'span-1', 'part-0.gz'), _records(1))
    open(history_root, 'w').close()
    run = run_local(
        'periodic-file-root',
        str(tmp_path),
        _components(data_dir, 1, history_root),
        raises=ConfigError,
    )
    assert 'is a file, not a folder' in str(run.error)
    assert not os.path.exists(os.path.join(run.pipeline_root, 'ImportExampleGen'))
