"""A tiny benchmark job for the harness tests (no TensorFlow import: the child starts fast)."""

import os
import tempfile


def allocate_once(marker: str, mib: int) -> dict:
    """Touches ``mib`` MiB on the first run (no ``marker`` file yet), nothing on later runs."""
    if os.path.exists(marker):
        return {'seconds': 0.0, 'examples_written': 0}
    block = bytearray(mib << 20)
    block[:: 1 << 12] = b'x' * len(block[:: 1 << 12])  # touch every page
    with open(marker, 'w'):
        pass
    return {'seconds': 0.0, 'examples_written': len(block) >> 20}


def leave_a_temporary_folder(record: str) -> dict:
    """Makes a temporary folder and leaves it (as TFX's sdist build does); writes its path to
    ``record``."""
    folder = tempfile.mkdtemp()
    with open(record, 'w') as f:
        f.write(folder)
    return {'seconds': 0.0, 'examples_written': 0}


def beam_executor_args(beam_args: list) -> dict:
    """Makes the splitter's executor as the benchmark jobs do (``Context`` with Beam args: TFX
    adds its ephemeral sdist as ``--extra_package``); returns the Beam args it ends up with."""
    from tfx.dsl.components.base import base_beam_executor

    from tfx_balance.stratified_splitter.executor import Executor

    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=list(beam_args))
    executor = Executor(context)
    return {'seconds': 0.0, 'examples_written': 0, 'args': executor._beam_pipeline_args}
