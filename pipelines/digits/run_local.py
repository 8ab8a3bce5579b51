"""Runs the digits pipeline under LocalDagRunner (``make demo``), prints the summary and writes the
HTML report.

Usage: python -m pipelines.digits.run_local [--root runs/digits] [--train-steps 200] [--seed 0]
       [--verbose]
"""

from __future__ import annotations

import os

from pipelines.common import local


def run(root: str, train_steps: int | None = None, seed: int = 0) -> dict:
    """Writes the imbalanced digits data into ``root/data``, runs the pipeline, returns the
    summary."""
    # Imported here, after local.main set up the console: these import TensorFlow.
    from pipelines.digits import dataset
    from pipelines.digits.pipeline import LABEL, TRAIN_STEPS, create_pipeline

    train_steps = TRAIN_STEPS if train_steps is None else train_steps
    data_dir = os.path.join(root, 'data')
    dataset.write_imbalanced_digits(data_dir, seed=seed)
    summary_args = {
        'title': 'tfx-balance digits pipeline',
        'description': (
            f'Imbalanced scikit-learn digits (8x8 PNG), {train_steps} training steps, seed '
            f'{seed}. Balanced: BalancedAugmenter (image) + balanced_dataset. Baseline: same '
            'model, steps and seed on the unbalanced training split with a plain input function.'
        ),
        'label_feature': LABEL,
    }
    return local.run(
        root, create_pipeline, summary_args, data_root=data_dir, train_steps=train_steps, seed=seed
    )


if __name__ == '__main__':
    local.main(run, __doc__, default_root='runs/digits')
