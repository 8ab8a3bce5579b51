"""The command line of the benchmarks: presets per run mode, --set, the sections a run measures."""

import pytest

from benchmarks import run, sections


def test_set_gives_a_section_parameter_the_type_of_its_presets():
    args = run.parse_args(
        [
            '--set',
            'sizes=1000,2000',
            'repeats=2',
            'tfx_hash_max=none',
            'demo_run=runs/digits',
            'smote_datasets=wine,digits',
            'calibration_runs=taxi=/a,digits=/b',
            'multilabel_hard_many_sizes=',
        ]
    )
    assert args.sizes == [1000, 2000] and args.repeats == 2 and args.tfx_hash_max is None
    assert args.demo_run == 'runs/digits' and args.smote_datasets == ['wine', 'digits']
    assert args.calibration_runs == ['taxi=/a', 'digits=/b']
    assert args.multilabel_hard_many_sizes == []
    assert args.scaling_sizes == [100_000, 1_000_000]  # the default run's, not set


def test_set_names_the_parameters_when_one_is_unknown(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(['--set', 'size=1000'])
    error = capsys.readouterr().err
    assert '--set size=1000: expected NAME=VALUE with NAME one of: sizes, scaling_sizes' in error


def test_mode_presets_and_what_a_run_measures():
    smoke = run.parse_args(['--smoke', '--set', 'repeats=2'])
    assert smoke.sizes == [1_000] and smoke.repeats == 2 and not smoke.isolated
    assert run.chosen_sections(smoke) == list(sections.SECTIONS)  # smoke runs cover them all
    full = run.parse_args(['--full'])
    assert full.multi_size == 1_000_000 and full.isolated
    assert 'taxi_cv' in run.chosen_sections(full)
    default = run.parse_args(['--sections', 'demo', 'splitter'])
    assert run.chosen_sections(default) == ['splitter', 'demo']  # in the table's order
