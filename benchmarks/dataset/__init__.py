"""The dataset section: balanced_dataset against the tf.data alternatives (reads), ``model.fit``
with each input (training), and both on multi-label data (issue 25).

Files: ``workloads.py`` (taxi, digits and tabular TFRecords), ``reads.py`` (the read rates),
``training.py`` (``model.fit`` steps/s), ``multilabel_input.py`` (the multi-label reads and
training), ``report.py`` (its goals and RESULTS.md section). The three run in one fresh process
(TensorFlow's threads and caches are not shared with the Beam jobs'). Run it alone::

    python -m benchmarks.run --sections dataset
"""

from __future__ import annotations

from benchmarks import common, harness
from benchmarks.dataset.report import goals, render

TITLE = 'balanced_dataset vs the tf.data alternatives, and training speed'
KEYS = ('dataset', 'training', 'multilabel_input')
FULL_ONLY = False
DEFAULT = {
    'dataset_runs': 5,
    'recipe_runs': 1,  # the bounded runs of rejection_resample and filter + sample
    'training_runs': 5,
    'multilabel_input_n': 100_000,  # multi-label balanced_dataset and model.fit (issue 25)
    'multilabel_input_runs': 5,  # as dataset_runs and training_runs
}
FULL = {'recipe_runs': 3, 'dataset_runs': 7, 'training_runs': 7, 'multilabel_input_runs': 7}
SMOKE = {
    'dataset_runs': 1,
    'recipe_runs': 1,
    'training_runs': 1,
    'multilabel_input_n': 1_000,
    'multilabel_input_runs': 1,
}


def run(args, results: dict) -> dict:
    common.log('balanced_dataset vs the tf.data alternatives; model.fit steps/s')
    job = harness.Job(
        'dataset-and-training',
        'benchmarks.dataset:job',
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
    result = harness.run_isolated(job)[0] if args.isolated else harness.run_inprocess(job)
    return {key: result[key] for key in KEYS}


def job(
    smoke: bool,
    dataset_runs: int,
    recipe_runs: int,
    training_runs: int,
    multilabel_n: int = 0,
    multilabel_runs: int = 1,
    work_dir: str = common.WORK_DIR,
) -> dict:
    """The section's job: the reads, then ``model.fit`` on each workload's best plain read,
    then the multi-label reads and training."""
    from benchmarks.dataset import multilabel_input, reads, training

    dataset = reads.run(smoke, dataset_runs, recipe_runs, work_dir)
    best = {w['workload']: w['best_plain'] for w in dataset['workloads']}
    fit = training.run(smoke, training_runs, best, work_dir)
    if multilabel_n:
        multilabel = multilabel_input.run(
            smoke, multilabel_runs, multilabel_runs, multilabel_n, work_dir
        )
    else:
        multilabel = {'missing': 'not measured: multilabel_input_n is 0'}
    return {'dataset': dataset, 'training': fit, 'multilabel_input': multilabel}


__all__ = ['goals', 'job', 'render', 'run']
