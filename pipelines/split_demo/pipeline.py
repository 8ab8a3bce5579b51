"""Interim demo: CsvExampleGen on the Chicago taxi CSV shipped in the tfx wheel, then
StratifiedSplitter on ``payment_type``. Prints the per-class count table per split."""

from __future__ import annotations

import os

import tfx
from tfx import v1 as tfx_v1

from tfx_balance import StratifiedSplitter

PIPELINE_NAME = 'tfx-balance-split-demo'


def taxi_csv_dir() -> str:
    """Folder of the 15,002-row Chicago taxi CSV that ships inside the tfx wheel."""
    return os.path.join(
        os.path.dirname(tfx.__file__), 'examples', 'chicago_taxi_pipeline', 'data', 'simple'
    )


def create_pipeline(root: str, seed: int = 0, beam_args=None) -> tfx_v1.dsl.Pipeline:
    example_gen = tfx_v1.components.CsvExampleGen(input_base=taxi_csv_dir())
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='payment_type',
        splits={'train': 8, 'eval': 1, 'test': 1},
        seed=seed,
    )
    return tfx_v1.dsl.Pipeline(
        pipeline_name=PIPELINE_NAME,
        pipeline_root=os.path.join(root, 'pipeline_root'),
        components=[example_gen, splitter],
        metadata_connection_config=tfx_v1.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, 'metadata.db')
        ),
        beam_pipeline_args=beam_args or ['--direct_num_workers=1'],
    )
