"""balanced_dataset on multi-label layouts: the groups, the plan, the stream and its label."""

import json
import math
import os
import re

import numpy as np
import pytest

from tests.core.balanced_input_gen.label_set_support import (
    HOT_RECORDS,
    IDS_RECORDS,
    LABELS,
    SCHEMA,
    SETS,
    N,
    lay_out_multilabel,
    stream,
)
from tests.support.errors import documented_errors
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.errors import ConfigError

B = 32


@pytest.fixture(scope='module')
def balanced(tmp_path_factory):
    return lay_out_multilabel(str(tmp_path_factory.mktemp('ml_balanced')), IDS_RECORDS)


@pytest.fixture(scope='module')
def repeated(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ml_repeat'))
    return lay_out_multilabel(root, IDS_RECORDS, policy='repeat_factor', t=0.3)


def plan_of(files):
    ((_, plan),) = bi.load_plans(files)
    return plan


def truth():
    """Label counts and each example's group (its rarest label, ties by label; -1 none)."""
    counts = [sum(j in s for s in SETS) for j in range(LABELS)]
    group = [min(s, key=lambda j: (counts[j], j)) if s else -1 for s in SETS]
    return counts, group


def test_examples_are_grouped_by_their_rarest_label(balanced):
    plan = plan_of(balanced)
    counts, group = truth()
    assert plan.labels == tuple(str(j) for j in range(LABELS))
    assert plan.label_counts == tuple(counts)
    present = sorted(set(group), key=lambda g: (g < 0, g))
    assert plan.classes == tuple(str(g) if g >= 0 else '' for g in present)
    assert plan.counts == tuple(group.count(g) for g in present)
    assert '5' not in plan.classes and counts[5] > max(counts[3], counts[4])  # no group
    assert plan.total == N and sum(plan.draws) == N  # label_balanced: an epoch is n draws


@pytest.mark.parametrize('memory_budget', [bi.DEFAULT_MEMORY_BUDGET, 0])
def test_stream_label_frequencies_match_the_plan(balanced, memory_budget):
    plan = plan_of(balanced)
    batches = 150
    ids, labels = stream(
        bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, memory_budget=memory_budget),
        batches,
    )
    hot = np.asarray([[int(j in SETS[i]) for j in range(LABELS)] for i in ids])
    np.testing.assert_array_equal(labels, hot)  # the label is the example's own label set
    _, group = truth()
    drawn = np.asarray([group[i] for i in ids])
    total = batches * B
    shares = np.asarray(plan.draws) / sum(plan.draws)
    freq = np.asarray(plan.expected_frequencies())
    group_labels = plan.group_labels
    a = np.asarray(plan.dense_group_label_counts()) / np.asarray(plan.counts)[:, None]
    partial = [int((drawn == g).sum()) % c for g, c in zip(group_labels, plan.counts)]
    for label, share in zip(group_labels, shares):
        # The schedule: each group within one example of its exact share.
        assert abs((drawn == label).sum() - total * share) < 1
    for j in range(LABELS):
        # Whole passes over a group hold its label share exactly; the schedule is within one
        # draw per group carrying the label; the partial pass m_g of group g is a draw without
        # replacement: 4 standard deviations, sqrt(m_g a (1 - a)), summed over groups.
        carrying = [g for g in range(len(group_labels)) if a[g, j] > 0]
        slack = len(carrying) + 4 * math.sqrt(
            sum(partial[g] * a[g, j] * (1 - a[g, j]) for g in carrying)
        )
        assert abs(labels[:, j].sum() - total * freq[j]) <= slack, (j, labels[:, j].sum())


def test_repeat_factor_counts_are_exact_per_pass(repeated):
    plan = plan_of(repeated)
    counts, group = truth()
    for name, n_g, d in zip(plan.classes, plan.counts, plan.draws):
        f = counts[int(name)] / N if name else None
        r = max(1.0, math.sqrt(0.3 / f)) if f else 1.0
        assert d == round(n_g * r)
    epoch = sum(plan.draws)
    batches = math.ceil(epoch / B) + 5
    ids, _ = stream(bi.balanced_dataset(repeated, 'tags', B, schema=SCHEMA), batches)
    seen = np.bincount(ids, minlength=N)
    for name, n_g, d in zip(plan.classes, plan.counts, plan.draws):
        members = [i for i in range(N) if group[i] == (int(name) if name else -1)]
        drawn = int(seen[members].sum())
        assert abs(drawn - batches * B * d / epoch) < 1
        # Read in passes: after j draws each example was drawn floor(j/n) or ceil(j/n) times.
        assert set(seen[members]) <= {drawn // n_g, -(-drawn // n_g)}
    assert max(plan.repeats()) > 1.5  # the rare labels really are repeated


def test_steps_per_epoch_sees_every_drawn_group_once(repeated):
    plan = plan_of(repeated)
    steps = bi.steps_per_epoch(repeated, B)
    epoch = sum(plan.draws)
    needed = max(math.ceil(n / (B * d / epoch)) for n, d in zip(plan.counts, plan.draws))
    assert needed <= steps <= needed + 1
    assert bi.steps_per_epoch(plan, B) == steps


def test_multi_hot_labels_keep_their_positions(tmp_path):
    files = lay_out_multilabel(str(tmp_path), HOT_RECORDS, form='multi_hot')
    assert bi.label_names(files) == [str(j) for j in range(LABELS)]
    ids, labels = stream(bi.balanced_dataset(files, 'tags', B, schema=SCHEMA), 10)
    assert labels.dtype == np.int64 and labels.shape == (10 * B, LABELS)
    hot = np.asarray([[int(j in SETS[i]) for j in range(LABELS)] for i in ids])
    np.testing.assert_array_equal(labels, hot)


def test_weights_aim_at_relative_label_frequencies(balanced):
    plan = plan_of(balanced)
    rare = min(range(LABELS), key=lambda j: plan.label_counts[j])
    ids, labels = stream(
        bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, weights={rare: 1}), 20
    )
    assert labels[:, rare].mean() > 0.5  # only the rarest label's group (and no-label) is drawn


