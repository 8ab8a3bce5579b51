"""How ``benchmarks.run`` measures each section of ``make bench``: one function per section,
taking the parsed command line (``run.parse_args``) and returning the results keys the section
fills (``sections.SECTIONS``). Jobs that import TensorFlow run in a fresh process
(:mod:`benchmarks.harness`) unless the run is in-process (``--smoke`` / ``--in-process``).

Example::

    from benchmarks import run, runners

    args = run.parse_args(['--smoke'])
    print(runners.run_section('smote_quality', args, {})['smote_quality']['seconds'])
"""

from __future__ import annotations

import os

from benchmarks import (
    bench_augmenter,
    bench_calibration,
    bench_demo,
    bench_multilabel,
    bench_serving_ab,
    bench_smote_speed,
    bench_splitter,
    common,
    harness,
)

LARGE = 300_000  # from this size on, the splitter section runs --large-repeats per job


def run_dataset_benches(args) -> tuple:
    """balanced_dataset's read rates, then ``model.fit`` with each input, then both on
    multi-label data, in a fresh process (TensorFlow's threads and caches are not shared with the
    Beam jobs')."""
    if args.skip_dataset:
        missing = {'missing': 'not measured: skipped (--skip-dataset)'}
        return missing, missing, missing
    common.log('balanced_dataset vs the tf.data alternatives; model.fit steps/s')
    spec = harness.Job(
        'dataset-and-training',
        'benchmarks.runners:dataset_and_training_job',
        {
            'smoke': args.smoke,
            'dataset_runs': args.dataset_runs,
            'recipe_runs': args.recipe_runs,
            'training_runs': args.training_runs,
            'multilabel_n': args.multilabel_input_n,
            'multilabel_runs': args.multilabel_input_runs,
            'work_dir': args.work_dir,
        },
    )
    result = harness.run_isolated(spec)[0] if args.isolated else harness.run_inprocess(spec)
    return result['dataset'], result['training'], result['multilabel_input']


def dataset_and_training_job(
    smoke: bool,
    dataset_runs: int,
    recipe_runs: int,
    training_runs: int,
    multilabel_n: int = 0,
    multilabel_runs: int = 1,
    work_dir: str = common.WORK_DIR,
) -> dict:
    from benchmarks import bench_balanced_dataset, bench_multilabel_input, bench_training

    dataset = bench_balanced_dataset.run(smoke, dataset_runs, recipe_runs)
    best = {w['workload']: w['best_plain'] for w in dataset['workloads']}
    training = bench_training.run(smoke, training_runs, best)
    if multilabel_n:
        multilabel = bench_multilabel_input.run(
            smoke, multilabel_runs, multilabel_runs, multilabel_n, work_dir
        )
    else:
        multilabel = {'missing': 'not measured: multilabel_input_n is 0'}
    return {'dataset': dataset, 'training': training, 'multilabel_input': multilabel}


def run_classes_bench(args) -> dict:
    """balanced_dataset at 10 to 10,000 classes (benchmarks/bench_classes.py), in a fresh
    process."""
    if args.skip_classes:
        return {'missing': 'not measured: skipped (--skip-classes)'}
    common.log('balanced_dataset as the number of classes grows')
    spec = harness.Job(
        'classes',
        'benchmarks.runners:classes_job',
        {
            'smoke': args.smoke,
            'runs': args.classes_runs,
            'streamed_max': args.classes_streamed_max,
        },
    )
    return harness.run_isolated(spec)[0] if args.isolated else harness.run_inprocess(spec)


def classes_job(smoke: bool, runs: int, streamed_max: int) -> dict:
    from benchmarks import bench_classes

    return bench_classes.run(smoke, runs, streamed_max=streamed_max)


def run_multilabel_bench(args) -> dict:
    """The multi-label split: ours vs the floor, iterstrat and a random split (issue 24)."""
    if args.skip_multilabel:
        return {'missing': 'not measured: skipped (--skip-multilabel)'}
    common.log('Multi-label StratifiedSplitter vs iterstrat and a random split')
    return bench_multilabel.run(
        args.multilabel_sizes, args.multilabel_repeats, args.isolated, args.work_dir
    )


def run_multilabel_hard(args) -> dict:
    """The issue-40 workloads: ours, iterstrat, skmultilearn."""
    from benchmarks import bench_multilabel_hard

    common.log('Multi-label split on a hierarchy, groups and 5,000 labels (issue 40)')
    return bench_multilabel_hard.run_section(
        args.multilabel_hard_sizes, args.multilabel_hard_many_sizes, log=common.log
    )


def run_multilabel_quality(args) -> dict:
    """The multi-label policies (issue 41): coverage of their plans, models trained on each."""
    from benchmarks import bench_multilabel_quality

    common.log('Multi-label policies: examples read and model quality (issue 41)')
    return bench_multilabel_quality.run(
        args.smoke, args.multilabel_quality_seeds, work_dir=args.work_dir, log=common.log
    )


