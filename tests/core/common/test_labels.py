"""core.labels: label errors name the example; batched label decoding gives exactly the
per-record results; int64 and bytes labels mixed are one DataError; float_name, the one spelling
of a float read as an id or name."""

import numpy as np
import pytest

from tests.support.examples import example
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_key, fingerprint
from tfx_balance.core.common.labels import (
    check_distinct_names,
    check_label_kinds,
    example_fingerprint,
    float_name,
    read_label,
    read_labels,
)


def fp(record):
    return fingerprint(example_key(record))


def test_example_fingerprint_is_that_of_the_content_key():
    record = example(label=1, x=2.0)
    assert example_fingerprint(record) == fp(record)
    assert example_fingerprint(record) != example_fingerprint(example(label=1, x=3.0))


@pytest.mark.parametrize(
    'bad, found',
    [
        (example(x=1.0), "not found in an example in split 'train' (example fingerprint {fp}); "),
        (
            example(x=1.0, label=[]),
            "in split 'train' has 0 values in an example; exactly one class label per example is "
            'required (example fingerprint {fp}).',
        ),
        (example(label=[1, 2]), 'has 2 values in an example; exactly one'),
        (
            example(label=1.5),
            'is a float feature; class labels must be int64 or bytes (string) '
            '(example fingerprint {fp}).',
        ),
        (example(label=b''), 'is an empty string in an example (example fingerprint {fp}); '),
    ],
)
def test_label_errors_name_where_and_the_examples_fingerprint(bad, found):
    with pytest.raises(DataError) as info:
        read_label(bad, 'label', where="split 'train'")
    assert found.format(fp=fp(bad)) in str(info.value)


def test_mixed_kinds_name_the_feature_both_types_and_an_example_of_each():
    one, text = example(label=1, x=0.0), example(label='1', x=1.0)
    with pytest.raises(DataError) as info:
        check_label_kinds({1: fp(one), b'1': fp(text)}, 'label', where="split 'train'")
    assert str(info.value).startswith(
        f"label_feature 'label' in split 'train' mixes int64 and bytes labels: example {fp(one)} "
        f"has int64 label 1 and example {fp(text)} bytes label '1'."
    )


def test_one_kind_passes_and_the_error_names_the_first_class_of_each_kind():
    check_label_kinds({1: 'a', 2: 'b'}, 'label')
    check_label_kinds({b'x': 'a', b'y': 'b'}, 'label')
    with pytest.raises(
        DataError, match="example i3 has int64 label 3 and example bx bytes label 'x'"
    ):
        check_label_kinds({b'y': 'by', 7: 'i7', b'x': 'bx', 3: 'i3'}, 'label')


@pytest.mark.parametrize('position', [0, 4], ids=['first', 'later'])
def test_read_labels_rejects_a_batch_mixing_int64_and_bytes_labels(position):
    records = [example(label=5, x=float(i)) for i in range(6)]
    records.insert(position, example(label='5', x=-1.0))
    first_int = next(r for r in records if read_label(r, 'label') == 5)
    with pytest.raises(DataError) as info:
        read_labels(records, 'label', where="split 'eval'")
    message = str(info.value)
    assert "label_feature 'label' in split 'eval' mixes int64 and bytes labels" in message
    assert f'example {fp(first_int)} has int64 label 5' in message
    assert f"example {fp(records[position])} bytes label '5'" in message


def test_classes_must_have_distinct_names_in_reports():
    check_distinct_names([b'\xff\xfe', b'Cash', 3], 'label', "split 'train'")
    with pytest.raises(
        DataError, match=r"label_feature 'label' in split 'train': classes 1 and b'1' have the same"
    ):
        check_distinct_names([1, b'1'], 'label', "split 'train'")
    # b'\xff' is not UTF-8 and is named with a backslash escape, like the 4-character text.
    with pytest.raises(DataError, match=r"same name '\\\\xff' in reports"):
        check_distinct_names([b'\xff', b'\\xff'], 'label')


@pytest.mark.parametrize(
    'value, name',
    [
        (0.30000001192092896, '0.3'),  # float32(0.3) widened to float64, as protobuf reads it
        (np.float32(0.3), '0.3'),
        (np.float32(2000.3), '2000.3'),
        (123.0, '123'),
        (np.float32(16777216.0), '16777216'),
        (-0.0, '0'),
        (np.float32(1e-05), '1e-05'),
        (np.float32(1e20), '1e+20'),
        (float(np.float32(3.4e38)), '3.4e+38'),
        (0.1 + 0.2, '0.30000000000000004'),  # no float32 holds it: its own shortest decimal
        (1e300, '1e+300'),  # beyond float32's range
        (16777217.0, '16777217'),  # a float64 edge from an int64 label
        (float('nan'), 'nan'),
        (float('-inf'), '-inf'),
    ],
)
def test_float_name_is_the_shortest_decimal_of_the_float32_as_python_writes_it(value, name):
    assert float_name(value) == name


def test_float_name_of_a_float32_reads_back_as_it():
    values = np.random.default_rng(0).standard_normal(2000).astype(np.float32) * 1000
    assert all(np.float32(float(float_name(v))) == v for v in values)


@pytest.mark.parametrize(
    'labels',
    [[3, -5, 0, 2**40], [b'Cash', b'Credit Card', b'\xff\x00']],
    ids=['int64', 'bytes'],  # a mix of both is an error: tests/core/common/test_labels.py
)
def test_read_labels_matches_the_per_record_reader(labels):
    records = [example(label=v, x=float(i)) for i, v in enumerate(labels)]
    assert read_labels(records, 'label') == [read_label(r, 'label') for r in records]
    assert read_labels([], 'label') == []


@pytest.mark.parametrize(
    'bad, fragment',
    [
        (example(x=1.0), "label_feature 'label' not found in an example in split 'train'"),
        (example(label=1.5), 'is a float feature'),
        (example(label=[1, 2]), 'has 2 values'),
        (example(label=b''), 'is an empty string'),
    ],
)
@pytest.mark.parametrize('position', [0, 5], ids=['first', 'later'])
def test_read_labels_raises_the_per_record_error_wherever_the_bad_example_is(
    bad, fragment, position
):
    records = [example(label=1, x=float(i)) for i in range(8)]
    records.insert(position, bad)
    with pytest.raises(DataError, match=fragment) as batched:
        read_labels(records, 'label', where="split 'train'")
    with pytest.raises(DataError) as single:
        read_label(bad, 'label', where="split 'train'")
    assert str(batched.value) == str(single.value)
