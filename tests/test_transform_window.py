"""Transform over the training window (issue 82, case 7): ``tfx_executors.TransformExecutor`` run
on the layout of span 3, whose plan names the layouts of spans 1 and 2, computes the vocabulary
TFX's Transform computes over the three spans laid out as one. TFX's real Transform executor,
called directly (as the orchestrators call it); the layouts are their class files and plans."""

import json
import os

import pytest

from tests.support.examples import example, write_records

SPANS = {
    1: ['a'] * 5 + ['b'] * 3,
    2: ['b'] * 4 + ['c'] * 2,
    3: ['c'] * 6 + ['d'],
}
PREPROCESSING = """
import tensorflow_transform as tft


def preprocessing_fn(inputs):
    return {'token_id': tft.compute_and_apply_vocabulary(inputs['token'], vocab_filename='tokens')}
"""
SCHEMA = """
feature { name: "token" type: BYTES presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "label" type: BYTES presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
"""


def _layout(uri, spans, window=()):
    """A per-class layout of ``spans``' tokens: one class file per label, and its plan."""
    for label in ('x', 'y'):
        records = [
            example(token=t, label=label)
            for s in spans
            for n, t in enumerate(SPANS[s])
            if (n % 2 == 0) == (label == 'x')
        ]
        write_records(os.path.join(uri, 'Split-train', f'class-{label}.gz'), records)
    plan = {'splits': {'train': {}}, 'spans': list(spans), **({'window': window} if window else {})}
    with open(os.path.join(uri, 'balance_plan.json'), 'w') as f:
        json.dump(plan, f)
    return uri


def _vocabulary(executor_class, layout, tmp_path, name):
    from tfx.types import artifact_utils, standard_artifacts

    examples = standard_artifacts.Examples()
    examples.uri = layout
    examples.split_names = artifact_utils.encode_split_names(['train'])
    examples.set_string_custom_property('payload_format', 'FORMAT_TF_EXAMPLE')
    schema = standard_artifacts.Schema()
    schema.uri = str(tmp_path / 'schema')
    os.makedirs(schema.uri, exist_ok=True)
    (tmp_path / 'schema' / 'schema.pbtxt').write_text(SCHEMA)
    graph = standard_artifacts.TransformGraph()
    graph.uri = str(tmp_path / name)
    module = tmp_path / 'preprocessing.py'
    module.write_text(PREPROCESSING)
    executor_class().Do(
        {'examples': [examples], 'schema': [schema]},
        {'transform_graph': [graph]},
        {'module_file': str(module), 'disable_statistics': 1, 'force_tf_compat_v1': 0},
    )
    with open(os.path.join(graph.uri, 'transform_fn', 'assets', 'tokens')) as f:
        return f.read().split()


@pytest.fixture(scope='module')
def layouts(tmp_path_factory):
    root = tmp_path_factory.mktemp('layouts')
    one, two = _layout(str(root / '1'), [1]), _layout(str(root / '2'), [2])
    return {
        'window': _layout(str(root / '3'), [3], window=[one, two]),
        'as_one': _layout(str(root / 'all'), [1, 2, 3]),
    }


def test_transform_analyzes_the_window_a_layout_names_like_the_spans_laid_out_as_one(
    layouts, tmp_path
):
    from tfx.components.transform import executor as tfx_transform

    from tfx_balance.orchestration.tfx_executors import TransformExecutor

    window = _vocabulary(TransformExecutor, layouts['window'], tmp_path, 'window')
    as_one = _vocabulary(tfx_transform.Executor, layouts['as_one'], tmp_path, 'as_one')
    assert window == as_one == ['c', 'b', 'a', 'd']  # by frequency over the three spans


def test_the_window_is_the_layouts_the_plan_names_then_its_own(layouts):
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.orchestration.tfx_executors import window_examples

    examples = standard_artifacts.Examples()
    examples.uri = layouts['window']
    examples.split_names = artifact_utils.encode_split_names(['train'])
    found = window_examples([examples])
    assert [os.path.basename(a.uri) for a in found] == ['1', '2', '3']
    assert found[-1] is examples
    examples.uri = layouts['as_one']  # no window: as it is
    assert window_examples([examples]) == [examples]
