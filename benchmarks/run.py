"""Runs every benchmark and rewrites ``benchmarks/RESULTS.md`` and ``benchmarks/scaling.png``.

Usage (from the repository root)::

    python -m benchmarks.run                  # default run (make bench), <= 45 min on 2 cores
    python -m benchmarks.run --full           # every repeat and comparison (BENCH_FULL=1 make bench)
    python -m benchmarks.run --smoke          # tiny sizes, 1 repeat, in-process (make bench-smoke)
    python -m benchmarks.run --sizes 100000 300000 --repeats 3 --out /tmp/bench
    python -m benchmarks.run --sections smote_quality smote_speed   # re-run only these

Default and full runs measure every job in a fresh process (wall time of the Beam job, peak RSS
of the process) and report medians of ``--repeats`` runs. The default run has the same goals as
the full one with fewer repeats where the runs' spread is small (one run per job at 300k and 1M
examples, one bounded run of each slow tf.data recipe) and leaves out what is no goal: the 300k
point of the scaling curve, TFX's hash split at 1M, the runner-mode comparison at 1M (the
splitter and the I/O floor in multi-processing mode) and the taxi CV pipeline's run time
(section ``taxi_cv``, ~2.5 min: full runs, or ``--sections taxi_cv``).
The multi-label split (``bench_multilabel.py``) runs each of its jobs once by default and 3 times,
alternating, in full runs.
Smoke runs use tiny sizes, one repeat and run the jobs in this process (no memory figures), and
write to ``benchmarks/_work/smoke/`` unless ``--out`` is given, so they never overwrite the
published results.

Sections (``--sections NAME ...`` re-runs only those): the results every report is built from
persist in ``results.json`` next to ``RESULTS.md``; a run merges the sections it measured into
them, and RESULTS.md states per section when, at which commit and with which command line it was
measured (``benchmarks/sections.py``). How each section is measured: ``benchmarks/runners.py``;
the jobs run through ``benchmarks/harness.py``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

from benchmarks import (
    bench_demo,
    common,
    harness,
    runners,
    sections,
)

DEFAULTS = {
    'sizes': [100_000, 1_000_000],
    'scaling_sizes': [100_000, 1_000_000],
    'multi_size': 0,  # the runner-mode comparison (no goal) only in full runs
    'augment_size': 20_000,
    'image_size': 2_000,
    'repeats': 3,
    'large_repeats': 1,  # runs per job at runners.LARGE examples or more
    'augment_repeats': 3,
    'tfx_hash_max': 100_000,  # TFX's hash split only up to this size
    'multi_floor': False,  # the I/O floor in multi-processing mode too
    'dataset_runs': 5,
    'recipe_runs': 1,  # the bounded runs of rejection_resample and filter + sample
    'training_runs': 5,
    'classes_runs': 3,  # alternating runs per method in the many-classes benchmark
    'classes_streamed_max': 10,  # the streamed path (no goal) up to this many classes
    'multilabel_sizes': [100_000, 1_000_000],
    'multilabel_repeats': 1,  # alternating runs of the multi-label splitter and floor
    'smote_seeds': 5,  # seeds 0 .. n-1 of the SMOTE quality table
    'smote_datasets': None,  # all three (or names by prefix, e.g. ['wine'])
    'smote_draws': 10,  # resampling draws per fold of the SMOTE quality table
    'smote_size': 100_000,  # the smote speed workload (10% minority grown to parity)
    'smote_rounds': 2,  # alternating rounds of floor, smote, interpolate
    'imblearn_sizes': [100_000, 1_000_000],  # imbalanced-learn's SMOTE, for its memory line
    'multilabel_input_n': 100_000,  # multi-label balanced_dataset and model.fit (issue 25)
    'multilabel_input_runs': 5,  # as dataset_runs and training_runs
    # issue 40 (benchmarks/bench_multilabel_hard.py): hierarchy shapes; 5,000 labels
    'multilabel_hard_sizes': [2_000, 5_000, 30_000, 100_000, 1_000_000],
    # iterstrat and skmultilearn only up to 5,000 / 2,000 units of this shape (their limits in
    # bench_multilabel_hard.py: iterstrat took 313 s at 5k and did not finish in 20 min at 20k)
    'multilabel_hard_many_sizes': [2_000, 5_000, 20_000, 30_000, 100_000, 1_000_000],
    'multilabel_quality_seeds': 5,  # issue 41: seeds of the model-quality table
}
FULL = {
    **DEFAULTS,
    'scaling_sizes': [100_000, 300_000, 1_000_000],
    'multi_size': 1_000_000,
    'classes_streamed_max': 100,
    'recipe_runs': 3,
    'dataset_runs': 7,
    'training_runs': 7,
    'large_repeats': 3,
    'augment_repeats': 3,
    'tfx_hash_max': None,
    'multi_floor': True,
    'multilabel_repeats': 3,
    'smote_rounds': 3,
    'multilabel_input_runs': 7,
}
SMOKE = {
    **DEFAULTS,
    'sizes': [1_000],
    'scaling_sizes': [500, 1_000],
    'multi_size': 0,
    'augment_size': 500,
    'image_size': 200,
    'repeats': 1,
    'large_repeats': 1,
    'augment_repeats': 1,
    'dataset_runs': 1,
    'recipe_runs': 1,
    'training_runs': 1,
    'classes_runs': 1,
    'multilabel_sizes': [1_000],
    'smote_seeds': 1,
    'smote_datasets': ['wine'],
    'smote_draws': 1,
    'smote_size': 2_000,
    'smote_rounds': 1,
    'imblearn_sizes': [2_000, 4_000],
    'multilabel_input_n': 1_000,
    'multilabel_input_runs': 1,
    'multilabel_hard_sizes': [500],
    'multilabel_hard_many_sizes': [],
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.run',
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=list(sections.SECTIONS),
        metavar='NAME',
        help='re-run only these sections and merge them into the results already in --out '
        '(default: every section of the run; taxi_cv only with --full). Sections: '
        + sections.help_text(),
    )
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, 1 repeat, in-process')
    parser.add_argument(
        '--full', action='store_true', help='every repeat and comparison (BENCH_FULL=1)'
    )
    parser.add_argument('--sizes', type=int, nargs='+', help='StratifiedSplitter comparison sizes')
    parser.add_argument('--scaling-sizes', type=int, nargs='+', help='scaling curve sizes')
    parser.add_argument(
        '--multi-size', type=int, help='size of the runner-mode comparison (0: skip)'
    )
    parser.add_argument('--augment-size', type=int, help='BalancedAugmenter tabular input size')
    parser.add_argument('--image-size', type=int, help='BalancedAugmenter image input size')
    parser.add_argument('--repeats', type=int, help='runs per figure (median reported)')
    parser.add_argument(
        '--out', help='folder for RESULTS.md and scaling.png (default: benchmarks/)'
    )
    parser.add_argument('--work-dir', default=common.WORK_DIR, help='workloads and job outputs')
    parser.add_argument(
        '--demo-run',
        help='read this finished make demo run instead of running the demo '
        f'(default: run it into benchmarks/_work/demo; smoke: read {bench_demo.DEFAULT_RUN_DIR})',
    )
    parser.add_argument('--note', default='', help='a note printed at the top of RESULTS.md')
    parser.add_argument(
        '--skip-dataset', action='store_true', help='skip the balanced_dataset benchmark'
    )
    parser.add_argument(
        '--skip-classes', action='store_true', help='skip the many-classes benchmark'
    )
    parser.add_argument(
        '--skip-multilabel', action='store_true', help='skip the multi-label split benchmark'
    )
    parser.add_argument('--multilabel-sizes', type=int, nargs='+', help='multi-label split sizes')
    parser.add_argument(
        '--multilabel-repeats', type=int, help='alternating runs of the multi-label split and floor'
    )
    parser.add_argument('--smote-seeds', type=int, help='seeds of the SMOTE quality table')
    parser.add_argument(
        '--smote-draws', type=int, help='resampling draws per fold of the SMOTE quality table'
    )
    parser.add_argument('--smote-size', type=int, help='input size of the smote speed section')
    parser.add_argument('--smote-rounds', type=int, help='alternating rounds of smote speed')
    parser.add_argument(
        '--imblearn-sizes', type=int, nargs='+', help="imbalanced-learn's SMOTE sizes (memory)"
    )
    parser.add_argument(
        '--taxi-cv-run',
        help='read this finished make demo-taxi-cv run instead of running it '
        f'(smoke: read {bench_demo.TAXI_CV_RUN_DIR} if there is one)',
    )
    parser.add_argument(
        '--calibration-runs',
        nargs='+',
        help='sample=run folder (taxi, digits, multilabel) for the calibration section, instead '
        'of running the samples',
    )
    parser.add_argument(
        '--multilabel-input-n', type=int, help='examples of the multi-label balanced_dataset bench'
    )
    parser.add_argument(
        '--multilabel-hard-sizes', type=int, nargs='+', help='issue-40 hierarchy workload sizes'
    )
    parser.add_argument(
        '--multilabel-hard-many-sizes',
        type=int,
        nargs='*',
        help='issue-40 5,000-label workload sizes (none: skip)',
    )
    parser.add_argument(
        '--in-process', action='store_true', help='run jobs in this process (no memory figures)'
    )
    args = parser.parse_args(argv)
    base = SMOKE if args.smoke else FULL if args.full else DEFAULTS
    for key, value in base.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if args.out is None:
        smoke_out = os.path.join(common.WORK_DIR, 'smoke')
        args.out = smoke_out if args.smoke else os.path.join(common.ROOT, 'benchmarks')
    args.isolated = not (args.smoke or args.in_process)
    return args


def chosen_sections(args) -> list:
    """The sections this run measures: ``--sections``, or the run's set less the skipped."""
    if args.sections:
        return [s for s in sections.SECTIONS if s in args.sections]
    skipped = {
        'dataset': args.skip_dataset,
        'classes': args.skip_classes,
        'multilabel': args.skip_multilabel,
    }
    every = args.full or args.smoke  # smoke runs cover every section, the taxi CV one too
    return [s for s in sections.default_sections(every) if not skipped.get(s)]


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)
    started = time.time()
    command = 'python -m benchmarks.run' + (' ' + shlex.join(argv or sys.argv[1:])).rstrip()
    mode = 'smoke' if args.smoke else 'full' if args.full else 'default'
    commit = sections.git_commit()
    measured = chosen_sections(args)
    results = {
        'command': command,
        'smoke': args.smoke,
        'note': args.note,
        'defaults': None if args.smoke else FULL if args.full else DEFAULTS,
        'full': args.full,
        'isolated': args.isolated,
        'config': {k: getattr(args, k) for k in DEFAULTS},
        'machine': harness.machine_info(),
        'started': sections.now(),
        'commit': commit,
        'sections': measured,
        'provenance': {},
    }
    common.log(f'Benchmarks ({mode}, sections {", ".join(measured)}): {results["config"]}')
    for name in measured:
        section_started, when = time.time(), sections.now()
        results.update(runners.run_section(name, args, results))
        results['provenance'][name] = {
            'measured': when,
            'commit': commit,
            'command': command,
            'mode': mode,
            'seconds': time.time() - section_started,
        }
    results['total_seconds'] = time.time() - started
    if (
        not args.sections
        and mode == 'default'
        and len(measured) == len(sections.default_sections(False))
    ):
        results['whole_run'] = {
            'started': results['started'],
            'commit': commit,
            'command': command,
            'total_seconds': results['total_seconds'],
        }
    results = sections.merge(sections.load(args.out), sections.roundtrip(results), measured)
    from benchmarks import report

    if 'splitter' in measured:
        report.write_chart(results, os.path.join(args.out, 'scaling.png'))
    report.write_results(results, os.path.join(args.out, 'RESULTS.md'))
    readme = os.path.join(args.out, 'README.md')
    if os.path.exists(readme):  # benchmarks/README.md quotes the goals table
        report.write_headline(results, readme)
    sections.save(results, args.out)
    common.log(f'Wrote {os.path.join(args.out, "RESULTS.md")} in {results["total_seconds"]:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
