"""The benchmark harness in smoke mode (tiny sizes, one repeat), so `make bench` cannot rot."""

import json
import os
import re

import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from benchmarks import common, harness, sections
from benchmarks import run as bench_run
from benchmarks.common import pipeline_run
from benchmarks.harness import report
from benchmarks.harness import results as stored


def test_class_counts_are_exact_and_geometric():
    counts = common.class_counts(1_000_000)
    assert sum(counts) == 1_000_000
    assert counts == sorted(counts, reverse=True)
    assert abs(counts[0] / 1_000_000 - 0.4992) < 1e-3
    assert abs(counts[-1] / 1_000_000 - 0.000998) < 1e-5


def test_encoded_records_are_valid_examples():
    features = np.arange(40, dtype=np.float32).reshape(2, 20) / 7
    rows = common.encode_tabular(features, np.array([3, 9]))
    for row, label, floats in zip(rows, (3, 9), features):
        example = example_pb2.Example.FromString(row.tobytes())
        feature = example.features.feature
        assert sorted(feature) == common.FLOAT_NAMES + ['label']
        assert list(feature['label'].int64_list.value) == [label]
        got = [feature[name].float_list.value[0] for name in common.FLOAT_NAMES]
        assert got == floats.tolist()


def test_smoke_run_writes_results_and_chart(tmp_path):
    out, work = tmp_path / 'out', tmp_path / 'work'
    missing_demo = tmp_path / 'no-demo-run'
    argv = [
        '--smoke',
        '--out',
        str(out),
        '--work-dir',
        str(work),
        '--set',
        f'demo_run={missing_demo}',
    ]
    assert bench_run.main(argv) == 0

    text = (out / 'RESULTS.md').read_text()
    assert 'Smoke run' in text
    for row in (
        '| StratifiedSplitter wall time <= 1.3x the I/O floor (1k) |',
        '| LeakageCheck wall time <= 1.5x the I/O floor (1k) |',
        '| LeakageCheck executor (reads train/eval, writes a report; examples checked) |',
        '| StratifiedSplitter folds=5 (+10% test) wall time <= 1.3x the I/O floor writing the '
        'same 6 splits (1k) |',
        "| StratifiedSplitter folds=5, holdout={'test': 0.1} (6 splits) |",
        '| StratifiedSplitter 8:1:1, label_bins=10 on float f00 (+1 read) |',
        "| BalancedAugmenter 'copy' time per written example <= 2.0x the floor |",
        "| BalancedAugmenter 'numeric' time per written example <= 2.0x the floor |",
        "| BalancedAugmenter 'interpolate' time per written example <= 2.0x the floor |",
        "| 'module_file' | 500 tabular |",
        "| BalancedAugmenter 'module_file' (user augment_fn) time per written example <= 2.5x the "
        'floor |',
        "| BalancedAugmenter 'image' time per written example <= 2.0x the floor |",
        '| balanced_dataset >= 1.0x the best-tuned plain read, exact batches (tabular) |',
        '| balanced_dataset >= 1.0x the best-tuned plain read, exact batches (taxi) |',
        '| model.fit steps/s with balanced_dataset >= 0.97x with the plain read (digits, '
        'digits trainer) |',
        '| tabular | one softmax layer | 100 | 30 |',
        '| multi-label balanced_dataset >= 1.0x the best-tuned plain read (1k, '
        'floored_label_balanced) |',
        '| multi-label model.fit steps/s with balanced_dataset >= 0.97x with the plain read (1k, '
        'floored_label_balanced, one sigmoid layer) |',
        '### Multi-label balanced_dataset and training',
        '| balanced_dataset (repeat_factor) |',
        '| I/O floor (TFXIO read, hash partition, gzip write) |',
        '| StratifiedSplitter executor |',
        "| TFX ImportExampleGen hash split (TFX's own functions) |",
        "| 'image' | 200 image |",
        '| 500 |',
        '## 1. splitter: StratifiedSplitter',
        '### Scaling curve',
        '## 3. dataset: balanced_dataset',
        '## 4. classes: balanced_dataset as the number of classes grows',
        'Over a window of 7 spans (issue 51): the same examples as 7 files, one a span',
        'not measured: run `make demo` first',
        '## 6. multilabel: Multi-label StratifiedSplitter vs iterstrat and a random split',
        "| Multi-label split LD and max relative deviation <= 2.0x iterstrat's, 0 missing pairs "
        '(independent labels, 1k) |',
        "| Multi-label split LD and max relative deviation <= 2.0x iterstrat's, 0 missing pairs "
        '(correlated labels, 1k) |',
        '| Multi-label StratifiedSplitter wall time <= 1.5x the I/O floor (1k examples x 100 '
        'labels) |',
        '| independent labels, ids | 1k | I/O floor |',
        '| correlated labels, ids | 1k | iterstrat (2 calls) |',
        "| correlated labels, ids | 1k | random (the floor's seeded hash) | (the floor) |",
        '| independent labels, multi_hot | 1k | StratifiedSplitter |',
        "## 7. smote_quality: 'smote' balanced accuracy per augmentation vs imbalanced-learn",
        "## 8. smote_speed: 'smote' vs the I/O floor",
        "| BalancedAugmenter 'smote' mean balanced accuracy within 0.01 of imbalanced-learn's "
        'SMOTE (wine) |',
        "| BalancedAugmenter 'smote' time per written example <= 2.0x the floor (2k, 10% "
        'minority to parity) |',
        '| wine (59, 20, 12) |',
        "| 'smote' | ",
        '| imbalanced-learn SMOTE, in memory (4k input) |',
        '## 9. taxi_cv: Cross-validated taxi pipeline',
        'not measured: run `make demo-taxi-cv` first',
        '## 10. calibration: Calibration of the served probabilities (prior correction)',
        'not measured in smoke runs: pass --set calibration_runs=sample=run',
        '## 14. window: A daily run of each component with a window of 1 span and of 7',
        '| LeakageCheck | a SpanRangeStrategy window of 2 spans (group_feature user) |',
        '| balanced_dataset | 2 per-span layouts merged at read time: first batch |',
        "| BalancedAugmenter | one span: today's span (a window is refused) |",
        '| BalancedInputGen: a daily run with a window of 2 spans <= 1.2x one with a window of 1, '
        "time and peak RSS (each span laid out once: today's span) | 1.00x (the same run: "
        "today's span, whatever the window) | met |",
        '| `splitter` | 20',
        '| `smote_speed` | 20',
    ):
        assert row in text, row
    # Every section was measured by this command, at this commit; the report is rebuilt
    # from results.json alone (what a later --sections run merges into).
    results = json.loads((out / 'results.json').read_text())
    assert sorted(results['provenance']) == sorted(sections.SECTIONS)
    assert {p['command'] for p in results['provenance'].values()} == {results['command']}
    assert {p['commit'] for p in results['provenance'].values()} == {stored.git_commit()}
    assert report.render(results) == text

    # --sections re-runs only those and keeps the others with their own provenance.
    again = argv + [f'taxi_cv_run={tmp_path / "no-taxi-run"}', '--sections', 'demo', 'taxi_cv']
    assert bench_run.main(again) == 0
    merged = json.loads((out / 'results.json').read_text())
    for name in ('splitter', 'smote_quality', 'smote_speed', 'multilabel'):
        assert merged['provenance'][name] == results['provenance'][name]
        assert merged[name] == results[name]
    assert merged['provenance']['taxi_cv']['command'].endswith('--sections demo taxi_cv')
    assert (
        merged['provenance']['taxi_cv']['measured'] >= results['provenance']['splitter']['measured']
    )
    rerun = (out / 'RESULTS.md').read_text()
    assert (
        rerun.split('## 1. ', 1)[1].split('## 5. ', 1)[0]
        == text.split('## 1. ', 1)[1].split('## 5. ', 1)[0]
    )
    assert '--sections demo taxi_cv` |' in rerun
    multilabel = text.split('## 6. multilabel: ', 1)[1]
    assert '**failed**' not in multilabel  # the splitter ran with multi_label='ids'/'multi_hot'
    assert '| 1k | ' in text and '| 500 | ' in text
    chart = (out / 'scaling.png').read_bytes()
    assert chart.startswith(b'\x89PNG') and len(chart) > 10_000


