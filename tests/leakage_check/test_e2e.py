"""LeakageCheck under LocalDagRunner, after real ImportExampleGen and BalancedAugmenter runs.

One pipeline on pre-split data where two training examples were also put in eval:

- ``clean_check`` reads train and test only (no shared example; synthetic examples in train
  only): passes, every split blessed;
- ``allowed_check``, after BalancedAugmenter rebalanced train only, finds the two shared
  examples (train's originals now carry ``is_synthetic = 0``, eval's copies do not: the content
  key leaves the provenance features out) and records them (``allow_duplicates=True``);
- ``failing_check``, after an augmenter that also rebalanced eval, fails the run with the
  shared examples and eval's synthetic examples, and the component downstream of it never runs.
"""

import json
import os
import shutil
import tempfile

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _rows(start, a, b):
    """``a`` examples of class 'a' then ``b`` of class 'b', with distinct ids from ``start``."""
    labels = ['a'] * a + ['b'] * b
    return [example(label=c, id=start + i, x=0.5 * i) for i, c in enumerate(labels)]


@pytest.fixture(scope='module')
def run():
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, LeakageCheck
    from tfx_balance.core.leakage_check import LeakageError

    root = tempfile.mkdtemp(prefix='leakage_e2e_')
    data = os.path.join(root, 'data')
    train = _rows(0, 30, 10)
    splits = {'train': train, 'eval': _rows(100, 6, 2) + train[:2], 'test': _rows(200, 8, 2)}
    for split, records in splits.items():
        write_records(os.path.join(data, split, 'part-0.gz'), records)
    gen = tfx.components.ImportExampleGen(
        input_base=data,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name=s, pattern=f'{s}/*') for s in splits]
        ),
    )
    train_only = BalancedAugmenter(
        examples=gen.outputs['examples'], label_feature='label', splits=['train']
    ).with_id('augment_train')
    with_eval = BalancedAugmenter(
        examples=gen.outputs['examples'], label_feature='label', splits=['train', 'eval']
    ).with_id('augment_train_and_eval')
    clean = LeakageCheck(examples=train_only.outputs['examples'], splits=['train', 'test'])
    allowed = LeakageCheck(examples=train_only.outputs['examples'], allow_duplicates=True)
    failing = LeakageCheck(examples=with_eval.outputs['examples'])
    clean, allowed, failing = (
        clean.with_id('clean_check'),
        allowed.with_id('allowed_check'),
        failing.with_id('failing_check'),
    )
    failing.add_upstream_node(clean)
    failing.add_upstream_node(allowed)  # runs last
    downstream = tfx.components.ImportSchemaGen(
        schema_file=os.path.join(ROOT, 'schemas', 'taxi.pbtxt')
    ).with_id('after_failing_check')
    downstream.add_upstream_node(failing)
    components = [gen, train_only, with_eval, clean, allowed, failing, downstream]
    done = run_local('leakage-e2e', root, components, raises=LeakageError)
    yield done
    shutil.rmtree(root, ignore_errors=True)


def _report(run, component_id):
    out = run.output(component_id, 'anomalies')
    with open(os.path.join(out, 'leakage.json')) as f:
        return json.load(f), run.artifact(out)


def test_clean_splits_pass_and_are_blessed(run):
    report, artifact = _report(run, 'clean_check')
    assert report['passed'] and report['splits'] == ['train', 'test']
    assert report['examples'] == {'train': 60, 'test': 10}  # 40 + 20 synthetic 'b'
    assert report['synthetic'] == {'train': 20, 'test': 0}
    assert report['duplicates_across_splits']['keys'] == 0
    assert dict(artifact.get_json_value_custom_property('blessed')) == {'train': 1, 'test': 1}


def test_marked_originals_still_match_their_copies_in_eval(run):
    report, artifact = _report(run, 'allowed_check')
    assert report['passed']
    shared = report['duplicates_across_splits']
    assert (shared['keys'], shared['per_split']) == (2, {'train': 2, 'eval': 2, 'test': 0})
    (train_eval,) = [p for p in shared['pairs'] if p['keys']]
    assert train_eval['splits'] == ['train', 'eval'] and len(train_eval['fingerprints']) == 2
    assert report['synthetic_outside_training']['examples'] == 0
    blessed = dict(artifact.get_json_value_custom_property('blessed'))
    assert blessed == {'train': 0, 'eval': 0, 'test': 1}


def test_synthetic_examples_in_eval_fail_the_run_and_stop_the_pipeline(run):
    from tfx_balance.core.leakage_check import LeakageError

    assert isinstance(run.error, LeakageError)
    message = str(run.error)
    assert '2 content key(s) (4 examples) occur in two or more splits (train & eval: 2' in message
    # eval (8 'a', 2 'b') rebalanced to 8 + 8: 6 synthetic 'b'.
    assert (
        "6 synthetic example(s) (is_synthetic == 1) outside the training split(s) ['train']"
        in message
    )
    failed = os.path.join(run.pipeline_root, 'failing_check', 'anomalies')
    assert all(os.listdir(os.path.join(failed, d)) == [] for d in os.listdir(failed))
    assert not os.path.exists(os.path.join(run.pipeline_root, 'after_failing_check'))
