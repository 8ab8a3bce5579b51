"""An empty label name (issue 38, case 2) under LocalDagRunner: ClassDistributionValidator refuses
it as StratifiedSplitter does, with the same message, whether it counts the labels from the
examples or reads them from StatisticsGen's statistics, single-label or multi-label. Before, the
validator counted ``b''`` as a label where the splitter and BalancedInputGen refused it."""

import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e


def _records(split):
    rows = [example(tags=['a', 'b'] if i % 3 else ['a'], label='x', n=i) for i in range(12)]
    if split == 'eval':
        rows.append(example(tags=['b', ''], label='', n=99))  # an empty name, as a label too
    return rows


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('empty_label')
    for split in ('train', 'eval'):
        write_records(os.path.join(root, 'data', split, 'part-0.gz'), _records(split))
    return root


def _run(root, name, make):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance.core.common.errors import DataError

    gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name=s, pattern=f'{s}/*') for s in ('train', 'eval')]
        ),
    )
    stats = tfx.components.StatisticsGen(examples=gen.outputs['examples'])
    run = run_local(name, str(root / name), [gen, stats, make(gen, stats)], raises=DataError)
    assert run.error is not None, f'{name} ran to the end on an empty label name'
    return str(run.error)


def _splitter(gen, stats, **kwargs):
    from tfx_balance import StratifiedSplitter

    return StratifiedSplitter(examples=gen.outputs['examples'], input_splits=['eval'], **kwargs)


def _validator(gen, stats, with_examples, **kwargs):
    from tfx_balance import ClassDistributionValidator

    if with_examples:
        kwargs['examples'] = gen.outputs['examples']
    return ClassDistributionValidator(statistics=stats.outputs['statistics'], **kwargs)


def test_multi_label_validator_counting_examples_refuses_it_as_the_splitter_does(data):
    ids = dict(label_feature='tags', multi_label='ids')
    splitter = _run(data, 'splitter-ids', lambda g, s: _splitter(g, s, **ids))
    validator = _run(data, 'validator-ids', lambda g, s: _validator(g, s, True, **ids))
    assert "label_feature 'tags' (multi_label='ids') in split 'eval' is an empty string" in splitter
    assert validator == splitter


@pytest.mark.parametrize(
    'label, multi_label', [('tags', 'ids'), ('label', None)], ids=['multi-label', 'single-label']
)
def test_validator_reading_statistics_refuses_it_too(data, label, multi_label):
    args = dict(label_feature=label, multi_label=multi_label)
    message = _run(data, f'stats-{label}', lambda g, s: _validator(g, s, False, **args))
    assert f"label_feature '{label}'" in message
    assert "in split 'eval' is an empty string in 1 example(s), by its statistics" in message
