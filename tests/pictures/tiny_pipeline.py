"""A small pipeline of every tfx-balance component that reads examples (no model): the notebook
test (``tests/pictures/pictures.ipynb``) runs it with ``InteractiveContext``, and the same
components under LocalDagRunner give the reports the picture tests draw.

ImportExampleGen (train/eval/test of a 3-class numeric data set, 'c' rare) -> StratifiedSplitter
-> StatisticsGen -> ClassDistributionValidator -> BalancedAugmenter -> LeakageCheck
-> BalancedInputGen.
"""

from __future__ import annotations

import os

from tests.support.examples import example, write_records

CLASSES = {'a': 120, 'b': 40, 'c': 8}
SPLITS = {'train': 8, 'eval': 1, 'test': 1}


def write_data(folder: str) -> str:
    """One ``data/all/part-0.gz`` of the classes' examples; returns the input base."""
    records, i = [], 0
    for label, n in CLASSES.items():
        for _ in range(n):
            records.append(example(label=label, id=i, x=0.1 * i, y=float(i % 7)))
            i += 1
    data = os.path.join(folder, 'data')
    write_records(os.path.join(data, 'all', 'part-0.gz'), records)
    return data


def components(data: str) -> list:
    """The pipeline's components, in order."""
    from tfx import v1 as tfx

    from tfx_balance import (
        BalancedAugmenter,
        BalancedInputGen,
        ClassDistributionValidator,
        LeakageCheck,
        StratifiedSplitter,
    )

    gen = tfx.components.ImportExampleGen(
        input_base=data,
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name='all', pattern='all/*')]),
    )
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'], label_feature='label', splits=SPLITS
    )
    statistics = tfx.components.StatisticsGen(examples=splitter.outputs['examples'])
    validator = ClassDistributionValidator(
        statistics=statistics.outputs['statistics'], label_feature='label'
    )
    augmenter = BalancedAugmenter(
        examples=splitter.outputs['examples'], label_feature='label', splits=['train']
    )
    leakage = LeakageCheck(examples=augmenter.outputs['examples'])
    input_gen = BalancedInputGen(examples=augmenter.outputs['examples'], label_feature='label')
    return [gen, splitter, statistics, validator, augmenter, leakage, input_gen]
