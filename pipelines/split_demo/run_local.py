"""Runs the interim split demo under LocalDagRunner and prints the per-class table.

Usage: python -m pipelines.split_demo.run_local [--root runs/split_demo] [--seed 0] [--verbose]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil

from pipelines.common import local


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--root', default='runs/split_demo')
    parser.add_argument('--seed', type=int, default=0)
    local.add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    with local.console_output(args.root, args.verbose):
        from tfx import v1 as tfx_v1

        from pipelines.split_demo.pipeline import create_pipeline

        tfx_v1.orchestration.LocalDagRunner().run(create_pipeline(args.root, seed=args.seed))
    from tfx_balance.core.labels import format_count_table

    (path,) = glob.glob(
        os.path.join(
            args.root, 'pipeline_root', 'StratifiedSplitter', 'examples', '*', 'split_counts.json'
        )
    )
    with open(path) as f:
        counts = json.load(f)
    print(
        '\nStratifiedSplitter on payment_type (splits train:eval:test = 8:1:1, seed %d)' % args.seed
    )
    print(format_count_table(counts, ['train', 'eval', 'test']))


if __name__ == '__main__':
    main()