def test_the_prior_correction_of_a_weighted_stream_uses_that_streams_frequencies(balanced):
    # Issue 53, case 1: with weights, the correction used the unweighted stream's frequencies.
    import tensorflow as tf
    import tf_keras as keras

    plan = plan_of(balanced)
    rare = min(range(LABELS), key=lambda j: plan.label_counts[j])
    weights = {rare: 4, 0: 1}
    _, labels = stream(bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, weights=weights), 60)
    in_stream, unweighted = labels.mean(axis=0), np.asarray(plan.expected_frequencies())
    correction = bi.prior_correction(balanced, weights=weights)
    trained = np.asarray(correction.trained_frequencies)
    assert np.abs(trained - in_stream).max() < 0.03  # 1920 examples drawn
    assert trained[rare] - unweighted[rare] > 0.2  # the weights move the stream a lot
    # A real model scoring 0.5 everywhere (odds 1): served at the data's over the stream's odds.
    inputs = keras.layers.Input(shape=(1,), name='x')
    model = keras.Model(
        inputs, keras.layers.Dense(LABELS, 'sigmoid', kernel_initializer='zeros')(inputs)
    )

    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32, name='x')])
    def serve(x):
        return {'outputs': model(x)}

    signatures = bi.with_prior_correction({'serving_default': serve}, balanced, weights=weights)
    served = signatures['serving_default'](tf.constant([[1.0]]))['probabilities'].numpy()[0]
    data = np.asarray(plan.label_counts) / plan.total
    odds = (data / (1 - data)) / (trained / (1 - trained))
    np.testing.assert_allclose(served, odds / (1 + odds), atol=1e-6)


def documented(message):
    return any(re.search(p, message) for p in documented_errors())


@pytest.mark.parametrize(
    'kwargs, fragment',
    [
        ({'weights': {'cat': 1}}, "weights name label 'cat', which is not in the data"),
        ({'weights': {7: 1}}, 'weights name label 7, which is not in the data'),
        ({'weights': {'0': float('inf')}}, "weight of label '0' must be a finite number"),
        ({'weights': {'5': 1}}, 'weights give no group a positive weight'),  # 5 has no group
        ({'weights': {0: 1, '0': 2}}, "weights name label '0' twice (0 and '0')"),
        ({'weights': {'0': 0}}, 'weights must give at least one label a positive weight'),
    ],
)
def test_bad_weights_are_named_and_documented(balanced, kwargs, fragment):
    with pytest.raises(ConfigError) as info:
        bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, **kwargs)
    assert fragment in str(info.value) and documented(str(info.value))
    # Issue 53, case 3: the prior correction checks them with the same code.
    with pytest.raises(ConfigError) as corrected:
        bi.prior_correction(balanced, **kwargs)
    assert str(corrected.value) == str(info.value)


@pytest.mark.parametrize(
    'kwargs, fragment',
    [
        (
            {'policy': 'uniform'},
            "policy must be 'floored_label_balanced', 'label_balanced' or 'repeat_factor'",
        ),
        ({'repeat_threshold': 0}, 'repeat_threshold must be a number in (0, 1]'),
        ({'repeat_threshold': 2.0}, 'repeat_threshold must be a number in (0, 1]'),
        ({'multi_label': None, 'policy': 'repeat_factor'}, 'apply only with multi_label'),
        ({'multi_label': 'dense'}, "multi_label must be None (one label per example), 'ids'"),
    ],
)
def test_bad_layout_arguments_are_named_and_documented(kwargs, fragment):
    with pytest.raises(ConfigError) as info:
        bi.LayoutConfig('tags', **{'multi_label': 'ids', **kwargs}).validate()
    assert fragment in str(info.value) and documented(str(info.value))


