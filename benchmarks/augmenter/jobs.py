"""BalancedAugmenter: examples written per second against the I/O floor (issue 8, item 2).

Each augmentation rebalances a workload to ``target='max'`` (every class up to the head class,
about 5x the input for the geometric 50% ... 0.1% layout) and is compared with the I/O floor on
the same input (``common.floor.floor_job``: TFXIO raw read, hash partition, gzip write), in
examples written per second:

- ``copy``, ``numeric``, ``interpolate`` and a user ``augment_fn`` (``module_file``
  ``benchmarks.augmenter.augment_fn_module``: Gaussian noise on every float, in numpy) on the tabular
  workload (20 floats);
- ``image`` on the 28x28 PNG workload (decode, random affine in TF, PNG encode).

Goal for each: <= 2x the floor's time per written example (``report.AUGMENT_GOAL``); for the
user ``augment_fn``, which runs in Python once per written copy, <= 2.5x
(``report.AUGMENT_FN_GOAL``).

Each job runs the real ``BalancedAugmenter`` executor ``Do``.
"""

from __future__ import annotations

import json
import os

from benchmarks import common, harness

SEED = 0
AUGMENTATIONS = ('copy', 'numeric', 'interpolate', 'module_file', 'image')
MODULE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'augment_fn_module.py')


def augmenter_job(
    data_dir: str, out_dir: str, beam_args: list, augmentation: str, verify: bool = True
) -> dict:
    """Rebalances the workload's train split to the head class with ``augmentation``."""
    from tfx_balance.core.common import keys

    common.reset_dir(out_dir)
    examples = common.examples_artifact(data_dir)
    output = common.examples_artifact(out_dir, [])
    from tfx.dsl.components.base import base_beam_executor

    from tfx_balance.balanced_augmenter.executor import Executor

    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=list(beam_args), tmp_dir=os.path.join(out_dir, '.tmp')
    )
    props = {
        keys.LABEL_FEATURE_KEY: common.LABEL_FEATURE,
        keys.TARGET_KEY: json.dumps('max'),
        keys.UNDERSAMPLE_KEY: 0,
        keys.AUGMENTATION_KEY: 'copy' if augmentation == 'module_file' else augmentation,
        keys.AUGMENTATION_OPTIONS_KEY: None,
        keys.IMAGE_FEATURE_KEY: common.IMAGE_FEATURE,
        keys.MODULE_FILE_KEY: MODULE_FILE if augmentation == 'module_file' else None,
        keys.MODULE_PATH_KEY: None,
        keys.SPLITS_KEY: json.dumps([common.SPLIT]),
        keys.SEED_KEY: SEED,
        keys.PROVENANCE_FEATURE_KEY: 'is_synthetic',
        keys.SOURCE_FEATURE_KEY: 'source_fingerprint',
    }
    executor = Executor(context)  # builds TFX's ephemeral sdist: not timed
    seconds = harness.timed(
        lambda: executor.Do(
            {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, props
        )
    )
    with open(os.path.join(data_dir, 'workload.json')) as f:
        counts = json.load(f)['class_counts']
    # target 'max': every class present in the input is raised to the largest class.
    expected = max(counts) * sum(1 for c in counts if c)
    written = expected
    if verify:
        written = common.count_records(os.path.join(out_dir, f'Split-{common.SPLIT}', '*'))
        if written != expected:
            raise RuntimeError(f'augmenter wrote {written} examples, expected {expected}')
    return {'seconds': seconds, 'examples_written': written}


def run(
    tabular_size: int,
    image_size: int,
    repeats: int,
    isolated: bool,
    work_dir: str = common.WORK_DIR,
    floors: dict | None = None,
) -> dict:
    """Measures every augmentation and the floor on its input; returns summaries and ratios.

    ``floors`` may hold already measured floor summaries by input size (tabular) to reuse.
    """
    tabular = common.tabular_workload(tabular_size, work_dir=work_dir)
    images = common.image_workload(image_size, work_dir=work_dir)
    floors = dict(floors or {})
    results = {'implementation': 'executor', 'rows': {}}
    common.log('BalancedAugmenter vs the I/O floor')

    inputs = {'tabular': (tabular, tabular_size), 'image': (images, image_size)}
    jobs = {}  # (kind, n) floors not yet measured, then augmentations
    for kind, (data_dir, n) in inputs.items():
        if (kind, n) not in floors:
            name = f'floor-{kind}-n{n}'
            jobs[('floor', kind)] = harness.Job(
                name,
                'benchmarks.common.floor:floor_job',
                {
                    'data_dir': data_dir,
                    'out_dir': common.fresh_dir(work_dir, name),
                    'beam_args': common.IN_PROCESS_ARGS,
                },
            )
    for augmentation in AUGMENTATIONS:
        kind = 'image' if augmentation == 'image' else 'tabular'
        data_dir, n = inputs[kind]
        name = f'augment-{augmentation}-n{n}'
        jobs[('augment', augmentation)] = harness.Job(
            name,
            'benchmarks.augmenter.jobs:augmenter_job',
            {
                'data_dir': data_dir,
                'out_dir': common.fresh_dir(work_dir, name),
                'beam_args': common.IN_PROCESS_ARGS,
                'augmentation': augmentation,
            },
        )
    # One process for all (imports paid once): memory is not a goal here.
    counts = [repeats] * len(jobs)
    if isolated:
        runs = harness.run_shared(list(jobs.values()), counts)
    else:
        runs = [
            [harness.run_inprocess(job) for _ in range(n)] for job, n in zip(jobs.values(), counts)
        ]
    measured = {key: harness.summarize(job, r) for (key, job), r in zip(jobs.items(), runs)}
    for kind, (_, n) in inputs.items():
        if (kind, n) not in floors:
            floors[(kind, n)] = measured[('floor', kind)]
    for augmentation in AUGMENTATIONS:
        kind = 'image' if augmentation == 'image' else 'tabular'
        n = inputs[kind][1]
        a, floor = measured[('augment', augmentation)], floors[(kind, n)]
        results['rows'][augmentation] = {
            'input': n,
            'workload': kind,
            'augmenter': a,
            'floor': floor,
            # Time per written example relative to the floor's.
            'ratio': floor['rate'] / a['rate'],
        }
    return results
