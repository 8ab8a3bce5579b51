"""Test helper of the BalancedInputGen e2e tests: ImportExampleGen -> BalancedInputGen -> Trainer
(a trainer module of ``testdata/`` whose run_fn reads balanced_dataset) under LocalDagRunner, on
examples and a handwritten schema the test gives.

Example::

    root = run_trainer_on_balanced_input(
        'balanced-input-e2e', str(tmp), records, SCHEMA, 'trainer_module.py', eval_steps=2,
        label_feature='label', splits=['train'], seed=0)
"""

import os

from tests.support.examples import write_records

TESTDATA = os.path.join(os.path.dirname(__file__), 'testdata')


def run_trainer_on_balanced_input(
    name: str,
    root: str,
    records: list,
    schema: str,
    trainer_module: str,
    eval_steps: int,
    **balanced_input_args,
) -> str:
    """Writes ``records`` (one gzipped TFRecord file) and ``schema`` (schema.pbtxt text) under
    ``root``, runs the pipeline with ``BalancedInputGen(**balanced_input_args)`` and a Trainer of
    ``testdata/<trainer_module>`` (5 train steps, ``eval_steps``), and returns the pipeline
    root."""
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedInputGen

    write_records(os.path.join(root, 'data', 'examples.tfrecord.gz'), records)
    schema_file = os.path.join(root, 'schema', 'schema.pbtxt')
    os.makedirs(os.path.dirname(schema_file))
    with open(schema_file, 'w') as f:
        f.write(schema)

    example_gen = tfx.components.ImportExampleGen(input_base=os.path.join(root, 'data'))
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_file)
    balanced = BalancedInputGen(examples=example_gen.outputs['examples'], **balanced_input_args)
    trainer = tfx.components.Trainer(
        module_file=os.path.join(TESTDATA, trainer_module),
        examples=balanced.outputs['examples'],
        schema=schema_gen.outputs['schema'],
        train_args=tfx.proto.TrainArgs(num_steps=5),
        eval_args=tfx.proto.EvalArgs(num_steps=eval_steps),
    )
    components = [example_gen, schema_gen, balanced, trainer]
    return run_local(name, root, components).pipeline_root
