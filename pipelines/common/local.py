"""Running a sample pipeline under LocalDagRunner and showing what it did (the ``run_local.py``
scripts of the sample pipelines).

By default the console shows the components' own summaries (per-class tables, verdicts), the run
summary and, on failure, the error once; everything else (TFX/TF/Beam logs, warnings, module-file
wheel builds, tracebacks) goes to ``<root>/run.log``. ``--verbose`` shows everything.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import time
from typing import Callable, Iterator

from pipelines.common import summary as run_summary
from tfx_balance.orchestration import logs

LOG_FILE = 'run.log'


def run(root: str, create_pipeline: Callable, summary_args: dict, **pipeline_args) -> dict:
    """Runs ``create_pipeline(...)`` in ``root`` and returns the run summary.

    ``root`` holds ``pipeline_root/``, ``metadata.db`` (SQLite MLMD) and ``serving/`` (the Pusher's
    destination). ``summary_args`` go to ``pipelines.common.summary.collect``.
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


def add_verbose_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show everything: TFX/TensorFlow/Beam logs at INFO, warnings and tracebacks '
        f"(default: the components' summaries only; the rest goes to <root>/{LOG_FILE})",
    )


@contextlib.contextmanager
def console_output(root: str, verbose: bool) -> Iterator[None]:
    """The console of a sample run (see the module docstring). Call it before TensorFlow is
    imported, so that its C++ log is quieted too. On failure (quiet) prints the error message and
    exits with status 1."""
    if verbose:
        from absl import logging as absl_logging

        logging.basicConfig(level=logging.INFO)
        absl_logging.set_verbosity(absl_logging.INFO)
        logs.release_at_exit()
        yield
        return
    logs.quiet()
    log_path = os.path.join(root, LOG_FILE)
    try:
        with logs.capture_output(log_path):
            yield
    except Exception as error:  # noqa: BLE001 - any failure ends the run with its message
        print(f'\nerror: {logs.error_message(error)}', file=sys.stderr)
        print(f'(full log: {log_path}; run again with --verbose to see it here)', file=sys.stderr)
        raise SystemExit(1) from None


def main(run_sample: Callable, description: str, default_root: str) -> None:
    """CLI of a sample: ``--root``, ``--train-steps``, ``--seed``, ``--verbose``; wipes ``--root``,
    runs ``run_sample(root, train_steps, seed)`` (``train_steps`` None: the sample's default),
    prints the summary and writes the HTML report."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument('--root', default=default_root)
    parser.add_argument('--train-steps', type=int, default=None, help="default: the sample's")
    parser.add_argument('--seed', type=int, default=0)
    add_verbose_flag(parser)
    args = parser.parse_args()
    shutil.rmtree(args.root, ignore_errors=True)
    with console_output(args.root, args.verbose):
        result = run_sample(args.root, args.train_steps, args.seed)
    report = run_summary.write_outputs(result, args.root)
    print(run_summary.format_summary(result))
    print(f'\nHTML report: {os.path.abspath(report)}')
