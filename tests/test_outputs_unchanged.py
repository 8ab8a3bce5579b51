"""The Beam components write the same outputs as the recorded version, for the same input and seed.

One LocalDagRunner run: ImportExampleGen -> StratifiedSplitter -> BalancedAugmenter ('numeric',
and 'interpolate' with undersampling) -> BalancedInputGen, on examples this test writes. Every
output split is summarised by the content keys of its records (``core.hashing.example_keys``:
ImportExampleGen re-serializes examples, and protobuf writes a feature map in a per-process
order, so the bytes it writes differ between runs while the content does not) and compared with
``testdata/outputs_unchanged.json``, recorded before the package was restructured; the JSON
reports (``split_counts.json``, ``rebalance_plan.json``, ``balance_plan.json``) must be equal.
Within the run, records the splitter and the input gen copy must be byte-identical to their
inputs.

To re-record after a deliberate change of outputs, run with ``TFX_BALANCE_RECORD_OUTPUTS=1`` and
say why in the commit.
"""

import glob
import hashlib
import json
import os

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, write_records
from tfx_balance.core.common.hashing import example_keys

pytestmark = pytest.mark.e2e

GOLDEN = os.path.join(os.path.dirname(__file__), 'testdata', 'outputs_unchanged.json')
COUNTS = {0: 90, 1: 24, 2: 7}
REPORTS = ('split_counts.json', 'rebalance_plan.json', 'balance_plan.json')


def _records(path):
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset([path], compression_type='GZIP')]


def _digest(items) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(hashlib.sha256(item).digest())
    return h.hexdigest()


def _is_synthetic(record: bytes) -> bool:
    feature = example_pb2.Example.FromString(record).features.feature.get('is_synthetic')
    return bool(feature and feature.int64_list.value[0])


def _split_records(artifact_dir: str, per_file: bool) -> dict:
    """``{'Split-<name>/<file or *>': [records]}`` of every split of an artifact."""
    out = {}
    for split_dir in sorted(glob.glob(os.path.join(artifact_dir, 'Split-*'))):
        files = sorted(glob.glob(os.path.join(split_dir, '*')))
        groups = (
            {os.path.basename(f): _records(f) for f in files}
            if per_file
            else {'*': [r for f in files for r in _records(f)]}
        )
        for name, records in groups.items():
            out[f'{os.path.basename(split_dir)}/{name}'] = records
    return out


def summarise(artifact_dir: str, per_file: bool) -> dict:
    """Counts and content-key digests of every split (originals and generated records apart),
    and the reports.

    Record order in Beam's output shards is the runner's choice, so splits are compared as sorted
    multisets, except the input gen's class shards (``per_file``: fixed names and order).
    """
    out = {}
    for name, records in _split_records(artifact_dir, per_file).items():
        # Only the input gen's class shards have a defined record order (sorted by hash).
        ordered = per_file and os.path.basename(name).startswith('class-')
        order = (lambda x: x) if ordered else sorted
        originals = [r for r in records if not _is_synthetic(r)]
        generated = [r for r in records if _is_synthetic(r)]
        out[name] = {
            'count': len(records),
            'original_keys': _digest(order(example_keys(originals))),
            'generated_keys': _digest(order(example_keys(generated))),
        }
    for report in REPORTS:
        path = os.path.join(artifact_dir, report)
        if os.path.exists(path):
            with open(path) as f:
                out[report] = json.load(f)
    return out


@pytest.fixture(scope='module')
def outputs(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, BalancedInputGen, StratifiedSplitter

    root = str(tmp_path_factory.mktemp('outputs_unchanged'))
    records = [
        example(x=[float(c) + i / 7.0, float(i % 5)], y=float(i) / 3.0, tag=f'c{c}-{i}', label=c)
        for c, n in COUNTS.items()
        for i in range(n)
    ]
    write_records(os.path.join(root, 'data', 'examples.tfrecord.gz'), records)

    example_gen = tfx.components.ImportExampleGen(input_base=os.path.join(root, 'data'))
    splitter = StratifiedSplitter(
        examples=example_gen.outputs['examples'],
        label_feature='label',
        splits={'train': 0.7, 'eval': 0.15, 'test': 0.15},
        seed=3,
    )
    numeric = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature='label',
        target='max',
        augmentation='numeric',
        seed=5,
    ).with_id('Numeric')
    interpolate = BalancedAugmenter(
        examples=splitter.outputs['examples'],
        label_feature='label',
        target='mean',
        undersample=True,
        augmentation='interpolate',
        seed=6,
    ).with_id('Interpolate')
    input_gen = BalancedInputGen(
        examples=numeric.outputs['examples'],
        label_feature='label',
        splits=['train'],
        seed=9,
        examples_per_shard=40,
    )
    components = [example_gen, splitter, numeric, interpolate, input_gen]
    run = run_local('outputs-unchanged', root, components)
    return {
        name: run.output(name)
        for name in (
            'ImportExampleGen',
            'StratifiedSplitter',
            'Numeric',
            'Interpolate',
            'BalancedInputGen',
        )
    }


@pytest.fixture(scope='module')
def summaries(outputs):
    return {
        name: summarise(outputs[name], per_file=name == 'BalancedInputGen')
        for name in ('StratifiedSplitter', 'Numeric', 'Interpolate', 'BalancedInputGen')
    }


def test_outputs_equal_the_recorded_ones(summaries):
    if os.environ.get('TFX_BALANCE_RECORD_OUTPUTS') == '1':
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, 'w') as f:
            json.dump(summaries, f, indent=1, sort_keys=True)
            f.write('\n')
    with open(GOLDEN) as f:
        recorded = json.load(f)
    for component in recorded:
        assert summaries[component] == recorded[component], component
    assert set(summaries) == set(recorded)


def _all_records(artifact_dir: str, split: str = '*') -> list:
    files = glob.glob(os.path.join(artifact_dir, f'Split-{split}', '*'))
    return sorted(r for f in files for r in _records(f))


def test_copied_records_are_byte_identical_to_their_inputs(outputs):
    """The splitter partitions its input's records, and the input gen's train shards hold the
    augmenter's train records, byte for byte."""
    assert _all_records(outputs['StratifiedSplitter']) == _all_records(outputs['ImportExampleGen'])
    assert _all_records(outputs['BalancedInputGen'], 'train') == _all_records(
        outputs['Numeric'], 'train'
    )


def test_the_run_generated_and_undersampled(summaries):
    """Guards the fixture itself: the digests above cover generated and dropped examples."""
    numeric = summaries['Numeric']['rebalance_plan.json']['splits']['train']
    interpolate = summaries['Interpolate']['rebalance_plan.json']['splits']['train']
    assert sum(row['generated'] for row in numeric.values()) > 0
    assert sum(row['generated'] for row in interpolate.values()) > 0
    assert sum(row['dropped'] for row in interpolate.values()) > 0
    assert summaries['Numeric']['Split-train/*']['count'] == sum(
        r['output'] for r in numeric.values()
    )
