"""Runs the benchmarks and rewrites ``benchmarks/RESULTS.md`` (and ``benchmarks/scaling.png``).

Usage (from the repository root)::

    python -m benchmarks.run                  # default run (make bench), <= 45 min on 2 cores
    python -m benchmarks.run --full           # every repeat and comparison (BENCH_FULL=1 make bench)
    python -m benchmarks.run --smoke          # tiny sizes, 1 repeat, in-process (make bench-smoke)
    python -m benchmarks.run --sections smote_quality smote_speed   # re-run only these
    python -m benchmarks.run --sections splitter --set sizes=100000,300000 repeats=3 --out /tmp/b

A section is one measurement, with one name: its folder ``benchmarks/<name>/`` (its workload,
jobs and report), its ``--sections`` key and its RESULTS.md heading (``benchmarks/sections.py``,
the one table of them). Each section declares its parameters (sizes, repeats, an earlier run to
read) with their default, full and smoke values; ``--set NAME=VALUE`` overrides one (a list:
comma-separated values; ``none``: None).

Default and full runs measure every job in a fresh process (wall time of the Beam job, peak RSS
of the process) and report medians. The default run has the same goals as the full one with
fewer repeats where the runs' spread is small (one run per job at 300k and 1M examples, one
bounded run of each slow tf.data recipe) and leaves out what is no goal: the 300k point of the
scaling curve, TFX's hash split at 1M, the runner-mode comparison at 1M and the FULL_ONLY
sections (taxi_cv, calibration, multilabel_hard, multilabel_quality: full runs, or
``--sections NAME``). Smoke runs use tiny sizes, one repeat and run the jobs in this process (no
memory figures), fit each model once (no warm-up fit) with AutoGraph leaving tf_keras's own code
unconverted (``harness.tf_keras_not_converted``), and write to ``benchmarks/_work/smoke/`` unless
``--out`` is given, so they never overwrite the published results.

The results every report is built from persist in ``results.json`` next to ``RESULTS.md``; a run
merges the sections it measured into them, and RESULTS.md states per section when, at which
commit and with which command line it was measured (``benchmarks/harness/results.py``). The jobs
run through ``benchmarks/harness``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time

from benchmarks import common, harness, sections
from benchmarks.harness import results as stored

MODES = ('default', 'full', 'smoke')


def parse_value(name: str, text: str, presets: dict):
    """``text`` of ``--set name=text`` as the parameter's type: a list (comma-separated) where a
    preset of ``name`` is one, an int where it parses as one, None for ``none``, else text."""

    def scalar(item: str):
        if item.lower() in ('none', 'true', 'false'):
            return {'none': None, 'true': True, 'false': False}[item.lower()]
        try:
            return int(item)
        except ValueError:
            return item

    if any(isinstance(values.get(name), list) for values in presets.values()):
        return [scalar(item) for item in text.split(',') if item]
    return scalar(text)


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
        '(default: every section of the run, the full-only ones only with --full). Sections: '
        + sections.help_text(),
    )
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, 1 repeat, in-process')
    parser.add_argument(
        '--full', action='store_true', help='every repeat and comparison (BENCH_FULL=1)'
    )
    parser.add_argument(
        '--set',
        nargs='+',
        default=[],
        metavar='NAME=VALUE',
        help="a section parameter, e.g. sizes=100000,300000 or demo_run=runs/digits ('none': "
        'None). Parameters (default run): '
        + ', '.join(f'{k} {v}' for k, v in sections.parameters('default').items()),
    )
    parser.add_argument(
        '--out', help='folder for RESULTS.md and scaling.png (default: benchmarks/)'
    )
    parser.add_argument('--work-dir', default=common.WORK_DIR, help='workloads and job outputs')
    parser.add_argument('--note', default='', help='a note printed at the top of RESULTS.md')
    parser.add_argument(
        '--in-process', action='store_true', help='run jobs in this process (no memory figures)'
    )
    args = parser.parse_args(argv)
    args.mode = 'smoke' if args.smoke else 'full' if args.full else 'default'
    presets = {mode: sections.parameters(mode) for mode in MODES}
    vars(args).update(presets[args.mode])
    for item in args.set:
        name, sep, text = item.partition('=')
        if not sep or name not in presets['default']:
            names = ', '.join(presets['default'])
            parser.error(f'--set {item}: expected NAME=VALUE with NAME one of: {names}')
        setattr(args, name, parse_value(name, text, presets))
    # A run at other sizes than its preset's is recorded as stored.CUSTOM_MODE
    # (harness.report.bench_time_goals leaves its sections' times out).
    args.custom = any(getattr(args, n) != v for n, v in presets[args.mode].items())
    if args.out is None:
        smoke_out = os.path.join(common.WORK_DIR, 'smoke')
        args.out = smoke_out if args.smoke else os.path.join(common.ROOT, 'benchmarks')
    args.isolated = not (args.smoke or args.in_process)
    return args


def chosen_sections(args) -> list:
    """The sections this run measures: ``--sections``, or the run's set (smoke runs cover every
    section, the full-only ones too)."""
    if args.sections:
        return [s for s in sections.SECTIONS if s in args.sections]
    return sections.default_sections(args.full or args.smoke)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)
    started = time.time()
    command = 'python -m benchmarks.run' + (' ' + shlex.join(argv or sys.argv[1:])).rstrip()
    mode = stored.CUSTOM_MODE if args.custom and not args.smoke else args.mode
    commit = stored.git_commit()
    measured = chosen_sections(args)
    results = {
        'command': command,
        'smoke': args.smoke,
        'note': args.note,
        'defaults': None if args.smoke else sections.parameters(args.mode),
        'full': args.full,
        'isolated': args.isolated,
        'config': {k: getattr(args, k) for k in sections.parameters('default')},
        'machine': harness.machine_info(),
        'started': stored.now(),
        'commit': commit,
        'sections': measured,
        'provenance': {},
    }
    common.log(f'Benchmarks ({mode}, sections {", ".join(measured)}): {results["config"]}')
    with harness.tf_keras_not_converted() if args.smoke else contextlib.nullcontext():
        for name in measured:
            section_started, when = time.time(), stored.now()
            results.update(sections.SECTIONS[name].run(args, results))
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
            'sections': measured,  # the default set of this run (harness/report.py)
        }
    results = stored.merge(stored.load(args.out), stored.roundtrip(results), measured)
    from benchmarks.harness import report

    for name in measured:
        if hasattr(sections.SECTIONS[name], 'write'):
            sections.SECTIONS[name].write(results, args.out)
    report.write_results(results, os.path.join(args.out, 'RESULTS.md'))
    readme = os.path.join(args.out, 'README.md')
    if os.path.exists(readme):  # benchmarks/README.md quotes the goals table
        report.write_headline(results, readme)
    stored.save(results, args.out)
    common.log(f'Wrote {os.path.join(args.out, "RESULTS.md")} in {results["total_seconds"]:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
