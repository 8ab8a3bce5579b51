"""Turns the benchmark results into ``RESULTS.md`` and the scaling chart ``scaling.png``."""

from __future__ import annotations

import os

from benchmarks import common, report_multilabel, report_smote, sections
from benchmarks.goals import (
    AUGMENT_FN_GOAL,
    AUGMENT_GOAL,
    BENCH_MINUTES_GOAL,
    BENCH_SIZED_FOR_FLOOR_1M_SECONDS,
    CLASSES_10K_FIRST_BATCH_SECONDS,
    CLASSES_10K_RATE_GOAL,
    CLASSES_FIRST_BATCH_GOAL,
    CLASSES_RATE_GOAL,
    DATASET_GOAL,
    FOLDS_TIME_GOAL,
    LEAKAGE_TIME_GOAL,
    MULTILABEL_DATASET_GOAL,
    MULTILABEL_TRAINING_GOAL,
    SPLIT_MEMORY_GOAL,
    SPLIT_TIME_GOAL,
    TRAINING_GOAL,
)
from benchmarks.report_format import (
    _job_row,
    _mib,
    _missing,
    _not_measured,
    _num,
    _ratio,
    _sec,
    _size,
    _status,
    _table,
)

SPLIT_TIME_WHY = (
    'The splitter reads the input twice (a histogram pass, then an assignment pass) and hashes '
    'every example in both; the floor reads once. Both passes read with the C++ tf.data reader '
    'and decode labels in batches, so what remains is the Python cost per example of the second '
    "pass's hash and placement, plus the fixed cost of the extra stages (side input, boundary "
    'ranking, per-class counts), which weighs most at small sizes.'
)
MODES_NOTE = (
    'A multi-processing run starts fresh worker processes (2 here), and each imports Beam and '
    "TensorFlow before its first bundle (TensorFlow because the splitter's reader and label "
    "decoding run in TensorFlow's C++ code per element): a fixed cost per run, paid once per "
    'worker process, not per bundle. The records stay inside the workers (read, placement and '
    'write are fused), so the per-example work is no slower than in-process, and the two workers '
    'read files in parallel. The functions the jobs send to workers live in `core/`, so a worker '
    'no longer imports TFX, TFX-BSL, TFDV and TFMA as well (12-15 s more per worker before this '
    'round; tests pin it for the three Beam components). Multi-processing pays off only when the '
    'job is long next to that start-up.'
)
SPLIT_MEMORY_WHY = (
    'Peak RSS includes the fixed cost of TensorFlow, TFX and Beam in the process; the split '
    'itself keeps only per-class 65,536-bucket histograms and boundary buckets in memory.'
)


