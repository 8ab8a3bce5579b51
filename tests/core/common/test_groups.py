"""core.groups: a float group id is the id its shortest decimal spells (the float32 a tf.Example
stores, read back as the decimal that round-trips it), so float ``k.3`` and bytes ``b'k.3'`` are
one group (issue 53, case 4: the float was ``'0.30000001192092896'``, two groups)."""

import pytest
from tensorflow.core.example import example_pb2

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.groups import group_key, read_group_id, read_group_ids
from tfx_balance.core.common.hashing import seeded_hash


def group_of(value) -> bytes:
    return read_group_id(example_pb2.Example.FromString(record_of(value)), 'user')[0]


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


def record_of(*values, feature='user') -> bytes:
    e = example_pb2.Example()
    e.features.feature['label'].bytes_list.value.append(b'a')
    for value in values:
        field = e.features.feature[feature]
        if isinstance(value, float):
            field.float_list.value.append(value)
        elif isinstance(value, int):
            field.int64_list.value.append(value)
        else:
            field.bytes_list.value.append(value.encode())
    return e.SerializeToString()


def one_by_one(records, group_feature, describe=lambda i: '', where=''):
    return [
        read_group_id(
            example_pb2.Example.FromString(r), group_feature, lambda i=i: describe(i), where
        )
        for i, r in enumerate(records)
    ]


@pytest.mark.parametrize(
    'values',
    [
        ['u1', 'u2', '', 'u1'],  # bytes, decoded in one batch
        [41, -3, 2**40],  # int64
        [0.3, 123.0, 16777216.0, -0.0],  # float
        [41, '41', 41.0, 0.3],  # three kinds in one batch: one rule, read one by one
    ],
    ids=['bytes', 'int64', 'float', 'mixed kinds'],
)
def test_a_batch_of_ids_reads_as_each_example_does(values):
    records = [record_of(v) for v in values]
    assert read_group_ids(records, 'user') == one_by_one(records, 'user')
    assert read_group_ids([], 'user') == []


@pytest.mark.parametrize(
    'bad, problem',
    [
        ((), 'must have exactly one value per example, found 0'),
        (('u3', 'u4'), 'must have exactly one value per example, found 2'),
        ((float('nan'),), 'is the float nan, which names no group'),
        ((33554432.0,), 'is the float 33554432.0, beyond 2**24'),
    ],
    ids=['none', 'two', 'nan', 'beyond 2**24'],
)
def test_a_batch_raises_the_error_of_its_first_bad_example_with_the_same_text(bad, problem):
    good = 1.5 if bad and isinstance(bad[0], float) else 'u1'
    records = [record_of(good), record_of(*bad), record_of(*bad)]
    errors = []
    for read in (read_group_ids, one_by_one):
        with pytest.raises(DataError) as info:
            read(records, 'user', lambda i: f'(example {i})', "split 'eval'")
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert problem in errors[0] and "in an example (example 1) in split 'eval'." in errors[0]


def test_a_groups_key_across_spans_is_of_its_id_whatever_its_type_and_never_a_seed_keys_hash():
    # issue 73, case 1: int64 7 in span 1, bytes b'7' or float 7.0 in span 2 is one group, so
    # one key (its hash, of the seed key, stays as it was: one-shot splits do not change)
    ids = [
        read_group_id(example_pb2.Example.FromString(record_of(v)), 'user') for v in (7, '7', 7.0)
    ]
    assert len({group_key(3, group) for group, _ in ids}) == 1
    assert len({seed_key for _, seed_key in ids}) == 3
    assert group_key(3, b'7') != group_key(4, b'7')  # seeded
    assert group_key(3, b'7') not in {seeded_hash(3, seed_key) for _, seed_key in ids}
