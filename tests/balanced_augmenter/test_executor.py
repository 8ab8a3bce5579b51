"""BalancedAugmenter component and executor on real Examples artifacts (no orchestrator)."""

import collections
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2
from tfx import types
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_artifacts

from tests.support.examples import example, make_examples_artifact
from tfx_balance.balanced_augmenter.component import BalancedAugmenter
from tfx_balance.balanced_augmenter.executor import Executor
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.hashing import example_keys, fingerprint

TESTDATA = os.path.join(os.path.dirname(__file__), 'testdata')


def _example(i, label):
    ex = example_pb2.Example()
    ex.features.feature['x'].float_list.value[:] = [float(i), i / 10.0]
    ex.features.feature['label'].bytes_list.value[:] = [label]
    return ex.SerializeToString()


SPLITS = {
    'train': [_example(i, b'big') for i in range(12)] + [_example(i, b'small') for i in range(3)],
    'eval': [_example(100 + i, b'big' if i % 2 else b'small') for i in range(5)],
}


@pytest.fixture
def examples(tmp_path):
    artifact = standard_artifacts.Examples()
    artifact.uri = str(tmp_path / 'input')
    artifact.split_names = artifact_utils.encode_split_names(list(SPLITS))
    examples_utils.set_payload_format(artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    artifact.span = 3
    for split, records in SPLITS.items():
        folder = os.path.join(artifact.uri, f'Split-{split}')
        os.makedirs(folder)
        with tf.io.TFRecordWriter(os.path.join(folder, 'data.gz'), 'GZIP') as writer:
            for r in records:
                writer.write(r)
    return artifact


def _run(examples, tmp_path, **kwargs):
    output = standard_artifacts.Examples()
    output.uri = str(tmp_path / 'output')
    os.makedirs(output.uri, exist_ok=True)
    component = BalancedAugmenter(
        examples=types.Channel(type=standard_artifacts.Examples),
        **{'label_feature': 'label', **kwargs},
    )
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]},
        {keys.EXAMPLES_KEY: [output]},
        dict(component.exec_properties),
    )
    return output


def _read(uri, split):
    pattern = os.path.join(uri, f'Split-{split}', '*')
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(tf.io.gfile.glob(pattern), 'GZIP')]


def test_rebalances_train_passes_eval_through_and_writes_the_plan(examples, tmp_path):
    output = _run(examples, tmp_path, target='max', augmentation='numeric', seed=1)
    counts = collections.Counter()
    for r in _read(output.uri, 'train'):
        f = example_pb2.Example.FromString(r).features.feature
        counts[f['label'].bytes_list.value[0], f['is_synthetic'].int64_list.value[0]] += 1
    assert counts == {(b'big', 0): 12, (b'small', 0): 3, (b'small', 1): 9}
    with open(os.path.join(examples.uri, 'Split-eval', 'data.gz'), 'rb') as a:
        with open(os.path.join(output.uri, 'Split-eval', 'data.gz'), 'rb') as b:
            assert a.read() == b.read()
    assert artifact_utils.decode_split_names(output.split_names) == ['train', 'eval']
    assert examples_utils.get_payload_format(output) == (
        example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE
    )
    assert output.span == 3
    with open(os.path.join(output.uri, keys.REBALANCE_PLAN_FILE)) as f:
        plan = json.load(f)
    assert plan['splits'] == {
        'train': {
            'big': {'input': 12, 'target': 12, 'generated': 0, 'dropped': 0, 'output': 12},
            'small': {'input': 3, 'target': 12, 'generated': 9, 'dropped': 0, 'output': 12},
        }
    }
    assert (plan['target'], plan['augmentation'], plan['seed']) == ('max', 'numeric', 1)


@pytest.mark.parametrize(
    'kwargs, error, message',
    [
        ({'splits': ['train', 'nope']}, ConfigError, r"splits names split\(s\) 'nope'"),
        ({'label_feature': 'y'}, DataError, "label_feature 'y' not found in an example in split"),
        ({'target': {'medium': 4}}, DataError, "class 'medium' is not in the data"),
        (
            {'module_file': os.path.join(TESTDATA, 'no_augment_fn.py')},
            ConfigError,
            'does not define augment_fn',
        ),
        (
            {'module_file': os.path.join(TESTDATA, 'raising_augment_fn.py')},
            DataError,
            r'augment_fn raised RuntimeError: cannot augment this one on source example '
            r"[0-9a-f]{16} of class 'small' in split 'train'",
        ),
    ],
    ids=['unknown-split', 'unknown-label', 'absent-class', 'no-augment-fn', 'augment-fn-raises'],
)
def test_errors_name_the_problem_and_leave_no_output(examples, tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        _run(examples, tmp_path, **kwargs)
    assert os.listdir(tmp_path / 'output') == []


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'target': -2}, 'cannot be negative'),
        ({'target': {'small': -1}}, 'cannot be negative'),
        ({'augmentation': 'adasyn'}, "augmentation 'adasyn' is not supported"),
        ({'splits': []}, 'splits is empty; name at least one split'),
    ],
)
def test_component_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        BalancedAugmenter(
            examples=types.Channel(type=standard_artifacts.Examples),
            label_feature='label',
            **kwargs,
        )


def _reject_constant(name):
    raise ValueError(f'rebalance_plan.json holds {name}, which is not JSON')


@pytest.mark.parametrize('augmentation', ['numeric', 'interpolate'])
def test_nan_and_inf_stay_in_their_own_examples_and_the_plan_is_strict_json(tmp_path, augmentation):
    small = [0.0, 1.0, 2.0, float('nan'), float('inf'), float('-inf')]
    records = [example(label='big', x=[float(i), 0.5]) for i in range(20)] + [
        example(label='small', x=[v, 0.25 * i], row=i) for i, v in enumerate(small)
    ]
    examples = make_examples_artifact(str(tmp_path / 'input'), {'train': records})
    output = _run(examples, tmp_path, target='max', augmentation=augmentation, seed=5)
    with open(os.path.join(output.uri, keys.REBALANCE_PLAN_FILE)) as f:
        plan = json.loads(f.read(), parse_constant=_reject_constant)
    assert plan['splits']['train']['small'] == {
        'input': 6, 'target': 20, 'generated': 14, 'dropped': 0, 'output': 20
    }  # fmt: skip
    sources = {
        fingerprint(key): example_pb2.Example.FromString(r).features.feature['x'].float_list.value
        for r, key in zip(records, example_keys(records))
    }
    kinds = collections.Counter()
    for r in _read(output.uri, 'train'):
        f = example_pb2.Example.FromString(r).features.feature
        if not f['is_synthetic'].int64_list.value[0]:
            continue
        x = np.array(f['x'].float_list.value, np.float32)
        own = np.array(sources[f['source_fingerprint'].bytes_list.value[0].decode()], np.float32)
        # Finite, in the range of the class's finite values of 'x' ([0, 2]).
        assert 0.0 <= x[1] <= 2.0  # the second value of 'x' is finite in every example
        if np.isfinite(own[0]):
            assert 0.0 <= x[0] <= 2.0, x
            kinds['finite'] += 1
        else:
            assert x[0].tobytes() == own[0].tobytes()  # NaN stays NaN, +-inf stays +-inf
            kinds[str(own[0])] += 1
    # 14 copies of 6 sources: 2 or 3 each.
    assert sum(kinds.values()) == 14 and 6 <= kinds['finite'] <= 8
    assert all(kinds[k] in (2, 3) for k in ('nan', 'inf', '-inf')), kinds
