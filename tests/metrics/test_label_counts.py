"""LabelIndex, LabelCounts and label_scores: how multi-hot labels and sigmoid scores become
per-label counts, the bad data they refuse, and the arithmetic, without a TFMA run."""

import numpy as np
import pytest

from tests.metrics.test_counts import assert_documented
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.metrics.counts import LabelCounts, LabelIndex, label_scores
from tfx_balance.metrics.names import validate_labels, validate_threshold


def counted(rows, labels=None, num_labels=None, threshold=0.5):
    index, counts = LabelIndex(labels, num_labels, threshold), LabelCounts()
    for label, scores, weight in rows:
        index.add(counts, np.asarray(label), np.asarray(scores, np.float32), weight)
    return index, counts


def test_a_label_is_predicted_where_its_score_reaches_the_threshold():
    _, counts = counted([([1, 0, 1], [0.5, 0.5, 0.49], 2.0), ([1, 1, 0], [0.9, 0.1, 0.2], 1.0)])
    assert counts.positives.tolist() == [3.0, 1.0, 2.0]
    assert counts.predicted.tolist() == [3.0, 2.0, 0.0]
    assert counts.hits.tolist() == [3.0, 0.0, 0.0]
    _, low = counted([([1, 0, 1], [0.5, 0.5, 0.49], 1.0)], threshold=0.3)
    assert low.hits.tolist() == [1.0, 0.0, 1.0]


def test_float_and_bool_multi_hot_labels_count_like_ints():
    rows = [([1.0, 0.0], [0.7, 0.2], 1.0), ([True, True], [0.7, 0.6], 1.0)]
    _, counts = counted(rows, labels=['cat', 'dog'])
    assert counts.positives.tolist() == [2.0, 1.0] and counts.hits.tolist() == [2.0, 1.0]


def test_scores_never_predicted_absent_and_f1():
    # label a: 2 hits of 3 positives, 1 false positive; b: never predicted; c: no positive but
    # predicted once; d: no positive, never predicted.
    rows = [
        ([1, 1, 0, 0], [0.9, 0.1, 0.1, 0.1], 1.0),
        ([1, 0, 0, 0], [0.8, 0.1, 0.7, 0.1], 1.0),
        ([1, 1, 0, 0], [0.2, 0.1, 0.1, 0.1], 1.0),
        ([0, 0, 0, 0], [0.6, 0.1, 0.1, 0.1], 1.0),
    ]
    index, counts = counted(rows, labels=['a', 'b', 'c', 'd'])
    scores = label_scores(counts, index.names(counts))
    assert scores['recall'] == {'a': 2 / 3, 'b': 0.0}
    assert scores['precision'] == {'a': 2 / 3, 'b': 0.0, 'c': 0.0, 'd': 0.0}
    assert scores['f1'] == {'a': 2 * 2 / (3 + 3), 'b': 0.0}
    assert scores['labels_absent'] == ['c', 'd']
    assert scores['labels_never_predicted'] == ['b', 'd']


def test_names_default_to_positions_and_nothing_counted_is_all_absent():
    index, counts = counted([([0, 1, 0], [0.1, 0.9, 0.1], 1.0)])
    assert index.names(counts) == ['0', '1', '2']
    empty = label_scores(LabelCounts(), ['x', 'y'])
    assert empty['recall'] == {} and empty['labels_absent'] == ['x', 'y']
    assert empty['precision'] == {'x': 0.0, 'y': 0.0}


def test_merged_counts_add_up():
    _, one = counted([([1, 0], [0.9, 0.9], 1.0)])
    _, two = counted([([1, 1], [0.1, 0.9], 2.0)])
    one.merge(two)
    one.merge(LabelCounts())
    assert one.positives.tolist() == [3.0, 2.0] and one.hits.tolist() == [1.0, 2.0]
    _, three = counted([([1, 0, 1], [0.9, 0.9, 0.9], 1.0)])
    with pytest.raises(DataError, match='label vectors of 2 and of 3 entries in the same'):
        one.merge(three)
    assert_documented(lambda: one.merge(three), 'Set labels=')


@pytest.mark.parametrize(
    'label, scores, message',
    [
        ([1, 0], [0.1, 0.2, 0.3], r'multi-hot label vector has 2 entries \(\[1, 0\]\) but 3 \('),
        ([1, 0, 1], [0.1, 0.2], r'multi-hot prediction vector has 2 entries'),
        ([0, 2], [0.1, 0.2, 0.3], r'label vector has 2 entries .*labels/num_labels'),
        ([1, 2, 0], [0.1, 0.2, 0.3], r'multi-hot label \[1, 2, 0\] has the entry 2, not 0 or 1'),
        ([1.0, np.nan, 0.0], [0.1, 0.2, 0.3], r'has the entry nan, not 0 or 1'),
        ([1.0, np.inf, 0.0], [0.1, 0.2, 0.3], r'has the entry inf, not 0 or 1'),
        ([b'a', b'b', b'c'], [0.1, 0.2, 0.3], r'multi-hot label .* is not numeric'),
        ([1, 0, 0], [0.1, np.nan, 0.3], r'prediction \[0.1.*, nan, .*\] has a NaN'),
    ],
)
@pytest.mark.parametrize('labels, num_labels', [(['a', 'b', 'c'], None), (None, 3)])
def test_bad_vectors_are_data_errors_naming_what_was_found(
    label, scores, message, labels, num_labels
):
    index = LabelIndex(labels, num_labels, 0.5)

    def call():
        index.add(LabelCounts(), np.asarray(label), np.asarray(scores), 1.0)

    with pytest.raises(DataError, match=message):
        call()
    assert_documented(call, fix='Fix')


def test_without_num_labels_the_first_vector_sets_the_length():
    index, counts = counted([([1, 0, 0], [0.9, 0.1, 0.1], 1.0)])
    with pytest.raises(DataError, match=r'has 2 entries .* but 3 \(the first vectors counted\)'):
        index.add(counts, np.array([1, 0]), np.array([0.9, 0.1]), 1.0)


@pytest.mark.parametrize('weight', [np.nan, np.inf])
def test_non_finite_weight_is_a_data_error_and_nothing_is_counted(weight):
    index, counts = counted([([1, 0], [0.9, 0.1], 1.0)])

    def call():
        index.add(counts, np.array([0, 1]), np.array([0.9, 0.1]), weight)

    with pytest.raises(DataError, match=rf'example weight {weight!r} of an example with multi-hot'):
        call()
    assert counts.positives.tolist() == [1.0, 0.0]
    assert_documented(call)


@pytest.mark.parametrize(
    'labels, num_labels, argument',
    [
        (['a', 'b'], 2, 'num_labels'),
        ('ab', None, 'labels'),
        (['a', 'a'], None, 'labels'),
        ([], None, 'labels'),
        (None, 0, 'num_labels'),
        (None, True, 'num_labels'),
    ],
)
def test_bad_labels_arguments_are_config_errors_naming_them(labels, num_labels, argument):
    with pytest.raises(ConfigError, match=argument):
        validate_labels(labels, num_labels)


@pytest.mark.parametrize('threshold', [0, 1, 1.5, -0.1, True, '0.5', float('nan')])
def test_threshold_outside_0_1_is_a_config_error(threshold):
    with pytest.raises(ConfigError, match=r'threshold must be a number in \(0, 1\)'):
        validate_threshold(threshold)
    assert validate_threshold(None) == 0.5 and validate_threshold(0.25) == 0.25
