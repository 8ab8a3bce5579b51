"""ClassDistributionValidator with multi_label under LocalDagRunner, in one run.

ImportExampleGen reads three splits written here with exact per-label counts (a stratified 4:1
'train'/'eval' pair and a 'skewed' split whose label 'c' has prevalence 0.2 instead of 0.05);
each example carries the same labels twice: as bytes names (``tags``, ``multi_label='ids'``,
prevalence from StatisticsGen's statistics) and as a 3-position multi-hot vector (``hot``,
``multi_label='multi_hot'``, counted from the examples). Stratified: PASS with
fail_on_violation=True; skewed: FAIL naming the label and the split, recorded
(fail_on_violation=False) for ids, and stopping the run (True) for multi-hot.
"""

import glob
import json
import os
import shutil
import tempfile

import pytest

from tests.core.class_distribution_validator.label_set_data import (
    EVAL,
    SKEWED_EVAL,
    TRAIN,
    label_sets,
)
from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

POSITION = {b'a': 0, b'b': 1, b'c': 2}


def _records(n, counts, unlabeled):
    out = []
    for i, labels in enumerate(label_sets(n, counts, unlabeled)):
        features = {'hot': [int(name in labels) for name in POSITION], 'x': float(i)}
        if labels:
            features['tags'] = list(labels)
        out.append(example(**features))
    return out


@pytest.fixture(scope='module')
def run():
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import ClassDistributionValidator

    root = tempfile.mkdtemp(prefix='cdv_multilabel_e2e_')
    data = os.path.join(root, 'data')
    for split, spec in (('train', TRAIN), ('eval', EVAL), ('skewed', SKEWED_EVAL)):
        write_records(os.path.join(data, split, 'data.gz'), _records(*spec))
    example_gen = tfx.components.ImportExampleGen(
        input_base=data,
        input_config=tfx.proto.Input(
            splits=[
                tfx.proto.Input.Split(name=split, pattern=f'{split}/*')
                for split in ('train', 'eval', 'skewed')
            ]
        ),
    )
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs['examples'])

    def check(component_id, label, mode, compare, **kwargs):
        if mode == 'multi_hot':
            kwargs['examples'] = example_gen.outputs['examples']
        return ClassDistributionValidator(
            statistics=statistics_gen.outputs['statistics'],
            label_feature=label,
            multi_label=mode,
            compare_splits=compare,
            **kwargs,
        ).with_id(component_id)

    exact = dict(max_split_distance=0.0, max_cardinality_difference=0.0)
    checks = [
        check('ids_stratified', 'tags', 'ids', ['train', 'eval'], **exact),
        check('hot_stratified', 'hot', 'multi_hot', ['train', 'eval'], **exact),
        check('ids_skewed', 'tags', 'ids', ['train', 'skewed'], fail_on_violation=False),
    ]
    failing = check('hot_skewed', 'hot', 'multi_hot', ['train', 'skewed'])
    for c in checks:
        failing.add_upstream_node(c)  # runs last
    done = run_local(
        'cdv-multilabel-e2e',
        root,
        [example_gen, statistics_gen, *checks, failing],
        raises=Exception,
    )
    yield done, done.error
    shutil.rmtree(root, ignore_errors=True)


def _summary(done, component_id):
    with open(os.path.join(done.output(component_id, 'anomalies'), 'class_distribution.json')) as f:
        return json.load(f)


@pytest.mark.parametrize(
    'component_id, label', [('ids_stratified', 'tags'), ('hot_stratified', 'hot')]
)
def test_a_stratified_multi_label_split_passes(run, component_id, label):
    done, _ = run
    summary = _summary(done, component_id)
    assert summary['passed'] and summary['findings'] == []
    names = ['a', 'b', 'c'] if label == 'tags' else ['0', '1', '2']
    assert summary['counts'] == {
        name: {'train': n_train, 'eval': n_eval, 'skewed': n_skewed}
        for name, n_train, n_eval, n_skewed in zip(names, [300, 100, 20], [75, 25, 5], [75, 25, 20])
    }
    assert summary['per_split']['train'] == {
        'examples': 400,
        'label_values': 420,
        'cardinality': 1.05,
        'unlabeled': 40,
    }
    assert summary['sources']['train'] == ('rank_histogram' if label == 'tags' else 'examples')


def test_a_skewed_ids_split_fails_naming_the_label_and_split(run):
    done, _ = run
    summary = _summary(done, 'ids_skewed')
    assert not summary['passed']
    kinds = [(f['kind'], f['splits'], f['classes']) for f in summary['findings']]
    assert kinds == [
        ('prevalence_distance', ['train', 'skewed'], ['c']),
        ('cardinality_distance', ['train', 'skewed'], []),
    ]
    assert "'c' (0.1500)" in summary['findings'][0]['description']


def test_a_skewed_multi_hot_split_stops_the_run_naming_the_label(run):
    from tfx_balance.core.class_distribution_validator import ClassDistributionError

    done, error = run
    assert isinstance(error, ClassDistributionError), repr(error)
    message = str(error)
    assert message.startswith("label prevalence check of multi-label feature 'hot' failed")
    assert "splits 'train' and 'skewed'" in message and "'2' (0.1500)" in message
    # Nothing half-written: the failed check's output folder holds no file.
    assert not glob.glob(os.path.join(done.pipeline_root, 'hot_skewed', 'anomalies', '*', '*'))
