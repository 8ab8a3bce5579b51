"""A tiny pipeline whose Trainer has a module_file, to check how KubeflowV2DagRunner packages user
module files (as wheels under ``<pipeline_root>/_wheels``). Compiled only, never run."""

from __future__ import annotations

import os

PIPELINE_NAME = 'tfx-balance-module-file-test'
MODULE_FILE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'testdata', 'trainer_module.py'
)


def create_pipeline(root: str, beam_args=None):
    from tfx import v1 as tfx

    from pipelines.taxi.pipeline import DATA_DIR

    example_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)
    trainer = tfx.components.Trainer(
        module_file=MODULE_FILE,
        examples=example_gen.outputs['examples'],
        train_args=tfx.proto.TrainArgs(num_steps=1),
        eval_args=tfx.proto.EvalArgs(num_steps=1),
    )
    return tfx.dsl.Pipeline(
        pipeline_name=PIPELINE_NAME,
        pipeline_root=os.path.join(root, 'pipeline_root'),
        components=[example_gen, trainer],
        beam_pipeline_args=beam_args or ['--direct_num_workers=1'],
    )
