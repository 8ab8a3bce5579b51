"""BalancedAugmenter on bytes labels that are not UTF-8, with a ``target`` dict keyed by them.

The component used to fail while the pipeline was built (``UnicodeDecodeError`` on the keys).
Bytes keys reach the executor losslessly (``{"base64": ...}`` in the exec property), name the
class whose label bytes they equal, and the plan document keeps them lossless too.
"""

import collections
import json
import os

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.artifacts import latest_artifact_dir, read_json, read_split
from tfx_balance.core.common import keys

# Three classes: two labels that are not valid UTF-8 (one Latin-1), one that is.
FFFE, LATIN1, OK = b'\xff\xfe', b'caf\xe9', b'ok'
COUNTS = {FFFE: 5, LATIN1: 12, OK: 3}
TARGET = {FFFE: 10, LATIN1: 4}
EXPECTED = {FFFE: 10, LATIN1: 4, OK: 3}  # undersample=True: LATIN1 down to 4, OK unnamed


def _records():
    out = []
    for label, n in COUNTS.items():
        for i in range(n):
            ex = example_pb2.Example()
            ex.features.feature['x'].float_list.value[:] = [float(i), len(label) / 2.0]
            ex.features.feature['label'].bytes_list.value[:] = [label]
            out.append(ex.SerializeToString(deterministic=True))
    return out


def _counts(records):
    counts = collections.Counter()
    for r in records:
        f = example_pb2.Example.FromString(r).features.feature
        counts[f['label'].bytes_list.value[0], f['is_synthetic'].int64_list.value[0]] += 1
    return dict(counts)


EXPECTED_COUNTS = {
    (FFFE, 0): 5,
    (FFFE, 1): 5,
    (LATIN1, 0): 4,
    (OK, 0): 3,
}
EXPECTED_ROWS = {
    '\\xff\\xfe': {'input': 5, 'target': 10, 'generated': 5, 'dropped': 0, 'output': 10},
    'caf\\xe9': {'input': 12, 'target': 4, 'generated': 0, 'dropped': 8, 'output': 4},
    'ok': {'input': 3, 'target': 3, 'generated': 0, 'dropped': 0, 'output': 3},
}


def test_component_encodes_bytes_keys_losslessly_and_the_executor_matches_them(tmp_path):
    from tfx import types
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.balanced_augmenter.component import BalancedAugmenter
    from tfx_balance.balanced_augmenter.executor import Executor

    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / 'input')
    examples.split_names = artifact_utils.encode_split_names(['train'])
    examples_utils.set_payload_format(examples, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    os.makedirs(os.path.join(examples.uri, 'Split-train'))
    with tf.io.TFRecordWriter(os.path.join(examples.uri, 'Split-train', 'data.gz'), 'GZIP') as w:
        for r in _records():
            w.write(r)
    component = BalancedAugmenter(
        examples=types.Channel(type=standard_artifacts.Examples),
        label_feature='label',
        target=TARGET,
        undersample=True,
        augmentation='numeric',
    )
    props = dict(component.exec_properties)
    assert json.loads(props[keys.TARGET_KEY]) == [
        [{'base64': '//4='}, 10],
        [{'base64': 'Y2Fm6Q=='}, 4],
    ]
    output = standard_artifacts.Examples()
    output.uri = str(tmp_path / 'output')
    os.makedirs(output.uri)
    Executor().Do({keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, props)
    assert _counts(read_split(output.uri, 'train')) == EXPECTED_COUNTS
    plan = read_json(os.path.join(output.uri, keys.REBALANCE_PLAN_FILE))
    assert plan['splits'] == {'train': EXPECTED_ROWS}
    assert plan['target'] == [[{'base64': '//4='}, 10], [{'base64': 'Y2Fm6Q=='}, 4]]


@pytest.mark.e2e
def test_local_dag_runner_rebalances_non_utf8_labels_named_by_bytes_keys(tmp_path):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter

    data_dir = tmp_path / 'data'
    for split, records in (('train', _records()), ('eval', _records()[::4])):
        (data_dir / split).mkdir(parents=True)
        with tf.io.TFRecordWriter(str(data_dir / split / 'data.tfrecord')) as writer:
            for r in records:
                writer.write(r)
    example_gen = tfx.components.ImportExampleGen(
        input_base=str(data_dir),
        input_config=tfx.proto.Input(
            splits=[
                tfx.proto.Input.Split(name=split, pattern=f'{split}/*')
                for split in ('train', 'eval')
            ]
        ),
    )
    augmenter = BalancedAugmenter(
        examples=example_gen.outputs['examples'],
        label_feature='label',
        target=TARGET,
        undersample=True,
        augmentation='copy',
        seed=4,
    )
    run = run_local('augmenter_bytes_labels', str(tmp_path), [example_gen, augmenter])
    root = run.pipeline_root
    out = latest_artifact_dir(root, 'BalancedAugmenter')
    assert _counts(read_split(out, 'train')) == EXPECTED_COUNTS
    plan = read_json(os.path.join(out, keys.REBALANCE_PLAN_FILE))
    assert plan['splits'] == {'train': EXPECTED_ROWS}
    eval_in = read_split(latest_artifact_dir(root, 'ImportExampleGen'), 'eval')
    assert sorted(read_split(out, 'eval')) == sorted(eval_in) and len(eval_in) == 5