def test_sections_without_earlier_results_report_only_those(tmp_path):
    out = tmp_path / 'out'
    argv = ['--smoke', '--out', str(out), '--work-dir', str(tmp_path / 'work')]
    argv += ['--set', f'taxi_cv_run={tmp_path / "none"}', '--sections', 'taxi_cv']
    assert bench_run.main(argv) == 0
    text = (out / 'RESULTS.md').read_text()
    assert list(json.loads((out / 'results.json').read_text())['provenance']) == ['taxi_cv']
    assert '| `splitter` | not measured |' in text
    assert (
        '_Not measured: run `python -m benchmarks.run --sections splitter` (or the whole set)._'
        in text
    )
    assert 'not measured: run `make demo-taxi-cv` first' in text
    assert not (out / 'scaling.png').exists()


def test_help_lists_the_sections(capsys):
    with pytest.raises(SystemExit):
        bench_run.parse_args(['--help'])
    help_text = ' '.join(capsys.readouterr().out.split())
    for name in sections.SECTIONS:
        assert f'{name}:' in help_text, name


def test_bench_length_goal_is_that_of_the_last_whole_default_run():
    whole = {'started': '2026-11-24T01:00:00+00:00', 'commit': 'abc1234', 'total_seconds': 2400}
    assert report.bench_time_goals({}) == []
    ((goal, measured, met, _),) = report.bench_time_goals({'whole_run': whole})
    assert goal == '`make bench` (default set) <= 45 min on 2 cores'
    assert measured == '40.0 min (run of 2026-11-24 at abc1234)' and met
    # Sections re-measured since by --sections runs: the default set's own times, added up.
    whole['command'] = 'python -m benchmarks.run'
    provenance = {
        name: {'commit': 'abc1234', 'command': whole['command'], 'seconds': 300}
        for name in sections.default_sections(full=False)
    }
    provenance['taxi_cv'] = {'commit': 'def5678', 'command': '--sections taxi_cv', 'seconds': 1}
    results = {'whole_run': whole, 'provenance': provenance}
    ((_, measured, met, _),) = report.bench_time_goals(results)
    assert measured == '40.0 min (run of 2026-11-24 at abc1234)' and met  # taxi_cv: full only
    provenance['smote_quality'] = {'commit': 'def5678', 'command': '--sections', 'seconds': 900}
    ((_, measured, met, why),) = report.bench_time_goals(results)
    minutes = (len(sections.default_sections(full=False)) - 1) * 5 + 15  # 5 min each, 15 for one
    assert measured == (
        '40.0 min (run of 2026-11-24 at abc1234); re-measured since: smote_quality, and the '
        f"sections' own times now add up to {minutes:.1f} min"
    )
    assert not met and 'sized to fit' in why


