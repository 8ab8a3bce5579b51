"""BalancedInputGen executor and component on real artifacts (no pipeline runner)."""

import json
import os

import pytest

from tests.support.examples import example, make_examples_artifact, new_output
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError

TRAIN = [example(label=name, x=float(i)) for i, name in enumerate(['Cash'] * 9 + ['No Charge'] * 3)]
EVAL = [example(label='Cash', x=100.0), example(label='Dispute', x=101.0)]


def run_executor(tmp_path, splits_in, **props):
    from tfx_balance.balanced_input_gen.executor import Executor

    examples = make_examples_artifact(str(tmp_path / 'in'), splits_in)
    output = new_output(str(tmp_path / 'out'))
    exec_properties = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.SPLITS_KEY: json.dumps(['train']),
        keys.SEED_KEY: 0,
        keys.EXAMPLES_PER_SHARD_KEY: 4,
        **props,
    }
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, exec_properties
    )
    return examples, output


def test_train_is_laid_out_per_class_and_eval_passes_through_byte_for_byte(tmp_path):
    from tfx.components.util import examples_utils
    from tfx.types import artifact_utils

    from tests.support.artifacts import label_counts, read_split

    examples, output = run_executor(tmp_path, {'train': TRAIN, 'eval': EVAL})
    assert sorted(os.listdir(output.uri)) == ['Split-eval', 'Split-train', keys.BALANCE_PLAN_FILE]
    assert sorted(os.listdir(os.path.join(output.uri, 'Split-train'))) == [
        'class-00000-Cash-00000-of-00003.gz',
        'class-00000-Cash-00001-of-00003.gz',
        'class-00000-Cash-00002-of-00003.gz',
        'class-00001-No_Charge-00000-of-00001.gz',
    ]
    assert label_counts(read_split(output.uri, 'train'), 'label') == {'Cash': 9, 'No Charge': 3}
    src = os.path.join(examples.uri, 'Split-eval', 'data_tfrecord-00000-of-00001.gz')
    dst = os.path.join(output.uri, 'Split-eval', 'data_tfrecord-00000-of-00001.gz')
    with open(src, 'rb') as a, open(dst, 'rb') as b:
        assert a.read() == b.read()
    assert artifact_utils.decode_split_names(output.split_names) == ['train', 'eval']
    assert examples_utils.get_payload_format(output) == examples_utils.get_payload_format(examples)
    with open(os.path.join(output.uri, keys.BALANCE_PLAN_FILE)) as f:
        doc = json.load(f)
    assert list(doc['splits']) == ['train'] and doc['passthrough_splits'] == ['eval']
    train = doc['splits']['train']
    assert [(c['class'], c['count'], c['class_weight']) for c in train['classes']] == [
        ('Cash', 9, 12 / (2 * 9)),
        ('No Charge', 3, 12 / (2 * 3)),
    ]


def test_balanced_dataset_reads_the_executor_output(tmp_path):
    import numpy as np
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_balance import balanced_dataset, steps_per_epoch

    _, output = run_executor(tmp_path, {'train': TRAIN, 'eval': EVAL})
    schema = text_format.Parse(
        'feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }'
        'feature { name: "label" type: BYTES presence { min_fraction: 1 } '
        'shape { dim { size: 1 } } }',
        schema_pb2.Schema(),
    )
    files = [os.path.join(output.uri, 'Split-train', '*')]
    ds = balanced_dataset(files, 'label', batch_size=4, schema=schema, weights={'Cash': 1})
    for _, labels in ds.take(3):
        assert labels.numpy().ravel().tolist() == [b'Cash'] * 4
    ds = balanced_dataset(files, 'label', batch_size=4, schema=schema)
    for _, labels in ds.take(6):
        assert sorted(np.unique(labels.numpy(), return_counts=True)[1]) == [2, 2]
    assert steps_per_epoch(files, 4) == 5  # 9 examples of Cash, 2 per batch


@pytest.mark.parametrize(
    'splits_in, props, error, fragment',
    [
        ({'train': TRAIN}, {keys.SPLITS_KEY: json.dumps(['valid'])}, ConfigError, "'valid'"),
        (
            {'train': TRAIN + [example(x=1.0)]},
            {},
            DataError,
            "label_feature 'label' not found in an example in split 'train'",
        ),
        ({'train': []}, {}, DataError, "split 'train' of the input artifact has no files"),
    ],
)
def test_errors_are_ours_and_leave_no_output(tmp_path, splits_in, props, error, fragment):
    with pytest.raises(error, match=fragment):
        run_executor(tmp_path, splits_in, **props)
    assert os.listdir(tmp_path / 'out') == []


@pytest.mark.parametrize(
    'kwargs, fragment',
    [
        ({'label_feature': ''}, 'label_feature must be a non-empty string'),
        ({'splits': []}, 'splits is empty; name at least one split'),
        ({'examples_per_shard': 0}, 'examples_per_shard must be >= 1'),
    ],
)
def test_component_checks_its_arguments(kwargs, fragment):
    from tfx.types import channel_utils, standard_artifacts

    from tfx_balance import BalancedInputGen

    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    args = {'examples': examples, 'label_feature': 'label', **kwargs}
    with pytest.raises(ValueError, match=fragment):
        BalancedInputGen(**args)
    component = BalancedInputGen(examples=examples, label_feature='label')
    assert component.exec_properties[keys.SPLITS_KEY] == json.dumps(['train'])
    assert set(component.outputs) == {keys.EXAMPLES_KEY, keys.HTML_REPORT_KEY}  # and its picture


