"""Issue 9 determinism and runner parity of the Beam components (executors on real artifacts).

For BalancedAugmenter ('image', 'numeric', 'interpolate', 'smote') and BalancedInputGen, the same seed
gives the same output (a) across two runs, (b) in-process and under
``--direct_running_mode=multi_processing --direct_num_workers=2``, and (c) with the input
records reversed and spread over a different number of files. StratifiedSplitter's parity is
pinned by tests/stratified_splitter/test_executor.py (sharding, order) and test_e2e.py (two runs,
other seed, multi_processing under LocalDagRunner). That another seed gives other output is
pinned by tests/core/test_augment.py and tests/core/balanced_input_gen/.
"""

import collections
import json
import os

import numpy as np
import pytest

from tests.reliability.runners import AUGMENTER, INPUT_GEN, run, sharded_artifact
from tests.support.artifacts import read_json
from tests.support.examples import example
from tfx_balance.core.common import keys

MULTI_PROCESSING = ['--direct_running_mode=multi_processing', '--direct_num_workers=2']
SEED = 3
# 'smote' with k = 1: class 'c' has 2 examples (a source and its one neighbour).
OPTIONS = {'smote': json.dumps({'k': 1})}


def _png(i: int) -> bytes:
    import tensorflow as tf

    pixels = (np.arange(64, dtype=np.int64).reshape(8, 8, 1) * (i + 1) * 7) % 251
    return tf.io.encode_png(pixels.astype(np.uint8)).numpy()


# 3 classes of 12, 4 and 2: the augmenter generates 8 + 10 examples, the boundary buckets and
# ceil/floor copy counts are exercised; every example has an image and two float features.
RECORDS = [
    example(label=name, x=[float(i), i / 3.0], image=_png(i))
    for i, name in enumerate(['a'] * 12 + ['b'] * 4 + ['c'] * 2)
]


def _output(uri: str) -> dict:
    """Every output file's records (name -> list in file order) and the plan documents."""
    import tensorflow as tf

    result = {}
    for root, _, files in sorted(os.walk(uri)):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, uri)
            if name.endswith('.json'):
                result[rel] = read_json(path)
            else:
                result[rel] = [
                    bytes(r.numpy()) for r in tf.data.TFRecordDataset(path, compression_type='GZIP')
                ]
    return result


def _split_multiset(output: dict, split: str) -> collections.Counter:
    records = collections.Counter()
    for rel, value in output.items():
        if rel.startswith(f'Split-{split}{os.sep}'):
            records.update(value)
    return records


def _run(root, component, shards=1, reverse=False, context=None, seed=SEED, **props):
    records = RECORDS[::-1] if reverse else RECORDS
    examples = sharded_artifact(str(root / 'in'), records, shards)
    out = run(component, examples, str(root / 'out'), context, **{keys.SEED_KEY: seed, **props})
    return _output(out.uri)


def _multi_processing_context():
    from tfx.dsl.components.base import base_beam_executor

    return base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=MULTI_PROCESSING)


@pytest.fixture(scope='module')
def baseline(tmp_path_factory):
    """The in-process, one-file output of each (component, augmentation), computed once."""
    cache = {}

    def get(component, augmentation=None):
        key = (component, augmentation)
        if key not in cache:
            props = _props(augmentation)
            root = tmp_path_factory.mktemp(f'baseline-{component}-{augmentation}')
            cache[key] = _run(root, component, **props)
        return cache[key]

    return get


def _props(augmentation) -> dict:
    if not augmentation:
        return {}
    return {
        keys.AUGMENTATION_KEY: augmentation,
        keys.AUGMENTATION_OPTIONS_KEY: OPTIONS.get(augmentation),
    }


def _augmenter_counts(output: dict) -> dict:
    from tests.support.artifacts import label_counts

    return label_counts(list(_split_multiset(output, 'train').elements()), 'label')


@pytest.mark.parametrize('augmentation', ['image', 'numeric', 'interpolate', 'smote'])
def test_augmenter_same_seed_same_records_across_runs_file_order_and_sharding(
    tmp_path, baseline, augmentation
):
    first = baseline(AUGMENTER, augmentation)
    assert _augmenter_counts(first) == {'a': 12, 'b': 12, 'c': 12}
    props = _props(augmentation)
    again = _run(tmp_path / 'again', AUGMENTER, **props)
    assert _split_multiset(again, 'train') == _split_multiset(first, 'train')
    assert again[keys.REBALANCE_PLAN_FILE] == first[keys.REBALANCE_PLAN_FILE]
    resharded = _run(tmp_path / 'resharded', AUGMENTER, shards=3, reverse=True, **props)
    assert _split_multiset(resharded, 'train') == _split_multiset(first, 'train')


def test_input_gen_same_seed_same_files_across_runs_file_order_and_sharding(tmp_path, baseline):
    first = baseline(INPUT_GEN)
    assert sorted(first) == [
        'Split-train/class-00000-a-00000-of-00003.gz',
        'Split-train/class-00000-a-00001-of-00003.gz',
        'Split-train/class-00000-a-00002-of-00003.gz',
        'Split-train/class-00001-b-00000-of-00001.gz',
        'Split-train/class-00002-c-00000-of-00001.gz',
        keys.BALANCE_PLAN_FILE,
    ]
    # The layout is exact: the same files with the same records in the same order.
    assert _run(tmp_path / 'again', INPUT_GEN) == first
    assert _run(tmp_path / 'resharded', INPUT_GEN, shards=3, reverse=True) == first


@pytest.mark.e2e
@pytest.mark.parametrize(
    'component, augmentation',
    [(AUGMENTER, 'image'), (AUGMENTER, 'numeric'), (AUGMENTER, 'smote'), (INPUT_GEN, None)],
)
def test_multi_processing_runner_gives_the_in_process_output(
    tmp_path, baseline, component, augmentation
):
    props = _props(augmentation)
    multi = _run(tmp_path, component, context=_multi_processing_context(), **props)
    first = baseline(component, augmentation)
    if component == AUGMENTER:
        assert _split_multiset(multi, 'train') == _split_multiset(first, 'train')
        assert multi[keys.REBALANCE_PLAN_FILE] == first[keys.REBALANCE_PLAN_FILE]
    else:
        assert multi == first
