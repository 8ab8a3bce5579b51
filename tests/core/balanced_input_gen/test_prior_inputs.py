"""The prior correction reads what balanced_dataset reads: the same weights (same checks, same
stream), the same plans merged the same way (a window of spans), the data's counts only where
they are the data's, and labels of the form its refit needs. Served through a real Keras model."""

import json
import os
import re
import shutil

import numpy as np
import pytest

from tests.core.balanced_input_gen.support import SCHEMA, lay_out
from tests.support.errors import documented_errors
from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_input_gen.plan import make_multilabel_plan
from tfx_balance.core.balanced_input_gen.prior import with_prior_correction
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError

from .test_prior import write_plan


def documented(message):
    return any(re.search(p, message) for p in documented_errors())


def model_signatures(width, activation):
    """``({'serving_default': serve}, model)``: a Dense layer over ``x`` whose zero kernel and
    bias give every input the scores ``activation(0)`` (softmax: 1/width each; sigmoid: 0.5)."""
    import tensorflow as tf
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(2,), name='x')
    dense = keras.layers.Dense(width, activation=activation)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.zeros((2, width), np.float32), np.zeros(width, np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='x')])
    def serve(x):
        return {'outputs': model(x)}

    return {'serving_default': serve}, model


def served(signatures):
    """The served ``probabilities`` of one input (the model's own scores are constant)."""
    import tensorflow as tf

    out = signatures['serving_default'](tf.constant([[1.0, 2.0]]))
    return out[keys.PROBABILITIES].numpy()[0]


def uniform_to_data(data):
    """Softmax: the corrected probabilities of uniform scores are the data's frequencies."""
    return np.asarray(data, float) / np.sum(data)


def synthetic_records():
    """480 examples as BalancedAugmenter writes a rebalanced split: 200 originals (0: 100,
    1: 80, 2: 20, marked is_synthetic=0) topped up to 160 per class by 280 synthetic ones."""
    return [
        example(x=float(label * 1000 + i), label=label, is_synthetic=int(i >= originals))
        for label, originals in ((0, 100), (1, 80), (2, 20))
        for i in range(160)
    ]


@pytest.fixture(scope='module')
def spans(tmp_path_factory):
    """Two laid-out spans (real layouts): ``'plain'`` (0: 30, 1: 6, not augmented) and
    ``'augmented'`` (the 480 examples above; its plan records no data counts)."""
    root = tmp_path_factory.mktemp('prior_spans')
    plain = [
        example(x=float(c * 1000 + j), label=c) for c, n in ((0, 30), (1, 6)) for j in range(n)
    ]
    lay_out(str(root / 'plain'), plain)
    lay_out(str(root / 'augmented'), synthetic_records())
    return root


def with_data_counts(spans, tmp_path, data_counts):
    """A copy of the augmented span whose plan records ``data_counts`` (what BalancedInputGen
    writes when given augmented_examples); returns its files."""
    root = str(tmp_path / 'augmented')
    shutil.copytree(str(spans / 'augmented'), root)
    files = os.path.join(root, 'Split-train', '*')
    ((_, plan),) = bi.load_plans(files)
    with open(os.path.join(root, bi.PLAN_FILE), 'w') as f:
        json.dump(bi.plans_to_json([plan], (), {'train': data_counts}), f)
    return files


def test_augmented_examples_without_the_datas_counts_are_refused(spans, tmp_path):
    # Issue 53, case 2: the laid-out counts (160 each) were used as the data's: a no-op.
    split_dir = str(spans / 'augmented' / 'Split-train')
    signatures, _ = model_signatures(3, 'softmax')
    with pytest.raises(DataError) as info:
        with_prior_correction(signatures, os.path.join(split_dir, '*'))
    message = str(info.value)
    found = f"went through BalancedAugmenter: an example in {split_dir} carries its 'is_synthetic'"
    assert f"split 'train' ({split_dir}) {found}" in message
    assert "carries its 'is_synthetic' feature" in message
    assert 'records no data_counts' in message and 'augmented_examples=' in message
    assert documented(message)
    # With the counts before augmentation recorded: the data's frequencies.
    files = with_data_counts(spans, tmp_path, {'0': 100, '1': 80, '2': 20})
    q = served(with_prior_correction(signatures, files))
    np.testing.assert_allclose(q, [0.5, 0.4, 0.1], atol=1e-6)