def test_demo_timings_report_missing_run(tmp_path):
    assert 'make demo' in pipeline_run.timings(str(tmp_path))['missing']
    assert common.size_label(300_000) == '300k'


def test_a_demo_run_path_reads_the_same_wherever_the_report_is_rendered():
    inside = os.path.join(common.ROOT, 'benchmarks', '_work', 'demo', 'metadata.db')
    assert pipeline_run.shown_path(inside) == 'benchmarks/_work/demo/metadata.db'
    assert pipeline_run.shown_path('benchmarks/_work/demo/metadata.db') == (
        'benchmarks/_work/demo/metadata.db'
    )  # as results.json records it: rendered the same in any checkout
    assert pipeline_run.shown_path('/tmp/taxicv/metadata.db') == '/tmp/taxicv/metadata.db'


def test_isolated_job_runs_its_repeats_in_one_process_with_a_peak_rss_per_run(tmp_path):
    job = harness.Job(
        'alloc',
        'tests.benchmarks.jobs:allocate_once',
        {'marker': str(tmp_path / 'marker'), 'mib': 300},
    )
    first, second = harness.run_isolated(job, repeats=2)
    assert first['examples_written'] == 300 and second['examples_written'] == 0
    # The counter is reset before each run: the second run does not inherit the first's peak.
    assert first['peak_rss_mb'] >= 300
    assert second['peak_rss_mb'] < first['peak_rss_mb'] - 250


