"""LeakageCheck against the I/O floor (issue 26, the leakage check vs the floor: goal <= 1.5x).

``leakage_job`` runs the real ``tfx_balance.leakage_check.executor.Executor`` ``Do`` on the
splitter section's tabular workload, its shards laid out as two splits (the last shard is
``eval``, the others ``train``; symlinks, nothing is copied): it reads every example with the C++
tf.data reader, keys it (content key without the provenance features) and reads its provenance
flag a batch at a time, groups the keys by bucket and writes the report. It is measured like the
splitter (wall time of ``Do``, fresh process) and compared with the same floor run; the workload
has no shared example, so the check must pass and count every example.
"""

from __future__ import annotations

import glob
import json
import os

from benchmarks import common, harness


def split_view(data_dir: str, view_dir: str) -> dict:
    """Lays the workload's shards out as ``Split-train`` and ``Split-eval`` under ``view_dir``
    (symlinks); returns ``{split: [shard names]}``."""
    shards = sorted(glob.glob(os.path.join(data_dir, f'Split-{common.SPLIT}', '*')))
    layout = {'train': shards[:-1], 'eval': shards[-1:]}
    for split, paths in layout.items():
        os.makedirs(os.path.join(view_dir, f'Split-{split}'))
        for path in paths:
            os.symlink(path, os.path.join(view_dir, f'Split-{split}', os.path.basename(path)))
    return {split: [os.path.basename(p) for p in paths] for split, paths in layout.items()}


def leakage_job(data_dir: str, out_dir: str, beam_args: list, verify: bool = True) -> dict:
    """Runs the LeakageCheck executor once over the workload as train/eval; returns its time."""
    from tfx.dsl.components.base import base_beam_executor
    from tfx.types import standard_artifacts

    from tfx_balance.core.common import keys
    from tfx_balance.core.leakage_check import LeakageConfig
    from tfx_balance.leakage_check.executor import Executor

    common.reset_dir(out_dir)
    view = os.path.join(out_dir, 'input')
    examples = common.examples_artifact(view, list(split_view(data_dir, view)))
    output = standard_artifacts.ExampleAnomalies()
    output.uri = common.reset_dir(os.path.join(out_dir, 'anomalies'))
    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=list(beam_args), tmp_dir=os.path.join(out_dir, '.tmp')
    )
    executor = Executor(context)
    props = LeakageConfig().validate().to_exec_properties()
    seconds = harness.timed(
        lambda: executor.Do(
            {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.ANOMALIES_KEY: [output]}, props
        )
    )
    with open(os.path.join(data_dir, 'workload.json')) as f:
        n = json.load(f)['n']
    with open(os.path.join(output.uri, keys.LEAKAGE_JSON_FILE)) as f:
        report = json.load(f)
    checked = sum(report['examples'].values())
    if verify and (checked != n or not report['passed']):
        raise RuntimeError(f'leakage check counted {checked} of {n} examples: {report}')
    return {'seconds': seconds, 'examples_written': checked}