def splitter_goals(results: dict) -> list:
    """``[(goal, measured, met, why)]`` of item 1."""
    if not results.get('splitter'):
        return []
    compare = results['splitter']['compare']
    goals = []
    for n, row in sorted(compare.items(), key=lambda kv: int(kv[0])):
        ratio = row['splitter']['seconds'] / row['floor']['seconds']
        met = ratio <= SPLIT_TIME_GOAL
        goals.append(
            (
                f'StratifiedSplitter wall time <= {SPLIT_TIME_GOAL}x the I/O floor ({_size(n)})',
                f'{ratio:.2f}x',
                met,
                '' if met else SPLIT_TIME_WHY,
            )
        )
        if 'splitter_folds' in row:  # issue 26
            ratio = row['splitter_folds']['seconds'] / row['floor_folds']['seconds']
            goals.append(
                (
                    f'StratifiedSplitter folds=5 (+10% test) wall time <= {FOLDS_TIME_GOAL}x the '
                    f'I/O floor writing the same 6 splits ({_size(n)})',
                    f'{ratio:.2f}x',
                    ratio <= FOLDS_TIME_GOAL,
                    '' if ratio <= FOLDS_TIME_GOAL else SPLIT_TIME_WHY,
                )
            )
    for n, row in sorted(compare.items(), key=lambda kv: int(kv[0])):
        if 'leakage' in row:
            ratio = row['leakage']['seconds'] / row['floor']['seconds']
            goals.append(
                (
                    f'LeakageCheck wall time <= {LEAKAGE_TIME_GOAL}x the I/O floor ({_size(n)})',
                    f'{ratio:.2f}x',
                    ratio <= LEAKAGE_TIME_GOAL,
                    '',
                )
            )
    measured = {int(n): row['splitter'] for n, row in results['splitter']['scaling'].items()}
    measured.update({int(n): row['splitter'] for n, row in compare.items()})
    sizes = sorted(measured)
    if len(sizes) >= 2:
        small, large = measured[sizes[0]], measured[sizes[-1]]
        if small.get('peak_rss_mb') and large.get('peak_rss_mb'):
            ratio = large['peak_rss_mb'] / small['peak_rss_mb']
            met = ratio <= SPLIT_MEMORY_GOAL
            goals.append(
                (
                    f'StratifiedSplitter peak RSS at {_size(sizes[-1])} <= '
                    f'{SPLIT_MEMORY_GOAL}x that at {_size(sizes[0])} (goal: 1M vs 100k)',
                    f'{ratio:.2f}x ({_mib(large["peak_rss_mb"])} vs '
                    f'{_mib(small["peak_rss_mb"])} MiB)',
                    met,
                    SPLIT_MEMORY_WHY
                    if met
                    else 'Memory grows with the input: something holds elements per class or '
                    'per bundle; profile the histogram combiner and the boundary-bucket '
                    'GroupByKey.',
                )
            )
        else:
            goals.append(
                (
                    'StratifiedSplitter peak RSS (largest vs smallest size)',
                    'not measured (jobs ran in-process)',
                    None,
                    '',
                )
            )
    return goals


# A user augment_fn (benchmarks/augment_fn_module.py) has its own goal: it runs in Python per copy.
AUGMENT_GOALS = {'module_file': AUGMENT_FN_GOAL}
AUGMENT_WHY = {
    'image': 'Every generated image is decoded, transformed and PNG-encoded; the floor only moves '
    'bytes.',
    'module_file': 'The user function runs in Python once per generated example (numpy calls per '
    'feature, a Generator per copy); the floor only moves bytes. Profile the copies of one source '
    '(core/augment/user_fn.py: UserFnSource) to see which part grew.',
}


def augmenter_goals(results: dict) -> list:
    goals = []
    for aug, row in (results.get('augmenter') or {}).get('rows', {}).items():
        name = f"'{aug}' (user augment_fn)" if aug == 'module_file' else f"'{aug}'"
        goal = AUGMENT_GOALS.get(aug, AUGMENT_GOAL)
        ratio = row.get('ratio')
        if ratio is None:
            error = row['augmenter'].get('error', '')
            goals.append((f'BalancedAugmenter {name} <= {goal}x the floor', 'failed', False, error))
            continue
        met = ratio <= goal
        why = (
            ''
            if met
            else AUGMENT_WHY.get(aug, 'Generated examples are built in Python per example.')
        )
        goals.append(
            (
                f'BalancedAugmenter {name} time per written example <= {goal}x the floor',
                f'{ratio:.2f}x',
                met,
                why,
            )
        )
    return goals


def dataset_goals(results: dict) -> list:
    """balanced_dataset >= DATASET_GOAL x the best-tuned plain read on every workload."""
    dataset = results.get('dataset') or {}
    exact = bool(dataset.get('balanced_batches_exact'))
    goals = []
    for w in dataset.get('workloads', []):
        met = w['ratio'] >= DATASET_GOAL and exact
        goals.append(
            (
                f'balanced_dataset >= {DATASET_GOAL}x the best-tuned plain read, exact batches '
                f'({w["workload"]})',
                f'{w["ratio"]:.2f}x, batches {"exact" if exact else "NOT exact"}',
                met,
                ''
                if met
                else _spread_why(
                    _runs_of(w['rows'], 'balanced_dataset'),
                    _runs_of(w['rows'], w['best_plain']),
                    'examples/s',
                ),
            )
        )
    return goals


