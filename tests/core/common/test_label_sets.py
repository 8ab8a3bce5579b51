"""core.label_sets: label sets of ids and multi-hot vectors, the same on the batched and
record-by-record paths, and a DataError naming feature and example for every bad input."""

import re

import pytest

from tests.support.errors import documented_errors
from tests.support.examples import example
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.label_sets import (
    check_widths,
    label_set_of_record,
    read_label_sets,
)
from tfx_balance.core.common.labels import decode_as_first, example_fingerprint


def tags(values=None, **other):
    return example(x=1.5, **({'tags': values} if values is not None else {}), **other)


def test_ids_give_sorted_sets_and_no_value_or_no_feature_is_no_label():
    records = [tags([7, 2, 30]), tags([]), example(x=0.5), tags([4])]
    read = read_label_sets(records, 'tags', 'ids')
    assert read.sets == [(2, 7, 30), (), (), (4,)]
    assert read.width is None
    assert read.kinds == {2: 0}  # the first labelled example of each kind, by index
    names = read_label_sets([tags(['b', 'a']), tags(['c'])], 'tags', 'ids').sets
    assert names == [(b'a', b'b'), (b'c',)]


def test_multi_hot_gives_the_positions_of_ones_and_all_zeros_is_no_label():
    records = [tags([0, 1, 0, 1]), tags([0, 0, 0, 0]), tags([1, 0, 0, 0])]
    read = read_label_sets(records, 'tags', 'multi_hot')
    assert read.sets == [(1, 3), (), (0,)]
    assert read.width == (4, 0)


@pytest.mark.parametrize('form', ['ids', 'multi_hot'])
def test_batched_and_record_by_record_paths_agree(form):
    rows = [[0, 1, 1], [1, 0, 0], [0, 0, 0], [1, 1, 1]]
    values = rows if form == 'multi_hot' else [[i for i, v in enumerate(r) if v] for r in rows]
    records = [tags(v) for v in values]
    batched = read_label_sets(records, 'tags', form).sets
    one_by_one = [label_set_of_record(r, 'tags', form)[0] for r in records]
    assert batched == one_by_one == [(1, 2), (0,), (), (0, 1, 2)]


@pytest.mark.parametrize(
    'form, values, shared',
    [
        ('ids', [[7, 2], [], None, [4]], True),
        ('ids', [['b', 'a'], ['c']], True),
        ('ids', [[1], ['c']], False),  # int64 and bytes: no shared parse, the same error
        ('ids', [[3, 5, 3]], True),
        ('multi_hot', [[0, 1, 1], [0, 0, 0]], True),
        ('multi_hot', [['a'], ['b']], True),  # decoded as bytes: read one by one, the same error
        ('single', [[3], [1]], True),
    ],
)
def test_the_label_decoded_with_other_features_reads_as_when_decoded_alone(form, values, shared):
    feature = 'label' if form == 'single' else 'tags'
    records = [example(site='a', **({} if v is None else {feature: v})) for v in values]
    decoded = decode_as_first(records, [feature, 'site'])
    assert (decoded is not None and feature in decoded) == shared

    def read(decoded):
        try:
            return read_label_sets(records, feature, form, '', decoded)
        except DataError as error:
            return str(error)

    assert read(decoded) == read(None)


def _error(records, form, feature='tags'):
    with pytest.raises(DataError) as info:
        read_label_sets(records, feature, form, "split 'train'")
    message = str(info.value)
    assert any(re.search(p, message) for p in documented_errors()), f'undocumented: {message}'
    assert "split 'train'" in message and f"'{feature}'" in message
    return message


def test_a_label_listed_twice_is_an_error_naming_label_and_example():
    bad = tags([3, 5, 3])
    message = _error([tags([1]), bad], 'ids')
    assert "lists label '3' more than once" in message
    assert example_fingerprint(bad) in message and 'remove the duplicates' in message
    assert "lists label 'a' more than once" in _error([tags(['a', 'b', 'a'])], 'ids')


def test_mixed_int_and_bytes_ids_in_a_batch_name_one_example_of_each():
    a, b = tags([1, 2]), tags(['cat'])
    message = _error([a, tags([]), b], 'ids')
    assert 'mixes int64 and bytes labels' in message
    assert example_fingerprint(a) in message and example_fingerprint(b) in message


def test_an_empty_name_and_a_float_label_are_errors():
    assert 'is an empty string' in _error([tags(['a', ''])], 'ids')
    assert 'is a float feature' in _error([tags([0.5, 1.0])], 'ids')
    assert 'is a float feature' in _error([tags([0.0, 1.0])], 'multi_hot')


def test_multi_hot_vectors_of_different_lengths_name_both_examples_and_lengths():
    a, b = tags([0, 1, 0]), tags([1, 0, 0, 0, 1])
    message = _error([a, b], 'multi_hot')
    assert 'vectors of different lengths' in message
    assert f'example {example_fingerprint(a)} has 3 values' in message
    assert f'example {example_fingerprint(b)} has 5' in message


def test_different_lengths_across_batches_are_checked_from_the_widths():
    first = read_label_sets([tags([0, 1])], 'tags', 'multi_hot').width
    second = read_label_sets([tags([0, 1, 1])], 'tags', 'multi_hot').width
    check_widths([first, first], 'tags')
    with pytest.raises(DataError, match='has 2 values and example .* has 3'):
        check_widths([second, first], 'tags')


@pytest.mark.parametrize('value', [2, -1])
def test_a_multi_hot_entry_other_than_0_or_1_is_an_error_naming_position_and_value(value):
    bad = tags([0, value, 1])
    message = _error([tags([0, 0, 1]), bad], 'multi_hot')
    assert f'has value {value} at position 1' in message and example_fingerprint(bad) in message


def test_a_missing_or_bytes_multi_hot_feature_is_an_error():
    assert 'not found in an example' in _error([tags([0, 1]), example(x=1.0)], 'multi_hot')
    assert 'is a bytes feature' in _error([tags(['a', 'b'])], 'multi_hot')
    assert 'is empty' in _error([tags([])], 'multi_hot')


def test_an_unknown_form_is_a_config_error():
    with pytest.raises(ConfigError, match="multi_label must be 'ids' or 'multi_hot'"):
        read_label_sets([tags([1])], 'tags', 'many')


def test_single_label_data_is_label_sets_of_size_one_with_the_single_label_rules():
    records = [example(label=3), example(label=1), example(label=3)]
    read = read_label_sets(records, 'label', 'single')
    assert read.sets == [(3,), (1,), (3,)]
    assert read.kinds == {3: 0} and read.width is None
    assert read_label_sets([], 'label', 'single').sets == []
    with pytest.raises(DataError, match=r'has 2 values in an example; exactly one class label'):
        read_label_sets([example(label=3), tags([1, 2], label=[1, 2])], 'label', 'single')
    with pytest.raises(
        DataError, match='int64 in some examples and bytes in others|int64 and bytes'
    ):
        read_label_sets([example(label=3), example(label='a')], 'label', 'single')