def test_the_augmenters_own_output_gives_the_data_counts_whatever_its_provenance_name(tmp_path):
    # Issue 53, case 2: laid out straight from BalancedAugmenter without augmented_examples,
    # the plan had no data_counts; with a renamed provenance_feature nothing marked the
    # examples, and the prior correction silently corrected to the augmented counts (a no-op).
    from tfx import types
    from tfx.types import standard_artifacts

    from tfx_balance import BalancedAugmenter
    from tfx_balance.balanced_augmenter.executor import Executor as AugmenterExecutor
    from tfx_balance.balanced_input_gen.executor import Executor
    from tfx_balance.core.balanced_input_gen import prior_correction
    from tfx_balance.core.balanced_input_gen.plan_file import load_plans

    counts = {'Cash': 27, 'Card': 168, 'Dispute': 5}
    records = [
        example(label=name, x=float(100 * c + i))
        for c, (name, n) in enumerate(counts.items())
        for i in range(n)
    ]
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': records})
    augmented = new_output(str(tmp_path / 'augmented'))
    augmenter = BalancedAugmenter(
        examples=types.Channel(type=standard_artifacts.Examples),
        label_feature='label',
        target=160,
        undersample=True,
        provenance_feature='synthetic',
    )
    AugmenterExecutor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]},
        {keys.EXAMPLES_KEY: [augmented]},
        dict(augmenter.exec_properties),
    )
    output = new_output(str(tmp_path / 'out'))
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [augmented]},
        {keys.EXAMPLES_KEY: [output]},
        {keys.LABEL_FEATURE_KEY: 'label', keys.SPLITS_KEY: json.dumps(['train']), keys.SEED_KEY: 0},
    )
    files = os.path.join(output.uri, 'Split-train', '*')
    ((_, plan),) = load_plans(files)
    assert plan.counts == (160, 160, 160)  # laid out as augmented (Card undersampled)
    assert dict(plan.data_counts) == counts  # the data before it
    correction = prior_correction(files, class_names=['Card', 'Cash', 'Dispute'])
    assert correction.data_frequencies == pytest.approx((0.84, 0.135, 0.025))


def test_augmented_examples_record_the_data_counts_before_augmentation(tmp_path):
    from tfx_balance.core.balanced_input_gen.plan_file import load_plans

    augmented = make_examples_artifact(str(tmp_path / 'augmented'), {'train': TRAIN})
    with open(os.path.join(augmented.uri, keys.REBALANCE_PLAN_FILE), 'w') as f:
        rows = {'Cash': {'input': 90, 'output': 9}, 'No Charge': {'input': 3, 'output': 3}}
        json.dump({'splits': {'train': rows}}, f)
    from tfx_balance.balanced_input_gen.executor import Executor

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': TRAIN})
    output = new_output(str(tmp_path / 'out'))
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples], keys.AUGMENTED_EXAMPLES_KEY: [augmented]},
        {keys.EXAMPLES_KEY: [output]},
        {keys.LABEL_FEATURE_KEY: 'label', keys.SPLITS_KEY: json.dumps(['train']), keys.SEED_KEY: 0},
    )
    ((_, plan),) = load_plans(os.path.join(output.uri, 'Split-train', '*'))
    assert plan.counts == (9, 3)  # laid out as augmented
    assert dict(plan.data_counts) == {'Cash': 90, 'No Charge': 3}  # the data before it


def test_classes_that_changed_after_the_augmenter_stop_the_layout_and_leave_no_output(tmp_path):
    # Issue 88: the augmenter wrote 8 + 4; what reaches BalancedInputGen (after a Transform that
    # recomputed the label from perturbed features) holds 9 + 3.
    augmented = make_examples_artifact(str(tmp_path / 'augmented'), {'train': TRAIN})
    with open(os.path.join(augmented.uri, keys.REBALANCE_PLAN_FILE), 'w') as f:
        rows = {'Cash': {'input': 8, 'output': 8}, 'No Charge': {'input': 2, 'output': 4}}
        doc = {'label_feature': 'raw', 'augmentation': 'numeric', 'splits': {'train': rows}}
        json.dump(doc, f)
    from tfx_balance.balanced_input_gen.executor import Executor

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': TRAIN})
    output = new_output(str(tmp_path / 'out'))
    with pytest.raises(DataError) as raised:
        Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples], keys.AUGMENTED_EXAMPLES_KEY: [augmented]},
            {keys.EXAMPLES_KEY: [output]},
            {
                keys.LABEL_FEATURE_KEY: 'label',
                keys.SPLITS_KEY: json.dumps(['train']),
                keys.SEED_KEY: 0,
            },
        )
    assert str(raised.value).startswith(
        "BalancedInputGen laid out split 'train' by 'label' as {Cash: 9, No Charge: 3}, but the "
        'BalancedAugmenter output it was derived from (augmented_examples) wrote '
        "{Cash: 8, No Charge: 4} by 'raw': at least 1 example(s) changed class between them."
    )
    assert not os.path.exists(output.uri) or os.listdir(output.uri) == []