def classes_goals(results: dict) -> list:
    """balanced_dataset at 1,000 and 10,000 classes: time to first batch and steady rate."""
    goals = []
    for r in (results.get('classes') or {}).get('classes', []):
        ours, best = r['rows']['balanced_dataset'], r['rows'][r['best_plain']]
        rate_why = _spread_why(ours['runs_rate'], best['runs_rate'], 'examples/s')
        if r['classes'] == 1_000:
            factor, extra = CLASSES_FIRST_BATCH_GOAL
            limit, rate_goal = factor * best['first_s'] + extra, CLASSES_RATE_GOAL
            first_goal = f"<= {factor:g}x the plain read's + {extra:g} s"
        elif r['classes'] == 10_000:
            limit, rate_goal = CLASSES_10K_FIRST_BATCH_SECONDS, CLASSES_10K_RATE_GOAL
            first_goal = f'<= {limit:g} s'
        else:
            continue
        met = ours['first_s'] <= limit
        goals.append(
            (
                f'balanced_dataset time to first batch {first_goal} ({r["classes"]:,} classes)',
                f'{ours["first_s"]:.2f} s (limit {limit:.2f} s)',
                met,
                '' if met else f'runs: {", ".join(f"{x:.2f}" for x in ours["runs_first_s"])} s',
            )
        )
        met = r['rate_ratio'] >= rate_goal
        goals.append(
            (
                f'balanced_dataset steady rate >= {rate_goal}x the best-tuned plain read '
                f'({r["classes"]:,} classes)',
                f'{r["rate_ratio"]:.2f}x',
                met,
                '' if met else rate_why,
            )
        )
    return goals


def _runs_of(rows: list, method: str) -> list:
    return next(row['runs'] for row in rows if row['method'] == method)


def _spread_why(ours: list, theirs: list, unit: str) -> str:
    """Why-missed text: the runs of balanced_dataset (``ours``) and of the plain read, side by
    side."""

    def span(values):
        return f'{min(values):,.0f}-{max(values):,.0f}'

    return (
        f'balanced_dataset ran at {span(ours)} {unit} and the plain read at {span(theirs)} '
        f'{unit} over the runs: the difference is within how much runs of the same input vary '
        'on this shared machine (see section 3).'
    )


def training_goals(results: dict) -> list:
    """model.fit with balanced_dataset >= TRAINING_GOAL x the steps/s with the plain read."""
    goals = []
    for w in (results.get('training') or {}).get('workloads', []):
        met = w['ratio'] >= TRAINING_GOAL
        goals.append(
            (
                f'model.fit steps/s with balanced_dataset >= {TRAINING_GOAL}x with the plain read '
                f'({w["workload"]}, {w["model"]})',
                f'{w["ratio"]:.2f}x',
                met,
                ''
                if met
                else _spread_why(
                    w['rows']['balanced_dataset']['runs_steps_per_s'],
                    w['rows']['plain read']['runs_steps_per_s'],
                    'steps/s',
                ),
            )
        )
    return goals


