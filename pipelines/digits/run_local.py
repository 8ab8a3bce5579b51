"""Runs the digits pipeline under LocalDagRunner (``make demo``), prints the summary and writes the
HTML report.

Usage: python -m pipelines.digits.run_local [--root runs/digits] [--train-steps 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

from pipelines.common import summary as run_summary
from pipelines.digits import dataset
from pipelines.digits.pipeline import TRAIN_STEPS, create_pipeline


def run(root: str, train_steps: int = TRAIN_STEPS, seed: int = 0) -> dict:
    """Builds the data, runs the pipeline in ``root`` (wiped first), returns the summary."""
    from tfx import v1 as tfx

    shutil.rmtree(root, ignore_errors=True)
    data_dir = os.path.join(root, 'data')
    dataset.write_imbalanced_digits(data_dir, seed=seed)
    pipeline_root = os.path.join(root, 'pipeline_root')
    started = time.time()
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(
            root=pipeline_root,
            data_root=data_dir,
            train_steps=train_steps,
            seed=seed,
            metadata_path=os.path.join(root, 'metadata.db'),
            serving_dir=os.path.join(root, 'serving'),
        )
    )
    result = run_summary.collect(
        pipeline_root,
        title='tfx-balance digits pipeline',
        description=(
            f'Imbalanced scikit-learn digits (8x8 PNG), {train_steps} training steps, seed {seed}. '
            'Balanced: BalancedAugmenter (image) + balanced_dataset. Baseline: same model, '
            'steps and seed on the unbalanced training split with a plain input function.'
        ),
        label_feature='label',
    )
    result['pipeline_seconds'] = round(time.time() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--root', default='runs/digits')
    parser.add_argument('--train-steps', type=int, default=TRAIN_STEPS)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    result = run(args.root, args.train_steps, args.seed)
    report = run_summary.write_outputs(result, args.root)
    print(run_summary.format_summary(result))
    print(f'\nHTML report: {os.path.abspath(report)}')


if __name__ == '__main__':
    main()
