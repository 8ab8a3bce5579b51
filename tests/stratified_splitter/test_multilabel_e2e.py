"""StratifiedSplitter(multi_label=...) under LocalDagRunner: label ids and multi-hot vectors,
exact checks of the documented guarantees, the same membership across a rerun and a changed file
order, groups kept whole, split_counts.json as placed; and ClassDistributionValidator(multi_label=
...) downstream passes both splits (its failing case, a skewed split naming the label, is in
tests/class_distribution_validator/test_multilabel_e2e.py)."""

import collections
import os

import numpy as np
import pytest

from tests.support.multilabel import label_matrix, per_label, records, tag_sets

pytestmark = pytest.mark.e2e

SPLITS = {'train': 8, 'eval': 1, 'test': 1}
NAMES = list(SPLITS)
MATRIX = label_matrix(1500, labels=12, seed=7)
# A stratified split of 150-example eval/test splits: each label's count is within one of its
# share, so prevalences differ by about 1/150 at most; cardinality by less than 0.05.
VALIDATOR_PREVALENCE_DISTANCE = 0.02
VALIDATOR_CARDINALITY_DIFFERENCE = 0.05


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.examples import write_records
    from tests.support.local_dag import run_local
    from tfx_balance import ClassDistributionValidator, StratifiedSplitter

    root = str(tmp_path_factory.mktemp('multilabel_e2e'))
    ids = records(MATRIX, group_size=2)
    order = np.random.default_rng(0).permutation(len(ids))
    inputs = {
        'ids': [ids],
        'ids_reordered': [[ids[i] for i in order[:700]], [ids[i] for i in order[700:]]],
        'hot': [records(MATRIX, form='multi_hot')],
    }
    gens = {}
    for name, files in inputs.items():
        for i, part in enumerate(files):
            write_records(os.path.join(root, 'data', name, f'part-{i}.tfrecord.gz'), part)
        gens[name] = tfx.components.ImportExampleGen(
            input_base=os.path.join(root, 'data', name)
        ).with_id(f'gen_{name}')

    def splitter(component_id, gen, form, **kwargs):
        return StratifiedSplitter(
            examples=gens[gen].outputs['examples'],
            label_feature='tags',
            splits=SPLITS,
            multi_label=form,
            **kwargs,
        ).with_id(component_id)

    components = [
        *gens.values(),
        splitter('ids', 'ids', 'ids'),
        splitter('ids_again', 'ids', 'ids'),
        splitter('ids_reordered', 'ids_reordered', 'ids'),
        splitter('ids_groups', 'ids', 'ids', group_feature='user'),
        splitter('hot', 'hot', 'multi_hot'),
    ]
    for component_id, form in (('ids', 'ids'), ('hot', 'multi_hot')):
        split = next(c for c in components if c.id == component_id).outputs['examples']
        stats = tfx.components.StatisticsGen(examples=split).with_id(f'stats_{component_id}')
        components += [
            stats,
            ClassDistributionValidator(
                statistics=stats.outputs['statistics'],
                examples=split,  # exact per-label counts (int ids, multi-hot)
                label_feature='tags',
                multi_label=form,
                max_split_distance=VALIDATOR_PREVALENCE_DISTANCE,
                max_cardinality_difference=VALIDATOR_CARDINALITY_DIFFERENCE,
            ).with_id(f'check_{component_id}'),
        ]
    return run_local('multilabel-splitter-e2e', root, components).pipeline_root


def _output(root, component_id):
    from tests.support.artifacts import latest_artifact_dir, read_json, read_split

    out = latest_artifact_dir(root, component_id)
    return {s: read_split(out, s) for s in NAMES}, read_json(os.path.join(out, 'split_counts.json'))


def _keys(splits):
    from tfx_balance.core.common.hashing import example_keys

    return {s: collections.Counter(example_keys(rs)) for s, rs in splits.items()}


@pytest.mark.parametrize('component_id, form', [('ids', 'ids'), ('hot', 'multi_hot')])
def test_guarantees_hold_exactly_and_the_report_counts_what_was_written(run, component_id, form):
    from tests.support.artifacts import latest_artifact_dir, read_split
    from tfx_balance.core.split.allocation import allocate
    from tfx_balance.core.split.multilabel_plan import label_split_counts, plan_counts

    splits, report = _output(run, component_id)
    source = read_split(latest_artifact_dir(run, f'gen_{component_id}'), 'train')
    source += read_split(latest_artifact_dir(run, f'gen_{component_id}'), 'eval')
    # Every example in exactly one split.
    assert sum(_keys(splits).values(), collections.Counter()) == _keys({'all': source})['all']
    # Per label: the plan's counts for the data's label sets, and so in every split.
    sets = tag_sets(source, form)
    planned = label_split_counts(plan_counts(collections.Counter(sets), list(SPLITS.values())))
    counted = per_label(splits, form)
    for label, counts in planned.items():
        assert [counted[s][label] for s in NAMES] == counts
        assert min(counts) >= 1
        assert [report['labels'][str(label)][s]['count'] for s in NAMES] == counts
    # No label: the single-label rule.
    none = sum(1 for s in sets if not s)
    assert [report['(no label)'][s]['count'] for s in NAMES] == allocate(none, [8, 1, 1])
    assert report['examples'] == {s: len(rs) for s, rs in splits.items()}
    assert report['multi_label'] == form


def test_the_same_membership_after_a_rerun_and_with_another_file_order(run):
    first, _ = _output(run, 'ids')
    again, _ = _output(run, 'ids_again')
    reordered, _ = _output(run, 'ids_reordered')
    assert _keys(first) == _keys(again) == _keys(reordered)


def test_ids_and_multi_hot_of_the_same_labels_split_labels_alike(run):
    _, ids = _output(run, 'ids')
    _, hot = _output(run, 'hot')
    assert ids['labels'] == hot['labels']  # the same label sets: the same plan


def test_groups_stay_whole(run):
    from tensorflow.core.example import example_pb2

    splits, report = _output(run, 'ids_groups')
    split_of = {}
    for s, rs in splits.items():
        for record in rs:
            user = example_pb2.Example.FromString(record).features.feature['user']
            assert split_of.setdefault(user.bytes_list.value[0], s) == s
    assert len(split_of) == 750 and sum(report['examples'].values()) == 1500


@pytest.mark.parametrize('component_id', ['ids', 'hot'])
def test_the_validator_passes_the_stratified_multi_label_split(run, component_id):
    from tests.support.artifacts import latest_artifact_dir, read_json

    out = latest_artifact_dir(run, f'check_{component_id}', 'anomalies')
    summary = read_json(os.path.join(out, 'class_distribution.json'))
    assert summary['passed'] and summary['findings'] == []
    _, report = _output(run, component_id)
    for label, per_split in summary['counts'].items():  # the validator counts what was written
        assert {s: per_split[s] for s in NAMES} == {
            s: report['labels'][label][s]['count'] for s in NAMES
        }
