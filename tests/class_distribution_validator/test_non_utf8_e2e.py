"""ClassDistributionValidator on labels that are not valid UTF-8, in one LocalDagRunner run.

TFDV counts every non-UTF-8 string value under one name (``__BYTES_VALUE__``), so two splits
whose classes have different shares look identical in StatisticsGen's output. Two data sets,
written as TFRecords and read by ImportExampleGen (CsvExampleGen cannot hold such labels):

- ``hex``: the same labels hex-encoded (valid UTF-8): the true L-infinity distance, 0.25, is
  measured and recorded (fail_on_violation=False);
- ``raw``: the raw bytes labels: the check (fail_on_violation=True, run last) fails with a
  DataError saying why the distance cannot be measured, and nothing is written.
"""

import glob
import gzip
import json
import os
import shutil
import tempfile

import pytest
import tensorflow as tf

pytestmark = pytest.mark.e2e

CLASSES = (b'\xff\x01', b'\xfe\x02')
SPLITS = {'train': (50, 50), 'eval': (75, 25)}  # L-infinity 0.25


def _write(root, name, encode):
    for split, counts in SPLITS.items():
        os.makedirs(os.path.join(root, name, split))
        path = os.path.join(root, name, split, 'data.tfrecord.gz')
        with tf.io.TFRecordWriter(path, options='GZIP') as writer:
            for label, count in zip(CLASSES, counts):
                for i in range(count):
                    example = tf.train.Example()
                    example.features.feature['label'].bytes_list.value.append(encode(label))
                    example.features.feature['x'].float_list.value.append(float(i))
                    writer.write(example.SerializeToString())
    with gzip.open(path, 'rb') as f:
        assert f.read(1)  # a real gzip file
    return os.path.join(root, name)


@pytest.fixture(scope='module')
def run():
    from tfx import v1 as tfx
    from tfx.proto import example_gen_pb2

    from tests.support.local_dag import run_local
    from tfx_balance import ClassDistributionValidator

    root = tempfile.mkdtemp(prefix='cdv_utf8_')
    input_config = example_gen_pb2.Input(
        splits=[example_gen_pb2.Input.Split(name=s, pattern=f'{s}/*') for s in SPLITS]
    )
    components = []
    checks = {}
    for name, encode, fail in (
        ('hex', lambda b: b.hex().encode(), False),
        ('raw', lambda b: b, True),
    ):
        gen = tfx.components.ImportExampleGen(
            input_base=_write(root, name, encode),
            input_config=input_config,
        ).with_id(f'{name}_gen')
        stats = tfx.components.StatisticsGen(examples=gen.outputs['examples']).with_id(
            f'{name}_stats'
        )
        checks[name] = ClassDistributionValidator(
            statistics=stats.outputs['statistics'],
            label_feature='label',
            fail_on_violation=fail,
        ).with_id(f'{name}_check')
        components += [gen, stats, checks[name]]
    checks['raw'].add_upstream_node(checks['hex'])  # the failing check runs last
    # The raw check must stop the run: its error is kept for the tests.
    done = run_local('cdv-utf8', root, components, raises=Exception)
    yield done.pipeline_root, done.error
    shutil.rmtree(root, ignore_errors=True)


def test_hex_encoded_labels_give_the_true_distance(run):
    from tests.support.artifacts import latest_artifact_dir

    root, _ = run
    out = latest_artifact_dir(root, 'hex_check', 'anomalies')
    with open(os.path.join(out, 'class_distribution.json')) as f:
        summary = json.load(f)
    assert summary['counts'] == {
        'fe02': {'train': 50, 'eval': 25},
        'ff01': {'train': 50, 'eval': 75},
    }
    assert summary['split_distances'][0]['linf'] == pytest.approx(0.25)
    assert not summary['passed']


def test_non_utf8_labels_fail_the_pipeline_with_a_data_error_saying_why(run):
    from tfx_balance.core.common.errors import DataError

    root, error = run
    assert error is not None
    cause = error
    while cause is not None and not isinstance(cause, DataError):
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, DataError), repr(error)
    message = str(cause)
    assert "label_feature 'label' of split 'train' has 100 value(s) that are not valid UTF-8" in (
        message
    )
    assert "'__BYTES_VALUE__'" in message and 'no class distribution can be measured' in message
    assert 'hex-encode' in message
    assert not glob.glob(os.path.join(root, 'raw_check', 'anomalies', '*', '*'))