def test_in_process_jobs_share_one_build_of_the_tfx_sdist():
    """Each Beam executor given Beam args builds TFX's ephemeral sdist (7-14 s here); the
    in-process jobs of a smoke run build it once and get the same args as before."""
    from tfx.utils import dependency_utils

    build = dependency_utils.build_ephemeral_package
    job = harness.Job(
        'args', 'tests.benchmarks.jobs:beam_executor_args', {'beam_args': common.IN_PROCESS_ARGS}
    )
    first, second = (harness.run_inprocess(job)['args'] for _ in range(2))
    assert first == second and first[0] == common.IN_PROCESS_ARGS[0]
    (package,) = [a.split('=', 1)[1] for a in first if a.startswith('--extra_package=')]
    assert os.path.basename(package).startswith('tfx_ephemeral-') and os.path.exists(package)
    assert dependency_utils.build_ephemeral_package is build  # TFX's own again after each job


def test_an_isolated_job_leaves_no_temporary_folder(tmp_path):
    record = tmp_path / 'made'
    job = harness.Job(
        'tmp', 'tests.benchmarks.jobs:leave_a_temporary_folder', {'record': str(record)}
    )
    harness.run_isolated(job)
    made = record.read_text()
    # inside the job's own folder (bench-job-*/tmp), not the machine's /tmp
    job_folder, tmp = os.path.split(os.path.dirname(made))
    assert tmp == 'tmp' and os.path.basename(job_folder).startswith('bench-job-')
    assert not os.path.exists(made)


def test_benchmarks_readme_quotes_the_goals_table_of_results_md():
    """benchmarks/README.md's headline block is the goals table of the committed RESULTS.md."""
    root = common.ROOT
    results = open(f'{root}/benchmarks/RESULTS.md').read()
    readme = open(f'{root}/benchmarks/README.md').read()
    goals = results.split('## Goals\n\n', 1)[1].split('\n\n', 1)[0]
    start = readme.index(report.HEADLINE_START)
    headline = readme[start : readme.index(report.HEADLINE_END)]
    assert goals.startswith('| goal | measured | status |')
    assert goals in headline
    started = re.search(r'- Started: (\S+?)T', results).group(1)
    assert f'of {started}' in headline
    assert report.headline_source(stored.load(f'{root}/benchmarks')) in headline


def test_the_headline_names_the_whole_run_and_a_later_run_of_some_sections():
    whole = {
        'started': '2026-11-24T04:45:24+00:00',
        'total_seconds': 1806.0,
        'command': 'python -m benchmarks.run',
        'commit': '7a5b45f',
    }
    assert report.headline_source(dict(whole, whole_run=whole)) == (
        'From the `make bench` run of 2026-11-24 (30 min, `python -m benchmarks.run`; sections '
        'measured at other times are dated in RESULTS.md)'
    )
    later = {
        'started': '2026-11-25T07:28:36+00:00',
        'total_seconds': 66.0,
        'command': 'python -m benchmarks.run --sections demo',
        'commit': 'aceff3f',
        'whole_run': whole,
    }
    assert report.headline_source(later) == (
        'From the whole `make bench` run of 2026-11-24 (30 min, `python -m benchmarks.run` at '
        '7a5b45f) and the later `python -m benchmarks.run --sections demo` of 2026-11-25 at '
        'aceff3f; RESULTS.md dates every section'
    )