def copy_span(spans, tmp_path, name, marked=True):
    """A copy of span ``name``; with ``marked=False`` its plan drops ``augmenter_marked``, as a
    plan written before BalancedInputGen recorded it. Returns its split folder."""
    root = tmp_path / name
    shutil.copytree(str(spans / name), str(root))
    if not marked:
        path = root / bi.PLAN_FILE
        plan = json.loads(path.read_text())
        for split in plan['splits'].values():
            del split[keys.AUGMENTER_MARKED]
        path.write_text(json.dumps(plan))
    return str(root / 'Split-train')


def test_the_layout_records_the_augmenters_mark_and_the_correction_reads_no_class_file(
    spans, tmp_path
):
    # Issue 51: a daily run read the first example of every class file of every span in the
    # window; BalancedInputGen now finds it once, as it writes the files.
    ((_, plain),) = bi.load_plans(str(spans / 'plain' / 'Split-train' / '*'))
    ((_, augmented),) = bi.load_plans(str(spans / 'augmented' / 'Split-train' / '*'))
    assert (plain.augmenter_marked, augmented.augmenter_marked) == (False, True)
    split_dir = copy_span(spans, tmp_path, 'plain')
    for name in os.listdir(split_dir):  # class files no reader can read: none is read
        with open(os.path.join(split_dir, name), 'wb') as f:
            f.write(b'not a gzipped TFRecord')
    correction = bi.prior_correction(os.path.join(split_dir, '*'))
    assert correction.data_frequencies == pytest.approx((30 / 36, 6 / 36))
    # A plan that does not record it (written before): the class files' first examples tell.
    old = copy_span(spans, tmp_path, 'augmented', marked=False)
    with pytest.raises(DataError, match=f'went through BalancedAugmenter: {old}/class-'):
        bi.prior_correction(os.path.join(old, '*'))
    old = copy_span(spans, tmp_path / 'old', 'plain', marked=False)
    assert bi.prior_correction(os.path.join(old, '*')).data_frequencies == pytest.approx(
        (30 / 36, 6 / 36)
    )


def test_a_window_of_spans_is_merged_as_balanced_dataset_merges_it(spans, tmp_path):
    # Issue 51: two BalancedInputGen outputs handed to the Trainer (a Resolver's window) were
    # refused. Span 'plain' has classes 0 and 1, the augmented span 0, 1 and 2.
    files = [str(spans / 'plain' / 'Split-train' / '*')]
    files.append(with_data_counts(spans, tmp_path, {'0': 100, '1': 80, '2': 20}))
    correction = bi.prior_correction(files)
    # Trained: the stream balanced_dataset draws from both spans, classes 0, 1 and 2 alike.
    ds = bi.balanced_dataset(files, 'label', 3, schema=SCHEMA)
    labels = np.concatenate([label.numpy().ravel() for _, label in ds.take(10)])
    assert np.bincount(labels).tolist() == [10, 10, 10]
    assert correction.trained_frequencies == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # Data: the plain span's laid-out counts plus the augmented span's recorded ones.
    data = uniform_to_data([30 + 100, 6 + 80, 20])
    assert correction.data_frequencies == pytest.approx(tuple(data))
    signatures, _ = model_signatures(3, 'softmax')
    np.testing.assert_allclose(served(with_prior_correction(signatures, files)), data, atol=1e-6)


@pytest.fixture
def four_classes(tmp_path):
    """A plan of classes 0 .. 3 (40 / 16 / 4 / 2) and its (empty) files."""
    return write_plan(str(tmp_path), bi.make_plan('train', 'label', 0, {0: 40, 1: 16, 2: 4, 3: 2}))