def multilabel_input_goals(results: dict) -> list:
    """Multi-label balanced_dataset >= MULTILABEL_DATASET_GOAL x the best plain read, and
    model.fit with it >= MULTILABEL_TRAINING_GOAL x with that read (issue 25)."""
    ml = results.get('multilabel_input') or {}
    if 'reads' not in ml:
        return []
    reads_, fit = ml['reads'], ml['training']
    ours = next(r for r in reads_['rows'] if r['method'] == 'balanced_dataset (label_balanced)')
    best = next(r for r in reads_['rows'] if r['method'] == reads_['best_plain'])
    size = common.size_label(reads_['examples'])
    met_read = ml['ratio'] >= MULTILABEL_DATASET_GOAL
    met_fit = ml['training_ratio'] >= MULTILABEL_TRAINING_GOAL
    return [
        (
            f'multi-label balanced_dataset >= {MULTILABEL_DATASET_GOAL}x the best-tuned plain '
            f'read ({size}, label_balanced)',
            f'{ml["ratio"]:.2f}x (repeat_factor {ml["ratio_repeat_factor"]:.2f}x)',
            met_read,
            '' if met_read else _spread_why(ours['runs'], best['runs'], 'examples/s'),
        ),
        (
            f'multi-label model.fit steps/s with balanced_dataset >= {MULTILABEL_TRAINING_GOAL}x '
            f'with the plain read ({size}, one sigmoid layer)',
            f'{ml["training_ratio"]:.2f}x',
            met_fit,
            ''
            if met_fit
            else _spread_why(
                fit['rows']['balanced_dataset']['runs_steps_per_s'],
                fit['rows']['plain read']['runs_steps_per_s'],
                'steps/s',
            ),
        ),
    ]


def bench_time_goals(results: dict) -> list:
    """The length of the last run of the whole default set (``results['whole_run']``: kept by
    later ``--sections`` runs, which do not measure it)."""
    whole = results.get('whole_run')
    if not whole:
        return []
    minutes = whole['total_seconds'] / 60
    met = minutes <= BENCH_MINUTES_GOAL
    why = ''
    if not met:
        compare = (results.get('splitter') or {}).get('compare', {})
        floors = {int(n): row['floor']['seconds'] for n, row in compare.items()}
        floor = floors.get(1_000_000)
        why = (
            "Its length follows the machine's speed: the default set is sized to fit when the "
            f'I/O floor takes about {BENCH_SIZED_FOR_FLOOR_1M_SECONDS} s at 1M'
            + (f'; in this run it took {floor:.0f} s.' if floor else '.')
        )
    return [
        (
            f'`make bench` (default set) <= {BENCH_MINUTES_GOAL} min on 2 cores',
            f'{minutes:.1f} min (run of {whole["started"][:10]} at {whole["commit"]})',
            met,
            why,
        )
    ]


JOB_HEADER = [
    'job',
    'median s',
    'runs (s)',
    'examples written',
    'examples/s',
    'peak RSS MiB',
    'RSS before job MiB',
    'time vs floor',
]
LABELS = {
    'floor': 'I/O floor (TFXIO read, hash partition, gzip write)',
    'splitter': 'StratifiedSplitter executor',
    'tfx_hash': "TFX ImportExampleGen hash split (TFX's own functions)",
    'leakage': 'LeakageCheck executor (reads train/eval, writes a report; examples checked)',
    'floor_folds': 'I/O floor writing the 6 splits of folds=5 + 10% test',
    'splitter_folds': "StratifiedSplitter folds=5, holdout={'test': 0.1} (6 splits)",
    'splitter_bins': 'StratifiedSplitter 8:1:1, label_bins=10 on float f00 (+1 read)',
}


def _render_dataset(dataset: dict) -> list:
    if 'missing' in dataset:
        return [f'_{dataset["missing"]}._']
    if isinstance(dataset.get('markdown'), str):
        return [dataset['markdown'].rstrip()]
    rows = []
    for key, value in dataset.items():
        if key == 'goals':
            continue
        if isinstance(value, dict):
            rows.append([key] + [f'{k}: {v}' for k, v in value.items()])
        else:
            rows.append([key, value])
    width = max((len(r) for r in rows), default=2)
    rows = [r + [''] * (width - len(r)) for r in rows]
    return _table(['measure'] + ['value'] * (width - 1), rows)