def test_the_digits_page_quotes_the_demo_time_of_results_md():
    results = open(f'{common.ROOT}/benchmarks/RESULTS.md').read()
    readme = ' '.join(open(f'{common.ROOT}/pipelines/digits/README.md').read().split())
    command = re.search(r'The whole `make demo` command .* took (\d+) s', results).group(1)
    pipeline = re.search(r"([\d.]+) s from the run's start to its last published output", results)
    assert f'timed it at {command} s ({round(float(pipeline.group(1)))} s of pipeline' in readme


def test_smote_goals_and_imblearn_memory_line():
    from benchmarks.smote_quality import report as report_smote
    from benchmarks.smote_speed import report as smote_speed

    row = {m: [0.9] * 5 for m in ('none', 'copy', 'numeric', 'interpolate')}
    scores = {
        **row,
        'smote': [0.97, 0.95, 0.96, 0.98, 0.955],
        'imblearn SMOTE': [0.95, 0.95, 0.94, 0.95, 0.955],
        'imblearn SMOTE, other draws': [0.96, 0.96, 0.95, 0.96, 0.97],
    }  # differences 0.02, 0, 0.02, 0.03, 0: mean 0.014, std 0.0134 (ddof 1)
    name = 'wine (59, 20, 12)'
    quality = {
        'seeds': [0, 1, 2, 3, 4],
        'one_example': {name: 1 / 36 / 5},
        'per_seed': {name: scores},
        'table': {name: {m: float(np.mean(v)) for m, v in scores.items()}},
    }
    ((goal, measured, met, why),) = report_smote.goals({'smote_quality': quality})
    assert goal.endswith("within 0.01 of imbalanced-learn's SMOTE (wine)")
    assert measured == '0.963 vs 0.949 (0.014 apart; std over seeds 0.013)' and met is False
    assert 'a standard deviation of 0.013, so its mean has a standard error of 0.006' in why
    assert 'the gap is 2.3 standard errors' in why
    assert (
        'SMOTE against itself, with other random numbers on the same folds, is 0.011 apart '
        '(also more than 0.01; ours: 0.014).' in why
    )
    assert 'moves the mean over the 5 seed(s) by 0.006: the gap is 2.5 such examples' in why
    speed = {
        'imblearn': [
            {'n': 100_000, 'seconds': 1.0, 'peak_rss_mb': 174.0},
            {'n': 1_000_000, 'seconds': 68.0, 'peak_rss_mb': 584.0},
        ]
    }
    line = smote_speed.imblearn_limit(speed)
    # (24,576 - 584) MiB at 410 MiB per 900k examples, after 1M: ~54M examples.
    assert '456 MiB per million' in line and 'passes 24 GiB at about 54M input examples' in line


def test_smote_quality_section_names_its_draws_and_what_one_draw_gave():
    from benchmarks.smote_quality import report as report_smote

    name = 'wine (59, 20, 12)'
    first = {m: [0.9, 0.9] for m in ('none', 'copy', 'numeric', 'interpolate')}
    first.update({'smote': [0.96, 0.92], 'imblearn SMOTE': [0.93, 0.93]})
    first['imblearn SMOTE, other draws'] = [0.92, 0.92]
    per_draw = {m: [v, [0.9, 0.9]] for m, v in first.items()}
    per_draw['none'] = [first['none']]
    per_seed = {m: list(np.mean(v, axis=0)) for m, v in per_draw.items()}
    quality = {
        'seconds': 10.0,
        'seeds': [0, 1],
        'folds': 5,
        'draws': 2,
        'per_seed': {name: per_seed},
        'per_draw': {name: per_draw},
        'table': {name: {m: float(np.mean(v)) for m, v in per_seed.items()}},
    }
    text = '\n'.join(report_smote.render({'smote_quality': quality}, lambda h, r: ['TABLE']))
    assert (
        "+ fold)`), 2 times with other random numbers (draw d: our `seed=d`, imbalanced-learn's "
        '`random_state` + d x 2000); `StandardScaler`' in text
    )
    assert 'the mean over the 2 draws of the balanced accuracy of its out-of-fold' in text
    assert (
        'From the first draw alone (one resampling per fold, as a single run of each method '
        'would give), the two differences are: wine +0.010 (0.028) and -0.010 (0.000).' in text
    )
    quality['draws'] = 1
    text = '\n'.join(report_smote.render({'smote_quality': quality}, lambda h, r: ['TABLE']))
    assert 'From the first draw' not in text and 'times with other random numbers' not in text


