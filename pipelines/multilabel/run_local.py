"""Runs the multi-label pipeline under LocalDagRunner (``make demo-multilabel``), prints the
summary and writes the HTML report.

Usage: python -m pipelines.multilabel.run_local [--root runs/multilabel] [--train-steps 600]
       [--seed 0] [--verbose]
"""

from __future__ import annotations

import os

from pipelines.common import local


def run(root: str, train_steps: int | None = None, seed: int = 0) -> dict:
    """Writes the digit tiles into ``root/data``, runs the pipeline, returns the summary."""
    # Imported here, after local.main set up the console: these import TensorFlow.
    from pipelines.multilabel import dataset
    from pipelines.multilabel.pipeline import LABEL, TRAIN_STEPS, create_pipeline

    train_steps = TRAIN_STEPS if train_steps is None else train_steps
    data_dir = os.path.join(root, 'data')
    counts = dataset.write_digit_tiles(data_dir, seed=seed)
    summary_args = {
        'title': 'tfx-balance multi-label pipeline',
        'description': (
            f'{dataset.DEFAULT_COUNT} tiles of 2-4 scikit-learn digits (16x16), labels = the '
            f'digits shown (long-tailed: digit 0 on {counts[0]} tiles, digit 9 on {counts[9]}), '
            f'{train_steps} training steps, seed {seed}. Balanced: BalancedInputGen '
            "(multi_label='multi_hot', floored_label_balanced) + balanced_dataset. Baseline: same "
            'model, steps and seed on the training split with a plain input function.'
        ),
        'label_feature': LABEL,
        'multi_label': True,
    }
    return local.run(
        root, create_pipeline, summary_args, data_root=data_dir, train_steps=train_steps, seed=seed
    )


if __name__ == '__main__':
    local.main(run, __doc__, default_root='runs/multilabel')