def _render_demo(demo: dict) -> list:
    if 'missing' in demo:
        return [f'_{demo["missing"]}._']
    metadata = os.path.relpath(demo['metadata'], common.ROOT)
    command = (
        f' The whole `make demo` command (imports, pipeline, summary, report) took '
        f'{demo["command_seconds"]:.0f} s.'
        if demo.get('command_seconds')
        else ''
    )
    lines = [
        f'Pipeline `{demo["pipeline"]}`, run `{demo["run"]}` (from `{metadata}`): '
        f"{demo['wall_seconds']:.1f} s from the run's start to its last published output."
        + command,
        '',
    ]
    rows = [[c['component'], c['state'], f'{c["seconds"]:.1f}'] for c in demo['components']]
    total = sum(c['seconds'] for c in demo['components'])
    rows.append(['**sum of components**', '', f'{total:.1f}'])
    return lines + _table(['component', 'state', 'seconds'], rows)


def render(results: dict) -> str:
    machine = results['machine']
    provenance = results.get('provenance') or {}
    smoke = results['smoke'] or any(p['mode'] == 'smoke' for p in provenance.values())
    lines = [
        '# Benchmarks',
        '',
        'Generated by `make bench` (`python -m benchmarks.run`); do not edit by hand. Every '
        'figure is the median of the runs listed; ratios compare jobs measured in the same run '
        'on the same machine (absolute times drift on shared machines, ratios much less).',
        '',
    ]
    if smoke:
        lines += [
            '> **Smoke run**: tiny sizes, one repeat, jobs in-process. These figures only show '
            'that the harness works; they are not results.',
            '',
        ]
    if results.get('note'):
        lines += [f'> **Note:** {results["note"]}', '']
    defaults = results.get('defaults')
    if defaults and any(results['config'][k] != v for k, v in defaults.items()):
        lines += [
            '> **Non-default sizes.** `make bench` defaults: '
            + ', '.join(f'{k} {v}' for k, v in defaults.items())
            + '; this run used: '
            + ', '.join(f'{k} {v}' for k, v in results['config'].items())
            + '.',
            '',
        ]
    lines += [
        f'- Last command: `{results["command"]}` at {results.get("commit", "unknown")}',
        f'- Started: {results["started"]}; total {results["total_seconds"] / 60:.1f} min '
        f'(sections {", ".join(results.get("sections") or [])}; the others as dated below)',
        f'- Machine: {machine["cores"]} cores ({machine["cpu"]}), {machine["memory"]} memory, '
        f'{machine["platform"]}, Python {machine["python"]}',
        f'- Versions: tfx {machine["tfx"]}, apache-beam {machine["apache-beam"]}, tensorflow '
        f'{machine["tensorflow"]}, tfx-bsl {machine["tfx-bsl"]}, protobuf {machine["protobuf"]}, '
        f'numpy {machine["numpy"]}',
        '- Runner: Beam DirectRunner in-process (`--direct_num_workers=1`) unless stated.',
        '- Method: '
        + (
            'each job runs in its own fresh Python process, its repeats back to back (imports '
            'paid once per job; the first repeat also pays one-off warm-up); wall time is that '
            "of the Beam job (executor `Do` or `Pipeline.run`, imports and TFX's one-off "
            "ephemeral sdist build excluded); peak RSS is the process's maximum resident set "
            'during that run (`VmHWM`, reset before each run), which includes '
            'TensorFlow/TFX/Beam (see "RSS before job").'
            if results['isolated']
            else 'jobs ran in one process (no memory figures).'
        ),
        '- Workload (sections 1, 2, 4): gzipped `tf.train.Example`s with 20 float features and '
        'an int64 label, 10 classes with geometric shares 50% ... 0.1%, generated by '
        '`benchmarks/common.py`; section 3 has its own three workloads (`benchmarks/workloads.py`).',
        '',
        'Sections: when, at which commit and with which command each was last measured '
        '(`python -m benchmarks.run --sections NAME ...` re-runs some and keeps the others; '
        '`+modified`: the worktree differed from that commit).',
        '',
        *sections_table(results),
        '',
        '## Goals',
        '',
    ]
    goals = all_goals(results)
    lines += goals_table(results)
    notes = [(g, why) for g, _, met, why in goals if met is False and why]
    if notes:
        lines += ['', 'Why the missed goals are missed:', '']
        lines += [f'- {g}: {why}' for g, why in notes]

    lines += ['', "## 1. StratifiedSplitter vs the I/O floor and TFX's hash split", '']
    sp = results.get('splitter') or {'compare': {}, 'scaling': {}, 'modes': {}}
    start = len(lines)
    lines += [
        'Three splits 8:1:1, written as gzipped TFRecords. Time vs floor = median wall time '
        "divided by the floor's.",
        '',
        "What each job does. The floor reads once through TFXIO's Beam source (Beam's "
        '`ReadFromTFRecord`, which frames and checksums every record in Python), hashes each '
        "record and writes it with Beam's gzip TFRecord sink. The StratifiedSplitter reads "
        "twice, with the C++ tf.data reader (about 6x cheaper per record than Beam's reader), "
        'decodes the labels a batch at a time, and writes with the same sink as the floor. '
        "TFX's hash split reads with Beam and reshuffles before writing.",
        '',
    ]
    for n, row in sorted(sp['compare'].items(), key=lambda kv: int(kv[0])):
        lines += [f'### {_size(n)} examples', '']
        rows = [_job_row(LABELS['floor'], row['floor'])]
        rows += [
            _job_row(LABELS[k], row[k], row['floor'])
            for k in ('splitter', 'tfx_hash', 'leakage')
            if k in row
        ]
        if 'splitter_folds' in row:  # issue 26: folds vs the floor writing the same splits
            rows += [
                _job_row(LABELS['floor_folds'], row['floor_folds'], row['floor']),
                _job_row(LABELS['splitter_folds'], row['splitter_folds'], row['floor_folds']),
                _job_row(LABELS['splitter_bins'], row['splitter_bins'], row['floor']),
            ]
        lines += _table(JOB_HEADER, rows) + ['']
        if 'splitter_bins' in row:
            cost = row['splitter_bins']['seconds'] / row['splitter']['seconds']
            lines += [
                f'folds=5 is timed against the floor writing its 6 splits; label_bins=10 costs '
                f'{cost:.2f}x the same split without bins (the extra read of the label that '
                'computes the quantile edges, and bin classes).',
                '',
            ]

    if not sp['compare']:
        lines[start:] = [_not_measured('splitter'), '']
    lines += ['## 2. BalancedAugmenter vs the I/O floor', '']
    aug = results.get('augmenter') or {'implementation': 'executor', 'rows': {}}
    start = len(lines)
    lines += [
        f'Target `max` (every class raised to the head class), run through the '
        f"{aug['implementation']}. Rate = examples written per second; ratio = the floor's "
        "rate / the augmenter's (time per written example relative to the floor). "
        "'module_file' is a user `augment_fn` (`benchmarks/augment_fn_module.py`: numpy noise on "
        f'every float), with a goal of {AUGMENT_FN_GOAL}x: it is called in Python once per '
        'generated example; each source is parsed once, and a result that keeps every '
        "feature's type and length is written into the source's bytes. All the jobs of this "
        'section run in one process (imports paid once), so a peak RSS includes what earlier '
        'jobs kept.',
        '',
    ]
    rows = []
    for name, row in aug['rows'].items():
        a, f = row['augmenter'], row['floor']
        rows.append(
            [
                f"'{name}'",
                f'{_num(row["input"])} {row["workload"]}',
                _sec(a.get('seconds')),
                _num(a.get('examples_written')),
                _num(a.get('rate')),
                _num(f['rate']),
                _ratio(row.get('ratio')),
                _mib(a.get('peak_rss_mb')),
            ]
        )
    lines += _table(
        [
            'augmentation',
            'input',
            'median s',
            'examples written',
            'examples/s',
            'floor examples/s',
            'ratio',
            'peak RSS MiB',
        ],
        rows,
    )

    if not aug['rows']:
        lines[start:] = [_not_measured('augmenter')]
    lines += ['', '## 3. balanced_dataset vs the tf.data alternatives, and training speed', '']
    lines += _render_dataset(results.get('dataset') or {'missing': _missing('dataset')})
    lines += ['', '### Training: `model.fit` steps per second', '']
    lines += _render_dataset(results.get('training') or {'missing': _missing('dataset')})
    lines += ['', '### balanced_dataset as the number of classes grows', '']
    lines += _render_dataset(results.get('classes') or {'missing': _missing('classes')})
    lines += ['', '### Multi-label balanced_dataset and training', '']
    lines += _render_dataset(results.get('multilabel_input') or {'missing': _missing('dataset')})

    lines += ['', '## 4. Scaling curve', '']
    start = len(lines)
    lines += [
        'StratifiedSplitter and the floor at growing sizes (same jobs as section 1 where the '
        'sizes coincide). ![scaling curve](scaling.png)',
        '',
    ]
    scaling = sorted(sp['scaling'].items(), key=lambda kv: int(kv[0]))
    rows = []
    base = None
    for n, row in scaling:
        s = row['splitter']
        per = s['seconds'] / int(n) * 1e6
        base = base or per
        rows.append(
            [
                _size(n),
                _sec(s['seconds']),
                f'{per:.1f}',
                f'{per / base:.2f}',
                _sec(row['floor']['seconds']),
                _ratio(s['seconds'] / row['floor']['seconds']),
                _mib(s.get('peak_rss_mb')),
            ]
        )
    lines += _table(
        [
            'examples',
            'splitter median s',
            'µs per example',
            'µs/example vs smallest',
            'floor median s',
            'splitter vs floor',
            'splitter peak RSS MiB',
        ],
        rows,
    )
    modes = sp.get('modes') or {}
    if modes:
        n = modes['size']
        lines += [
            '',
            f'DirectRunner modes at {_size(n)} examples (2 cores): in-process '
            '(`--direct_num_workers=1`) vs `--direct_running_mode=multi_processing '
            "--direct_num_workers=2`. Peak RSS is the main process's (its workers are separate "
            'processes).',
            *(['', modes['note']] if modes.get('note') else []),
            '',
        ]
        rows = [
            [
                'StratifiedSplitter',
                _sec(modes['in_process']['seconds']),
                _sec(modes['multi_processing']['seconds']),
                _ratio(modes['in_process']['seconds'] / modes['multi_processing']['seconds']),
            ]
        ]
        if 'floor_multi_processing' in modes:
            rows.append(
                [
                    'I/O floor',
                    _sec(modes['floor_in_process']['seconds']),
                    _sec(modes['floor_multi_processing']['seconds']),
                    _ratio(
                        modes['floor_in_process']['seconds']
                        / modes['floor_multi_processing']['seconds']
                    ),
                ]
            )
        lines += _table(
            ['job', 'in-process median s', 'multi-processing (2) median s', 'speed-up'], rows
        )
    else:
        lines += [
            '',
            '_Runner-mode comparison not run (it runs with `BENCH_FULL=1 make bench` or `--multi-size N`)._',
        ]

    if not sp['scaling']:
        lines[start:] = [_not_measured('splitter')]
    lines += ['', '## 5. Sample pipeline (`make demo`) by component', '']
    lines += _render_demo(results.get('demo') or {'missing': _missing('demo')})

    lines += ['', '## 6. Multi-label StratifiedSplitter vs iterstrat and a random split', '']
    if results.get('multilabel'):
        lines += report_multilabel.render(results, _table)
    else:
        lines += [_not_measured('multilabel')]
    lines += ['', "## 7. SMOTE: quality vs imbalanced-learn's SMOTE, and speed", '']
    lines += report_smote.render(results, _table)
    lines += ['', '## 8. Cross-validated taxi pipeline (`make demo-taxi-cv`) by component', '']
    lines += [
        'Full runs only (`BENCH_FULL=1 make bench`, or `--sections taxi_cv`): about 17 minutes, '
        'no goal but its time; when and at which commit it was measured is in the sections '
        'table above.',
        '',
    ]
    taxi = results.get('taxi_cv')
    if taxi is None:
        lines += [_not_measured('taxi_cv')]
    else:
        lines += [
            line.replace('`make demo` command', '`make demo-taxi-cv` command')
            for line in _render_demo(taxi)
        ]
    lines += ['']
    return '\n'.join(lines)


