"""ClassDistributionValidator against the previous span, under LocalDagRunner: periodic training.

One pipeline, run four times in one MLMD, one new span of a fraud label per run (CsvExampleGen
reads the latest ``span-{SPAN}``, train and eval given, so the shares are exact). A Resolver with
tfx_balance.PreviousSpanStrategy gives the validator the previous span's statistics from MLMD
(StatisticsGen records span 0 on ExampleGen's output; the strategy reads each statistics' span
from the Examples it was computed from):
1. span 1: nothing to compare with (the Resolver resolves nothing): the run passes as before;
2. span 2: fraud 0.050 -> 0.055 in train: measured, within max_drift_distance, the run passes;
3. span 3: fraud 0.055 -> 0.100 in train (and 0.050 -> 0.100 in eval): the validator stops the
   run, and its error holds the per-class table;
4. span 3 again (a re-run after the stop): still compared with span 2, not with the stopped
   run's statistics of span 3 (which would pass), so it stops again.
"""

import json
import os
import shutil
import tempfile

import pytest

pytestmark = pytest.mark.e2e

# span -> split -> (ok, fraud)
SPANS = {
    1: {'train': (190, 10), 'eval': (95, 5)},
    2: {'train': (189, 11), 'eval': (95, 5)},
    3: {'train': (180, 20), 'eval': (90, 10)},
}


def _write_span(data_dir, span):
    for split, (ok, fraud) in SPANS[span].items():
        folder = os.path.join(data_dir, f'span-{span}', split)
        os.makedirs(folder)
        rows = ['ok'] * ok + ['fraud'] * fraud
        with open(os.path.join(folder, 'data.csv'), 'w') as f:
            f.write('amount,label\n')
            f.writelines(f'{i % 97},{label}\n' for i, label in enumerate(rows))


def _components(data_dir):
    from tfx import v1 as tfx

    from tfx_balance import ClassDistributionValidator, PreviousSpanStrategy

    example_gen = tfx.components.CsvExampleGen(
        input_base=data_dir,
        input_config=tfx.proto.Input(
            splits=[
                tfx.proto.Input.Split(name=s, pattern=f'span-{{SPAN}}/{s}/*')
                for s in ('train', 'eval')
            ]
        ),
    )
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs['examples'])
    previous = tfx.dsl.Resolver(
        strategy_class=PreviousSpanStrategy,
        statistics=tfx.dsl.Channel(  # every run's statistics, not only this run's
            type=tfx.types.standard_artifacts.ExampleStatistics,
            producer_component_id=statistics_gen.id,
            output_key='statistics',
        ),
    ).with_id('previous_span_statistics')
    previous.add_upstream_node(statistics_gen)  # this run's span is then the newest, skipped
    check = ClassDistributionValidator(
        statistics=statistics_gen.outputs['statistics'],
        baseline_statistics=previous.outputs['statistics'],
        label_feature='label',
        max_drift_distance=0.02,
        max_drift_divergence=0.005,
    )
    return [example_gen, statistics_gen, previous, check]


@pytest.fixture(scope='module')
def runs():
    from tests.support.local_dag import run_local
    from tfx_balance.core.class_distribution_validator import ClassDistributionError

    # Not tmp_path_factory: parallel pytest sessions on this machine prune old basetemp dirs.
    root = tempfile.mkdtemp(prefix='cdv_drift_e2e_')
    data_dir = os.path.join(root, 'data')
    done = {}
    for run_number, span in enumerate([*SPANS, 3], start=1):
        if run_number == span:
            _write_span(data_dir, span)
        run = run_local('cdv-drift-e2e', root, _components(data_dir), raises=ClassDistributionError)
        done[run_number] = (run, _summary(run) if run.error is None else None)
    yield done
    shutil.rmtree(root, ignore_errors=True)


def _summary(run):
    out = run.output('ClassDistributionValidator', 'anomalies')
    with open(os.path.join(out, 'class_distribution.json')) as f:
        return json.load(f)


def test_the_first_span_has_no_baseline_and_passes_as_before(runs):
    run, summary = runs[1]
    assert run.error is None
    assert summary['passed'] and 'baseline_drift' not in summary


def test_a_span_within_the_thresholds_passes_with_its_drift_measured(runs):
    run, summary = runs[2]
    assert run.error is None and summary['passed']
    drift = summary['baseline_drift']
    assert drift['train']['linf'] == pytest.approx(0.005)
    assert drift['eval']['linf'] == 0.0
    assert drift['train']['classes']['fraud'] == {
        'baseline': 10,
        'baseline_share': 0.05,
        'current': 11,
        'current_share': 0.055,
        'difference': 0.005,
        'noise': 0.022303,  # sqrt(p (1 - p) (1/200 + 1/200)), p = 21/400 pooled
    }


def test_a_doubled_minority_share_stops_the_run_with_the_per_class_table(runs):
    run, _ = runs[3]
    message = str(run.error)
    assert "L-infinity distance between the 'label' class shares of split 'train'" in message
    assert 'above max_drift_distance 0.02' in message
    assert '| fraud | 0.0550 (11) | 0.1000 (20) | +0.0450 |' in message
    assert '| fraud | 0.0500 (5) | 0.1000 (10) | +0.0500 |' in message  # eval
    # The validator failed: the newest anomalies are still span 2's.
    assert _summary(run)['baseline_drift']['train']['classes']['fraud']['current'] == 11


def test_a_rerun_of_the_stopped_span_is_compared_with_the_span_before_and_stops_again(runs):
    run, _ = runs[4]
    assert '| fraud | 0.0550 (11) | 0.1000 (20) | +0.0450 |' in str(run.error)