def _measure_pipeline(run_dir, smoke_dir, out_dir, command, module, note='') -> dict:
    """Runs a sample pipeline's ``command`` (``module``) into ``out_dir`` unless ``run_dir`` (an
    earlier run) or ``smoke_dir`` (smoke runs) is given, then reads the run's MLMD timings."""
    command_seconds = None
    if run_dir is None and smoke_dir is None:
        run_dir = out_dir
        common.log(f'Sample pipeline: running {command} into {run_dir}{note}')
        command_seconds = bench_demo.run_demo(run_dir, module)
    result = bench_demo.run(run_dir or smoke_dir)
    if 'missing' in result:
        result['missing'] = result['missing'].replace('make demo', command)
    elif command_seconds is not None:
        result['command_seconds'] = command_seconds
    return result


def measure_demo(args) -> dict:
    """Item 5: runs the demo (full runs without --demo-run), then reads its MLMD timings."""
    smoke_dir = bench_demo.DEFAULT_RUN_DIR if args.smoke else None
    return _measure_pipeline(
        args.demo_run,
        smoke_dir,
        os.path.join(args.work_dir, 'demo'),
        'make demo',
        bench_demo.DEMO_MODULE,
    )


def measure_taxi_cv(args) -> dict:
    """Issue 26: runs ``make demo-taxi-cv``'s pipeline (unless --taxi-cv-run), then reads its
    MLMD timings per component, as for the demo."""
    smoke_dir = bench_demo.TAXI_CV_RUN_DIR if args.smoke else None
    return _measure_pipeline(
        args.taxi_cv_run,
        smoke_dir,
        os.path.join(args.work_dir, 'taxi-cv'),
        'make demo-taxi-cv',
        bench_demo.TAXI_CV_MODULE,
        ' (~2.5 min)',
    )


def run_smote_quality(args) -> dict:
    """Issue 28: balanced accuracy per augmentation vs imbalanced-learn's SMOTE (fresh process)."""
    common.log('SMOTE quality: balanced accuracy per augmentation and dataset')
    spec = harness.Job(
        'smote-quality',
        'benchmarks.bench_smote_quality:quality_job',
        {
            'seeds': list(range(args.smote_seeds)),
            'only': args.smote_datasets,
            'draws': args.smote_draws,
        },
    )
    return harness.run_isolated(spec)[0] if args.isolated else harness.run_inprocess(spec)


def run_smote_speed(args) -> dict:
    """Issue 28: 'smote' vs the I/O floor, and imbalanced-learn's SMOTE time and memory."""
    return bench_smote_speed.run(
        args.smote_size, args.smote_rounds, args.isolated, args.work_dir, args.imblearn_sizes
    )


def run_splitter(args) -> dict:
    return {
        'splitter': bench_splitter.run(
            args.sizes,
            args.scaling_sizes,
            args.multi_size,
            lambda n: args.large_repeats if n >= LARGE else args.repeats,
            args.isolated,
            args.work_dir,
            tfx_hash_max=args.tfx_hash_max,
            multi_floor=args.multi_floor,
        )
    }


def run_augmenter(args, floors: dict) -> dict:
    return {
        'augmenter': bench_augmenter.run(
            args.augment_size,
            args.image_size,
            args.augment_repeats,
            args.isolated,
            args.work_dir,
            floors,
        )
    }


def run_calibration(args) -> dict:
    """Issue 42: each sample pipeline once (unless --calibration-runs names runs), then both of
    its models retrained with 3 seeds on that run's artifacts (bench_calibration)."""
    runs = dict(item.split('=', 1) for item in args.calibration_runs or [])
    if args.smoke and not runs:
        return {'missing': 'not measured in smoke runs: pass --calibration-runs sample=run'}
    for sample in bench_calibration.SAMPLES:
        if sample not in runs:
            runs[sample] = os.path.join(args.work_dir, f'calibration-{sample}')
            common.log(f'Calibration: running the {sample} sample into {runs[sample]}')
            bench_demo.run_demo(runs[sample], f'pipelines.{sample}.run_local')
    common.log('Calibration: retraining both models of each sample with 3 seeds')
    results = bench_calibration.run(runs)
    common.log('Calibration: serving and run_fn with and without the correction (A/B)')
    for sample, ab in bench_serving_ab.run(runs, bench_calibration.SEEDS).items():
        results[sample]['serving_ab'] = ab
    return results


def _floors(results: dict) -> dict:
    """The tabular floors measured by the splitter section in this run, by size."""
    sp = results.get('splitter') or {}
    floors = {('tabular', n): row['floor'] for n, row in sp.get('compare', {}).items()}
    floors.update({('tabular', n): row['floor'] for n, row in sp.get('scaling', {}).items()})
    return floors


def run_section(name: str, args, results: dict) -> dict:
    """Measures section ``name``; returns the results keys it fills."""
    if name == 'splitter':
        return run_splitter(args)
    if name == 'augmenter':
        return run_augmenter(args, _floors(results))
    if name == 'dataset':
        dataset, training, multilabel_input = run_dataset_benches(args)
        return {'dataset': dataset, 'training': training, 'multilabel_input': multilabel_input}
    runners = {
        'classes': run_classes_bench,
        'demo': measure_demo,
        'multilabel': run_multilabel_bench,
        'smote_quality': run_smote_quality,
        'smote_speed': run_smote_speed,
        'taxi_cv': measure_taxi_cv,
        'calibration': run_calibration,
        'multilabel_hard': run_multilabel_hard,
        'multilabel_quality': run_multilabel_quality,
    }
    return {name: runners[name](args)}