def sections_table(results: dict) -> list:
    """Per section: when, at which commit, in which mode, how long, and the command line."""
    provenance = results.get('provenance') or {}
    rows = []
    for name in sections.SECTIONS:
        p = provenance.get(name)
        if p is None:
            rows.append([f'`{name}`', 'not measured', '—', '—', '—', '—'])
            continue
        rows.append(
            [
                f'`{name}`',
                p['measured'],
                f'`{p["commit"]}`',
                p['mode'],
                f'{p["seconds"] / 60:.1f}',
                f'`{p["command"]}`',
            ]
        )
    return _table(['section', 'measured', 'commit', 'mode', 'minutes', 'command'], rows)


def write_results(results: dict, path: str) -> None:
    with open(path, 'w') as f:
        f.write(render(results))


HEADLINE_START = '<!-- headline: written by make bench from RESULTS.md; do not edit -->'
HEADLINE_END = '<!-- /headline -->'


def all_goals(results: dict) -> list:
    """``[(goal, measured, met, why)]`` of every section."""
    return (
        splitter_goals(results)
        + augmenter_goals(results)
        + dataset_goals(results)
        + training_goals(results)
        + multilabel_input_goals(results)
        + classes_goals(results)
        + report_multilabel.goals(results)
        + report_smote.goals(results)
        + bench_time_goals(results)
    )