@pytest.mark.parametrize(
    'weights, fragment',
    [
        ({0: 1, 'O': 2}, "weights name class 'O', which is not in the data"),  # a typo
        ({0: 1, 1: float('nan')}, "weight of class '1' must be a finite number >= 0"),
        ({0: 1, 1: -2}, "weight of class '1' must be a finite number >= 0"),
        ({0: 0, 1: 0}, 'weights must give at least one class a positive weight'),
    ],
)
def test_weights_are_checked_as_balanced_dataset_checks_them(four_classes, weights, fragment):
    # Issue 53, case 3: a typo, NaN or negative weight was used as it was.
    signatures, _ = model_signatures(4, 'softmax')
    with pytest.raises(ConfigError) as corrected:
        with_prior_correction(signatures, four_classes, weights=weights)
    with pytest.raises(ConfigError) as read:
        bi.balanced_dataset(four_classes, 'label', 8, schema=SCHEMA, weights=weights)
    assert str(corrected.value) == str(read.value)
    assert fragment in str(corrected.value) and documented(str(corrected.value))


def test_int_weight_keys_on_named_classes_are_named_not_a_zero_division(tmp_path):
    plan = bi.make_plan('train', 'payment', 0, {b'Cash': 30, b'Card': 10})
    files = write_plan(str(tmp_path), plan)
    signatures, _ = model_signatures(2, 'softmax')
    expected = 'weights name class 0, which is not in the data; classes present: Card, Cash'
    with pytest.raises(ConfigError, match=expected):
        with_prior_correction(signatures, files, weights={0: 1, 1: 3})
    # Named as the plan names them, the weights give those trained shares.
    correction = bi.prior_correction(
        files, weights={'Card': 1, 'Cash': 3}, class_names=['Card', 'Cash']
    )
    assert correction.trained_frequencies == pytest.approx((0.25, 0.75))
    assert correction.data_frequencies == pytest.approx((0.25, 0.75))


def test_one_hot_refit_labels_name_the_form_expected(four_classes):
    # Issue 53, case 5: one-hot eval labels raised a numpy IndexError.
    signatures, model = model_signatures(4, 'softmax')
    scores = model(np.zeros((8, 2), np.float32)).numpy()
    one_hot = np.eye(4)[[0, 1, 2, 3, 0, 0, 1, 0]]
    with pytest.raises(ConfigError) as info:
        with_prior_correction(signatures, four_classes, refit_on=(scores, one_hot))
    message = str(info.value)
    assert 'refit_on labels of softmax scores must be [n] int class ids in 0 .. 3' in message
    assert 'pass labels.argmax(axis=1)' in message and documented(message)
    refitted = with_prior_correction(signatures, four_classes, refit_on=(scores, one_hot.argmax(1)))
    assert served(refitted).sum() == pytest.approx(1.0)


def test_refit_on_is_a_pair_given_with_the_train_files_it_refits(four_classes):
    # A baseline's refit_on (train_files=None) was ignored without a word, and a refit_on that
    # is not a pair raised Python's unpacking TypeError.
    signatures, model = model_signatures(4, 'softmax')
    scores = model(np.zeros((4, 2), np.float32)).numpy()
    with pytest.raises(ConfigError) as baseline:
        with_prior_correction(signatures, None, refit_on=(scores, [0, 1, 2, 3]))
    message = str(baseline.value)
    assert message.startswith('refit_on refits the prior correction, and train_files=None')
    assert 'if balanced else None' in message and documented(message)
    with pytest.raises(ConfigError) as single:
        with_prior_correction(signatures, four_classes, refit_on=(scores,))
    message = str(single.value)
    assert message.startswith('refit_on must be a (scores, labels) pair') and documented(message)


