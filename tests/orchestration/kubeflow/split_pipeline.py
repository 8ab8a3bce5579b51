"""A small pipeline with no module file, for the tests that compile or run one step: CsvExampleGen
on the taxi CSV shipped in the tfx wheel -> StratifiedSplitter (8:1:1 on ``payment_type``, the
counts of tests/support/taxi.py). Compiled with a gs:// or s3:// root too: a pipeline with a
module file would write its wheels there."""

from __future__ import annotations

PIPELINE_NAME = 'tfx-balance-split-test'


def create_pipeline(root: str, beam_args=None):
    from tfx import v1 as tfx

    from pipelines.taxi.pipeline import DATA_DIR
    from tests.support.local_dag import DEFAULT_BEAM_ARGS, make_pipeline
    from tfx_balance import StratifiedSplitter

    example_gen = tfx.components.CsvExampleGen(input_base=DATA_DIR)
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='payment_type',
        splits={'train': 8, 'eval': 1, 'test': 1},
    )
    return make_pipeline(
        PIPELINE_NAME, root, [example_gen, splitter], beam_args or DEFAULT_BEAM_ARGS
    )
