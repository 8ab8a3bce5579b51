"""ClassIndex and class_recalls: how labels and predictions become class ids, and the recall
arithmetic, without a TFMA run."""

import re

import numpy as np
import pytest

from tfx_balance.core.common.errors import DataError
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


@pytest.mark.parametrize('value', [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize('num_classes', [3, None])
def test_non_finite_label_is_a_data_error_naming_the_value(value, num_classes):
    index = ClassIndex(None, num_classes)
    with pytest.raises(DataError, match=rf'label {value!r} is not a finite number.*Filter or fix'):
        index.label_id(np.array([value]))
    with pytest.raises(DataError, match=r'label \[.*\] is not a finite number.*Filter or fix'):
        index.label_id(np.array([0.0, value, 1.0]))
    assert_documented(lambda: index.label_id(np.array([value])))
    assert_documented(lambda: index.label_id(np.array([0.0, value, 1.0])))


@pytest.mark.parametrize('weight', [np.nan, np.inf, -np.inf])
def test_non_finite_example_weight_is_a_data_error_naming_weight_and_class(weight):
    """The counts combiner, fed as TFMA feeds it: the bad example is not counted, and no recall
    becomes NaN."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.metrics import metric_types

    from tfx_balance.metrics.computations import index_counts_computation

    classes = ['cat', 'dog']
    config = tfma.EvalConfig(model_specs=[tfma.ModelSpec(example_weight_key='w')])
    combiner = index_counts_computation(ClassIndex(classes, None), config, '', '', True).combiner
    counts = combiner.create_accumulator()

    def example(label, weight):
        return metric_types.StandardMetricInputs(
            labels=np.array([label], dtype=object),
            predictions=np.array([0.2, 0.8], np.float32),
            example_weights=np.array([weight], np.float32),
        )

    combiner.add_input(counts, example(b'cat', 2.0))
    with pytest.raises(DataError, match=rf"example weight {weight!r} of an example of class 'dog'"):
        combiner.add_input(counts, example(b'dog', weight))
    assert counts.cells == {(0, 1): 2.0}
    assert_documented(lambda: combiner.add_input(counts, example(b'dog', weight)))


def assert_documented(call, fix='Filter or fix'):
    """The error of ``call()`` names its fix and has a row in docs/troubleshooting.md."""
    from tests.support.errors import documented_errors

    with pytest.raises(DataError) as info:
        call()
    message = str(info.value)
    assert fix in message
    assert any(re.search(p, message) for p in documented_errors()), message


def test_nan_score_is_a_data_error_but_infinite_scores_are_scores():
    index = ClassIndex(None, 3)
    with pytest.raises(DataError, match=r'prediction \[0.1, nan, 0.2\] has a NaN score'):
        index.predicted_id(np.array([0.1, np.nan, 0.2]), ConfusionCounts())
    with pytest.raises(DataError, match='has a NaN score'):
        ClassIndex(None, None).predicted_id(np.array([np.nan], np.float32), ConfusionCounts())
    assert_documented(
        lambda: index.predicted_id(np.array([np.nan, 0.5, 0.5]), ConfusionCounts()), 'Fix the model'
    )
    assert index.predicted_id(np.array([-np.inf, -1.0, -np.inf]), ConfusionCounts()) == 1
    assert index.predicted_id(np.array([0.0, 0.0, np.inf]), ConfusionCounts()) == 2