def test_multi_label_scores_are_placed_by_class_names_as_single_label_ones(tmp_path):
    # class_names and num_classes were ignored for a label-set layout: a model scoring the
    # labels in another order was corrected label by label in the plan's order.
    rows = [[0]] * 8 + [[1]] * 2 + [[0, 1]] * 2 + [[]] * 8  # data: '0' on 10/20, '1' on 4/20
    files = write_plan(str(tmp_path), make_multilabel_plan('train', 'tags', 0, 'ids', [0, 1], rows))
    default = bi.prior_correction(files)
    assert default.data_frequencies == pytest.approx((0.5, 0.2))
    signatures, _ = model_signatures(3, 'sigmoid')  # scores 0.5: served d / (d + t (1-d) / (1-t))
    served_q = served(
        with_prior_correction(signatures, files, class_names=['1', '0'], num_classes=3)
    )
    (d1, d0), (t1, t0) = (0.2, 0.5), default.trained_frequencies[::-1]
    expected = [d / (d + t * (1 - d) / (1 - t)) for d, t in ((d1, t1), (d0, t0))] + [0.5]
    np.testing.assert_allclose(served_q, expected, atol=1e-6)
    with pytest.raises(DataError) as info:
        bi.prior_correction(files, class_names=['0'], num_classes=1)
    message = str(info.value)
    assert message.startswith("trained label '1' has no score position: it is neither in")
    assert documented(message)


def test_multi_label_refit_labels_must_be_a_0_1_matrix(tmp_path):
    rows = [[0]] * 8 + [[1]] * 2 + [[0, 1]] * 2 + [[]] * 8
    files = write_plan(str(tmp_path), make_multilabel_plan('train', 'tags', 0, 'ids', [0, 1], rows))
    signatures, _ = model_signatures(2, 'sigmoid')
    with pytest.raises(ConfigError) as info:
        with_prior_correction(signatures, files, refit_on=(np.full((4, 2), 0.5), [0, 1, 1, 0]))
    message = str(info.value)
    assert 'refit_on labels of sigmoid scores must be [n, 2] 0/1 labels' in message
    assert documented(message)


@pytest.mark.parametrize(
    'kwargs, fragment',
    [
        ({'class_names': ['a', 'b', 'a', 'c']}, '(repeated: a)'),
        ({'class_names': 'abcd'}, 'class_names must be a non-empty list of distinct class names'),
        (
            {'class_names': ['a', 'b', 'c', 'd'], 'num_classes': 3},
            'num_classes must be an int >= 4',
        ),
    ],
)
def test_the_score_order_is_checked(four_classes, kwargs, fragment):
    signatures, _ = model_signatures(4, 'softmax')
    with pytest.raises(ConfigError) as info:
        with_prior_correction(signatures, four_classes, **kwargs)
    assert fragment in str(info.value) and documented(str(info.value))


def test_a_label_set_layout_of_augmented_examples_is_refused(tmp_path):
    # Issue 53, case 2 on the label-set path: the augmenter's marks were refused with a fix
    # (augmented_examples) that then recorded its single-label class counts, which the
    # multi-label correction ignored, using the laid-out label counts (synthetic included).
    from tests.core.balanced_input_gen.label_set_support import lay_out_multilabel

    rows = [[0]] * 12 + [[1]] * 3 + [[0, 1]] * 3 + [[]] * 6
    records = [
        example(x=float(i), tags=list(tags), is_synthetic=int(i % 3 == 0))
        for i, tags in enumerate(rows)
    ]
    files = lay_out_multilabel(str(tmp_path), records)
    split_dir = os.path.dirname(files)
    signatures, _ = model_signatures(2, 'sigmoid')
    with pytest.raises(DataError) as marked:
        with_prior_correction(signatures, files)
    message = str(marked.value)
    assert message.startswith(
        f"split 'train' ({split_dir}) is a multi-label layout of examples that went through "
        f'BalancedAugmenter: an example in {split_dir} carries'
    )
    assert "carries its 'is_synthetic' feature" in message and documented(message)
    assert 'without augmented_examples' in message
    # With the augmenter's class counts recorded (BalancedInputGen given augmented_examples).
    ((_, plan),) = bi.load_plans(files)
    with open(os.path.join(str(tmp_path), bi.PLAN_FILE), 'w') as f:
        json.dump(bi.plans_to_json([plan], (), {'train': {'cat': 20, 'dog': 4}}), f)
    with pytest.raises(DataError) as recorded:
        with_prior_correction(signatures, files)
    message = str(recorded.value)
    assert "records data_counts of the augmenter's classes" in message and documented(message)
