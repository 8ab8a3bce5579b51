"""core.groups: a float group id is the id its shortest decimal spells (the float32 a tf.Example
stores, read back as the decimal that round-trips it), so float ``k.3`` and bytes ``b'k.3'`` are
one group (issue 53, case 4: the float was ``'0.30000001192092896'``, two groups)."""

import pytest
from tensorflow.core.example import example_pb2

from tfx_balance.core.errors import DataError
from tfx_balance.core.groups import read_group_id


def group_of(value) -> bytes:
    e = example_pb2.Example()
    feature = e.features.feature['user']
    if isinstance(value, float):
        feature.float_list.value.append(value)
    elif isinstance(value, int):
        feature.int64_list.value.append(value)
    else:
        feature.bytes_list.value.append(value.encode())
    return read_group_id(e, 'user')[0]


@pytest.mark.parametrize(
    'number, text',
    [
        (0.3, '0.3'),
        (1.5, '1.5'),
        (2000.3, '2000.3'),
        (-7.1, '-7.1'),
        (123.0, '123'),
        (-0.0, '0'),
        (5e-05, '5e-05'),  # as Python writes it, str(5e-05)
        (16777216.0, '16777216'),  # 2**24: the largest integral float taken
    ],
)
def test_a_float_id_and_its_shortest_decimal_as_bytes_are_one_group(number, text):
    assert group_of(number) == group_of(text) == text.encode()


def test_ids_of_all_three_kinds_that_name_one_number_are_one_group():
    assert group_of(41) == group_of('41') == group_of(41.0) == b'41'
    assert group_of(41.3) != group_of(41.0)


def test_a_float_id_with_more_digits_than_float32_keeps_is_the_id_of_its_float32():
    # 123456.789 is stored as 123456.7890625; the shortest decimal reading back as it is 123456.79
    assert group_of(123456.789) == b'123456.79' == group_of(123456.79)


def test_the_seed_key_of_a_float_id_is_unchanged_so_its_group_hashes_as_before():
    e = example_pb2.Example()
    e.features.feature['user'].float_list.value.append(0.3)
    assert read_group_id(e, 'user') == (b'0.3', b'float_list:0.30000001192092896')


@pytest.mark.parametrize(
    'values, problem',
    [([], 'must have exactly one value per example, found 0'), ([float('nan')], 'the float nan')],
)
def test_an_error_names_the_example_and_where_it_was_read(values, problem):
    e = example_pb2.Example()
    e.features.feature['user'].float_list.value.extend(values)
    with pytest.raises(DataError) as info:
        read_group_id(e, 'user', lambda: '(fingerprint 0a1b)', "split 'train'")
    message = str(info.value)
    assert problem in message
    assert "in an example (fingerprint 0a1b) in split 'train'." in message