def test_config_round_trips_and_single_label_properties_are_unchanged():
    config = bi.LayoutConfig('tags', multi_label='multi_hot', policy='repeat_factor').validate()
    props = config.to_exec_properties()
    assert props['multi_label'] == 'multi_hot' and props['repeat_threshold'] == 0.1
    assert bi.LayoutConfig.from_exec_properties(props) == config
    assert set(bi.LayoutConfig('label').validate().to_exec_properties()) == {
        'label_feature',
        'splits',
        'seed',
        'examples_per_shard',
    }


def test_the_plan_json_round_trips_and_names_the_labels(balanced):
    plan = plan_of(balanced)
    assert bi.MultiLabelLayoutPlan.from_json('train', plan.to_json()) == plan
    assert bi.label_names(balanced) == list(plan.labels) == bi.label_names(plan)
    doc = plan.to_json()['multi_label']
    assert [r['expected_frequency'] for r in doc['labels']] == plan.expected_frequencies()
    assert os.path.basename(plan.files[-1][0]).startswith(f'class-{len(plan.classes) - 1:05d}-none')


def test_balanced_records_draw_the_groups_of_a_multi_label_layout(balanced):
    plan = plan_of(balanced)
    batches = [b.numpy() for b in bi.balanced_records(balanced, B).take(3)]
    assert [len(b) for b in batches] == [B] * 3
    drawn = {i for i, d in zip(plan.classes, plan.draws) if d}
    _, group = truth()
    from tensorflow.core.example import example_pb2

    for record in batches[0]:
        x = int(example_pb2.Example.FromString(record).features.feature['x'].float_list.value[0])
        assert (str(group[x]) if group[x] >= 0 else '') in drawn


def test_layout_and_stream_are_deterministic_for_a_seed(balanced, tmp_path):
    again = lay_out_multilabel(str(tmp_path), IDS_RECORDS[::-1])  # another input order
    first_dir, second_dir = os.path.dirname(balanced), os.path.dirname(again)
    assert sorted(os.listdir(first_dir)) == sorted(os.listdir(second_dir))
    for name in os.listdir(first_dir):
        with open(os.path.join(first_dir, name), 'rb') as a:
            with open(os.path.join(second_dir, name), 'rb') as b:
                assert a.read() == b.read(), name
    one = stream(bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, seed=3), 12)
    two = stream(bi.balanced_dataset(again, 'tags', B, schema=SCHEMA, seed=3), 12)
    other = stream(bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA, seed=4), 12)
    np.testing.assert_array_equal(one[0], two[0])
    assert not np.array_equal(one[0], other[0])


@pytest.fixture(scope='module')
def floored(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ml_floored'))
    return lay_out_multilabel(root, HOT_RECORDS, form='multi_hot', policy=None)  # the default


def test_the_default_policy_reads_every_example_within_three_epochs(floored, balanced):
    plan = plan_of(floored)
    assert plan.policy == 'floored_label_balanced' and plan.classes == ('0', '1', '2', '3', '4', '')
    assert plan.draws == (33, 30, 71, 105, 116, 65) and sum(plan.draws) == N
    assert plan.epochs_to_read_all() == 3  # ceil(98 / 33), the floor ceil(n_g / 3) of group 0
    batches = math.ceil(3 * N / B)  # three epochs of N draws
    assert bi.steps_per_epoch(floored, B) <= batches
    ids, labels = stream(bi.balanced_dataset(floored, 'tags', B, schema=SCHEMA), batches)
    assert int((np.bincount(ids, minlength=N) == 0).sum()) == 0  # every example read
    # label_balanced in the same batches never reads group 0 (its 98 examples, no draws).
    old_ids, _ = stream(bi.balanced_dataset(balanced, 'tags', B, schema=SCHEMA), batches)
    unread = np.flatnonzero(np.bincount(old_ids, minlength=N) == 0)
    assert plan_of(balanced).draws[0] == 0 and len(unread) >= 98
    assert {i for i, g in enumerate(truth()[1]) if g == 0} <= set(unread.tolist())
    # In the stream: the rarest labels lifted 2x and more, none below half its data frequency.
    lift = labels.mean(axis=0)[:5] / (np.asarray(plan.label_counts[:5]) / N)
    assert lift.min() >= 0.5 and lift[3] >= 1.9 and lift[4] >= 2.2


def test_the_plan_json_shows_lift_and_the_epochs_to_read_every_example(floored, balanced):
    with open(os.path.join(os.path.dirname(os.path.dirname(floored)), bi.PLAN_FILE)) as f:
        ml = json.load(f)['splits']['train']['multi_label']
    assert (ml['policy'], ml['epochs_to_read_all'], ml['groups_not_drawn']) == (
        'floored_label_balanced',
        3,
        0,
    )
    label = ml['labels'][4]
    assert label['data_frequency'] == 49 / N
    assert label['lift'] == pytest.approx(label['expected_frequency'] / label['data_frequency'])
    assert [g['epochs_to_read_all'] for g in ml['groups']] == [3, 3, 1, 1, 1, 1]
    old = plan_of(balanced).to_json()['multi_label']
    assert (old['epochs_to_read_all'], old['groups_not_drawn']) == (None, 1)
    assert old['groups'][0]['epochs_to_read_all'] is None