def test_balanced_augmenter_docs_quote_the_smote_quality_table_of_results_json():
    from benchmarks.smote_quality import jobs as bench

    with open(f'{common.ROOT}/benchmarks/results.json') as f:
        quality = json.load(f)['smote_quality']
    with open(f'{common.ROOT}/docs/balanced_augmenter.md') as f:
        docs = f.read()
    assert f'every resampling is drawn {quality["draws"]} times per fold' in docs
    for name, scores in quality['per_seed'].items():
        means = ' | '.join(f'{np.mean(scores[m]):.3f}' for m in bench.METHODS)
        diffs = ' | '.join(g.replace('-', '−') for g in bench.gaps(scores))
        assert f'| {name} | {means} | {diffs} |' in docs, name


def test_a_section_measured_at_other_sizes_is_not_added_to_the_bench_length():
    """A --set run (e.g. spans at 1M, the size of its goal) records mode 'custom': its time is
    not the default set's, so the goal is judged on the last whole run alone and says why."""
    args = bench_run.parse_args(['--sections', 'spans', '--set', 'spans_scale=1000000,100000,7'])
    assert args.custom
    assert not bench_run.parse_args(['--sections', 'spans']).custom
    whole = {
        'started': '2026-11-24T01:00:00+00:00',
        'commit': 'abc1234',
        'total_seconds': 2400,
        'command': 'python -m benchmarks.run',
    }
    provenance = {
        name: {'commit': 'abc1234', 'command': whole['command'], 'seconds': 300, 'mode': 'default'}
        for name in sections.default_sections(full=False)
    }
    provenance['spans'] = {
        'commit': 'def5678',
        'command': '--set',
        'seconds': 1200,
        'mode': 'custom',
    }
    ((_, measured, met, _),) = report.bench_time_goals(
        {'whole_run': whole, 'provenance': provenance}
    )
    assert measured == (
        '40.0 min (run of 2026-11-24 at abc1234); re-measured since: spans, spans at non-default '
        "sizes (--set), so the sections' own times are not added up"
    )
    assert met


def test_sections_added_to_the_default_set_after_the_whole_run_leave_its_length_unmeasured():
    """A whole run records its sections; one that lacks sections of today's default set says
    which and is no measure of today's set, unless the sections' own times add up to one."""
    names = sections.default_sections(full=False)
    whole = {
        'started': '2026-11-24T01:00:00+00:00',
        'commit': 'abc1234',
        'total_seconds': 2400,
        'command': 'python -m benchmarks.run',
        'sections': names[:-1],
    }
    provenance = {
        name: {'commit': 'abc1234', 'command': whole['command'], 'seconds': 300, 'mode': 'default'}
        for name in names[:-1]
    }
    provenance[names[-1]] = {'commit': 'def5678', 'command': '--set', 'mode': 'custom'}
    ((_, measured, met, _),) = report.bench_time_goals(
        {'whole_run': whole, 'provenance': provenance}
    )
    assert measured == (
        f'40.0 min (run of 2026-11-24 at abc1234); added to the default set since: {names[-1]}; '
        f"{names[-1]} at non-default sizes (--set), so the sections' own times are not added up: "
        'a whole run of the default set is due'
    )
    assert met is None
    provenance[names[-1]] = {'commit': 'def5678', 'command': '--sections', 'seconds': 300}
    ((_, measured, met, _),) = report.bench_time_goals(
        {'whole_run': whole, 'provenance': provenance}
    )
    assert measured == (
        f'40.0 min (run of 2026-11-24 at abc1234); added to the default set since: {names[-1]}; '
        f"the sections' own times now add up to {len(names) * 5:.1f} min"
    )
    assert met == (len(names) * 5 <= report.BENCH_MINUTES_GOAL)
