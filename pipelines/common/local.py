"""Running a sample pipeline under LocalDagRunner and showing what it did (the ``run_local.py``
scripts of the sample pipelines)."""

from __future__ import annotations

import argparse
import os
import shutil
import time
from typing import Callable

from pipelines.common import summary as run_summary


def run(root: str, create_pipeline: Callable, summary_args: dict, **pipeline_args) -> dict:
    """Runs ``create_pipeline(...)`` in ``root`` and returns the run summary.

    ``root`` holds ``pipeline_root/``, ``metadata.db`` (SQLite MLMD) and ``serving/`` (the Pusher's
    destination). ``summary_args`` go to :func:`pipelines.common.summary.collect`.
    """
    from tfx import v1 as tfx

    pipeline_root = os.path.join(root, 'pipeline_root')
    started = time.time()
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(
            root=pipeline_root,
            metadata_path=os.path.join(root, 'metadata.db'),
            serving_dir=os.path.join(root, 'serving'),
            **pipeline_args,
        )
    )
    result = run_summary.collect(pipeline_root, **summary_args)
    result['pipeline_seconds'] = round(time.time() - started, 1)
    return result


def main(run_sample: Callable, description: str, default_root: str, default_steps: int) -> None:
    """CLI of a sample: ``--root``, ``--train-steps``, ``--seed``; wipes ``--root``, runs
    ``run_sample(root, train_steps, seed)``, prints the summary and writes the HTML report."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--root', default=default_root)
    parser.add_argument('--train-steps', type=int, default=default_steps)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    result = run_sample(args.root, args.train_steps, args.seed)
    report = run_summary.write_outputs(result, args.root)
    print(run_summary.format_summary(result))
    print(f'\nHTML report: {os.path.abspath(report)}')
