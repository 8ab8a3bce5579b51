"""Runs the taxi pipeline under LocalDagRunner (``make demo-taxi``), prints the summary and writes
the HTML report.

Usage: python -m pipelines.taxi.run_local [--root runs/taxi] [--train-steps 1000] [--seed 0]
       [--verbose]
"""

from __future__ import annotations

from pipelines.common import local


def run(root: str, train_steps: int | None = None, seed: int = 0) -> dict:
    """Runs the pipeline in ``root``, returns the summary."""
    # Imported here, after local.main set up the console: these import TensorFlow.
    from pipelines.taxi.pipeline import LABEL, TRAIN_STEPS, TRAIN_TARGET, create_pipeline

    train_steps = TRAIN_STEPS if train_steps is None else train_steps
    summary_args = {
        'title': 'tfx-balance taxi pipeline',
        'description': (
            f'Chicago taxi trips (CSV from the tfx wheel), label {LABEL}, {train_steps} training '
            f'steps, seed {seed}. Balanced: BalancedAugmenter (interpolate, every class to '
            f'{TRAIN_TARGET} training examples, undersampling Cash and Credit Card) + '
            'balanced_dataset. Baseline: same model, steps and seed on the unbalanced training '
            'split with a plain input function. Classes without test examples show n/a and are '
            'left out of macro recall.'
        ),
        'label_feature': LABEL,
    }
    return local.run(root, create_pipeline, summary_args, train_steps=train_steps, seed=seed)


if __name__ == '__main__':
    local.main(run, __doc__, default_root='runs/taxi')
