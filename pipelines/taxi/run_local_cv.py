"""Runs the cross-validated taxi pipeline under LocalDagRunner (``make demo-taxi-cv``) and prints
each fold's and the cross-validated macro recall of both models and the gate's verdict.

Usage: python -m pipelines.taxi.run_local_cv [--root runs/taxi-cv] [--train-steps 1000]
       [--folds 3] [--seed 0] [--verbose]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

from pipelines.common import cv_summary, local


def run(root: str, train_steps: int | None, seed: int, folds: int) -> dict:
    from tfx import v1 as tfx

    from pipelines.taxi.cv_pipeline import create_pipeline
    from pipelines.taxi.pipeline import TRAIN_STEPS

    pipeline_root = os.path.join(root, 'pipeline_root')
    started = time.time()
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(
            root=pipeline_root,
            metadata_path=os.path.join(root, 'metadata.db'),
            serving_dir=os.path.join(root, 'serving'),
            train_steps=TRAIN_STEPS if train_steps is None else train_steps,
            seed=seed,
            folds=folds,
        )
    )
    result = cv_summary.collect(pipeline_root)
    result['pipeline_seconds'] = round(time.time() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument('--root', default='runs/taxi-cv')
    parser.add_argument('--train-steps', type=int, default=None, help="default: the sample's")
    parser.add_argument('--folds', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    local.add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    with local.console_output(args.root, args.verbose):
        result = run(args.root, args.train_steps, args.seed, args.folds)
    report = cv_summary.write_outputs(result, args.root)
    print(cv_summary.format_summary(result, f'tfx-balance taxi pipeline, {args.folds}-fold CV'))
    print(f'\nPipeline wall time: {result["pipeline_seconds"]:.0f} s')
    print(f'HTML report: {os.path.abspath(report)}')


if __name__ == '__main__':
    main()
