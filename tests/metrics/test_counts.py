"""ClassIndex and class_recalls: how labels and predictions become class ids, and the recall
arithmetic, without a TFMA run."""

import numpy as np
import pytest

from tfx_balance.core.errors import DataError
from tfx_balance.metrics.counts import ClassIndex, ConfusionCounts, class_recalls


def test_labels_are_ids_names_or_one_hot():
    index = ClassIndex(['cat', 'dog', 'owl'], None)
    assert index.label_id(np.array([2])) == 2
    assert index.label_id(np.array([b'dog'], dtype=object)) == 1
    assert index.label_id(np.array([0.0, 0.0, 1.0])) == 2


def test_predictions_are_argmax_of_scores_or_a_named_class():
    index, counts = ClassIndex(None, None), ConfusionCounts()
    assert index.predicted_id(np.array([0.1, 0.7, 0.2], np.float32), counts) == 1
    assert counts.num_scores == 3
    assert index.predicted_id(np.array([2]), counts) == 2
    assert index.predicted_id(np.array([0.8], np.float32), ConfusionCounts()) == 1  # binary


@pytest.mark.parametrize(
    'classes, num_classes, label, message',
    [
        (['cat', 'dog'], None, np.array([b'emu'], dtype=object), "'emu' is not one of classes"),
        (None, 3, np.array([b'cat'], dtype=object), 'pass classes='),
        (None, 3, np.array([3]), 'not a class id'),
        (None, 3, np.array([0.0, 0.0, 0.0]), 'one-hot'),
        (None, 3, np.array([]), 'no label'),
    ],
)
def test_labels_that_fit_no_class_raise_data_error(classes, num_classes, label, message):
    with pytest.raises(DataError, match=message):
        ClassIndex(classes, num_classes).label_id(label)


def test_score_vectors_must_match_the_classes():
    with pytest.raises(DataError, match='4 class scores but 3 were expected'):
        ClassIndex(None, 3).predicted_id(np.zeros(4, np.float32), ConfusionCounts())
    counts = ConfusionCounts()
    ClassIndex(None, None).predicted_id(np.zeros(3, np.float32), counts)
    with pytest.raises(DataError, match='4 class scores but 3 were expected'):
        ClassIndex(None, None).predicted_id(np.zeros(4, np.float32), counts)


def test_recall_zero_for_never_predicted_and_absent_classes_listed():
    counts = ConfusionCounts()
    for actual, predicted, weight in [(0, 0, 2.0), (0, 1, 1.0), (1, 0, 1.0), (2, 3, 1.0)]:
        counts.add(actual, predicted, weight)
    recall, absent = class_recalls(counts, ['a', 'b', 'c', 'd'])
    assert recall == {'a': 2 / 3, 'b': 0.0, 'c': 0.0}
    assert absent == ['d']


def test_without_classes_a_label_beyond_the_scores_still_counts():
    index, counts = ClassIndex(None, None), ConfusionCounts()
    counts.add(index.label_id(np.array([4])), index.predicted_id(np.zeros(3), counts), 1.0)
    assert index.names(counts) == ['0', '1', '2', '3', '4']
    assert class_recalls(counts, index.names(counts))[0] == {'4': 0.0}