def goals_table(results: dict) -> list:
    goals = all_goals(results)
    return _table(
        ['goal', 'measured', 'status'],
        [[g, m, 'not measured' if met is None else _status(met)] for g, m, met, _ in goals],
    )


def write_headline(results: dict, readme: str) -> None:
    """Replaces the headline block of ``readme`` (between the markers) with the goals table of
    ``results`` and the run's date and duration, so the page quotes RESULTS.md exactly."""
    with open(readme) as f:
        text = f.read()
    start, end = text.index(HEADLINE_START), text.index(HEADLINE_END)
    block = [
        HEADLINE_START,
        f'From the `make bench` run of {results["started"][:10]} '
        f'({results["total_seconds"] / 60:.0f} min, `{results["command"]}`; sections measured '
        'at other times are dated in RESULTS.md):',
        '',
        *goals_table(results),
        '',
    ]
    with open(readme, 'w') as f:
        f.write(text[:start] + '\n'.join(block) + text[end:])


def write_chart(results: dict, path: str) -> None:
    """Plots splitter and floor wall time against input size (with a line through the origin)."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    scaling = sorted(results['splitter']['scaling'].items(), key=lambda kv: int(kv[0]))
    sizes = [int(n) for n, _ in scaling]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for kind, label, marker in (
        ('splitter', 'StratifiedSplitter executor', 'o'),
        ('floor', 'I/O floor', 's'),
    ):
        seconds = [row[kind]['seconds'] for _, row in scaling]
        ax.plot(sizes, seconds, marker=marker, label=label)
        if sizes:
            per = seconds[0] / sizes[0]
            ax.plot(
                [0, sizes[-1]],
                [0, per * sizes[-1]],
                linestyle=':',
                color=ax.lines[-1].get_color(),
                label=f'{label}: linear from {_size(sizes[0])}',
            )
    ax.set_xlabel('examples')
    ax.set_ylabel('wall time of the Beam job (s, median)')
    title = 'StratifiedSplitter scaling, DirectRunner in-process'
    if results['smoke']:
        title += ' (SMOKE RUN)'
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
