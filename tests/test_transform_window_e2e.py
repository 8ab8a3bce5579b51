"""Transform over the training window under LocalDagRunner (issue 82, case 7): a periodic pipeline
(ImportExampleGen, StratifiedSplitter, BalancedInputGen, Transform with ``materialize=False``;
window 3) run for spans 1, 2 and 3, and a one-shot pipeline whose stock TFX Transform analyzes the
three runs' training examples laid out as one. Span 3's vocabulary equals the one-shot one, and
differs from span 3's own examples' (the tokens are chosen so that every span alone orders them
differently)."""

import os
import shutil
import tempfile

import pytest

from tests.support.examples import example, write_records
from tests.test_transform_window import PREPROCESSING, SCHEMA  # a vocabulary of 'token'

pytestmark = pytest.mark.e2e

# Each span's tokens by count; over the three spans: c 10, b 9, a 7, d 3 (and alone they differ).
TOKENS = {
    1: {'a': 6, 'b': 4},
    2: {'b': 5, 'c': 3, 'a': 1},
    3: {'c': 7, 'd': 3},
}


def _records(span):
    """``TOKENS[span]``, each token written 10 times over: the splitter's 8:2 keeps 8 of each in
    ``train`` (every token its own class; no example recurs in another span)."""
    return [
        example(token=token, label=token, x=float(1000 * span + n))
        for token, count in TOKENS[span].items()
        for n in range(10 * count)
    ]


def _schema_and_module(root):
    from tfx import v1 as tfx

    os.makedirs(os.path.join(root, 'schema'), exist_ok=True)
    with open(os.path.join(root, 'schema', 'schema.pbtxt'), 'w') as f:
        f.write(SCHEMA)
    module = os.path.join(root, 'preprocessing.py')
    with open(module, 'w') as f:
        f.write(PREPROCESSING)
    schema = tfx.components.ImportSchemaGen(
        schema_file=os.path.join(root, 'schema', 'schema.pbtxt')
    )
    return schema, module


def _transform(examples, schema, module):
    from tfx import v1 as tfx

    return tfx.components.Transform(
        examples=examples,
        schema=schema.outputs['schema'],
        module_file=module,
        materialize=False,
        disable_statistics=True,
    )


def _periodic_components(root, span):
    from tfx import v1 as tfx

    from tfx_balance import BalancedInputGen, StratifiedSplitter, periodic

    gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN}/*')]
        ),
        range_config=tfx.proto.RangeConfig(
            static_range=tfx.proto.StaticRange(start_span_number=span, end_span_number=span)
        ),
    )
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'], label_feature='label', splits={'train': 8, 'eval': 2}
    )
    layout = BalancedInputGen(examples=splitter.outputs['examples'], label_feature='label')
    schema, module = _schema_and_module(root)
    transform = _transform(layout.outputs['examples'], schema, module)
    return periodic(
        [gen, splitter, layout, schema, transform],
        history_root=os.path.join(root, 'history'),
        pipeline_name='transform-window-e2e',
        horizon=3,
        window=3,
    )


def _one_shot_components(root, train_records):
    """The training examples of the three spans as one ``train`` split, laid out and analyzed by
    TFX's own Transform."""
    from tfx import v1 as tfx

    from tfx_balance import BalancedInputGen

    write_records(os.path.join(root, 'data', 'train', 'part-0.gz'), train_records)
    gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(root, 'data'),
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='train', pattern='train/*')]
        ),
    )
    layout = BalancedInputGen(examples=gen.outputs['examples'], label_feature='label')
    schema, module = _schema_and_module(root)
    return [gen, layout, schema, _transform(layout.outputs['examples'], schema, module)]


def _vocabulary(run):
    with open(
        os.path.join(run.output('Transform', 'transform_graph'), 'transform_fn', 'assets', 'tokens')
    ) as f:
        return f.read().split()


@pytest.fixture(scope='module')
def vocabularies():
    """``{'window': span 3's periodic run, 'as_one': the one-shot run, 'train': the tokens of
    each span's train split}``."""
    from tests.support.artifacts import read_split
    from tests.support.local_dag import run_local

    root = tempfile.mkdtemp(prefix='transform_window_e2e_')
    periodic_root, one_shot_root = os.path.join(root, 'periodic'), os.path.join(root, 'one-shot')
    trains = {}
    for span in (1, 2, 3):
        write_records(
            os.path.join(periodic_root, 'data', f'span-{span}', 'part-0.gz'), _records(span)
        )
        run = run_local(
            'transform-window-e2e', periodic_root, _periodic_components(periodic_root, span)
        )
        trains[span] = read_split(run.output('StratifiedSplitter'), 'train')
    window = _vocabulary(run)
    train = [record for records in trains.values() for record in records]
    one_shot = run_local(
        'transform-window-e2e-one-shot', one_shot_root, _one_shot_components(one_shot_root, train)
    )
    yield {'window': window, 'as_one': _vocabulary(one_shot), 'train': trains}
    shutil.rmtree(root, ignore_errors=True)


def test_each_span_keeps_eight_of_every_ten_examples_of_a_token_in_train(vocabularies):
    from tests.support.artifacts import label_counts

    for span, records in vocabularies['train'].items():
        assert label_counts(records, 'token') == {t: 8 * n for t, n in TOKENS[span].items()}


def test_span_3s_transform_analyzes_the_window_like_the_three_spans_laid_out_as_one(vocabularies):
    assert vocabularies['window'] == vocabularies['as_one'] == ['c', 'b', 'a', 'd']


def test_the_window_vocabulary_is_not_span_3s_own(vocabularies):
    assert vocabularies['window'] != ['c', 'd']  # what Transform over span 3 alone would find
