"""core.key_records: the one reader of earlier runs' key records and headers (StratifiedSplitter's
assignments, LeakageCheck's key index). Every damage of such a file is a DataError naming the
file, what is wrong and the fix, in the driver and in a Beam job alike (issue 73, case 3)."""

import json
import re

import apache_beam as beam
import numpy as np
import pytest

from tests.support.examples import example, write_records
from tfx_balance.core.common.errors import DataError, find_balance_error
from tfx_balance.core.common.key_records import (
    ReadKeyRecords,
    encode_entries,
    read_entries,
    read_header,
)
from tfx_balance.core.leakage_check.index import KEY_RECORD, KeyIndex, read_index
from tfx_balance.core.split.assignments import HEADER_FIELDS, RECORD

FIX = (
    'Re-run the span that wrote it, or leave that span out of the window of {what} (its Resolver).'
)


def good(path):
    entries = [(k * 7919, k % 3) for k in range(300)]
    write_records(
        str(path), [encode_entries(entries[i : i + 30], RECORD) for i in range(0, 300, 30)]
    )


def truncated(path):
    good(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path):
    path.write_bytes(b'')


def not_gzip(path):
    path.write_bytes(b'not a gzip file at all')


def wrong_length(path):
    write_records(str(path), [encode_entries([(1, 0), (2, 1)], RECORD), b'\x00' * 15])


DAMAGED_RECORDS = [
    (truncated, r'cannot be read \(.+\)'),
    (empty, re.escape('cannot be read (it is named *.gz but it is empty)')),
    (not_gzip, re.escape('cannot be read (it is named *.gz but its data is not gzip)')),
    (wrong_length, 'holds a record of 15 bytes, not a multiple of the 10 bytes of an entry'),
]


def assert_damaged(error, what, path, problem):
    message = str(error)
    assert message.startswith(f'{what} is damaged: {path} '), message
    assert re.search(problem, message), message
    assert message.endswith(FIX.format(what=what)), message


@pytest.mark.parametrize('damage, problem', DAMAGED_RECORDS)
def test_a_damaged_record_file_is_a_data_error_naming_it_what_is_wrong_and_the_fix(
    tmp_path, damage, problem
):
    good(tmp_path / 'assignments-00000-of-00002.gz')  # a sound file beside it
    path = tmp_path / 'assignments-00001-of-00002.gz'
    damage(path)
    source = (0, str(tmp_path / 'assignments-*.gz'))
    with pytest.raises(DataError) as raised:
        list(read_entries(source, RECORD, 'previous_assignments'))
    assert_damaged(raised.value, 'previous_assignments', path, problem)


def test_a_pattern_that_matches_no_file_is_a_data_error():
    pattern = '/nonexistent/assignments-*.gz'
    with pytest.raises(DataError) as raised:
        list(read_entries((0, pattern), RECORD, 'previous_assignments'))
    assert_damaged(raised.value, 'previous_assignments', pattern, 'matches no file')


def test_a_sound_file_and_an_empty_gzip_read_as_their_entries(tmp_path):
    good(tmp_path / 'assignments-00000-of-00002.gz')
    write_records(str(tmp_path / 'assignments-00001-of-00002.gz'), [])  # no records: sound
    found = list(read_entries((3, str(tmp_path / 'assignments-*.gz')), RECORD, 'x'))
    assert {tag for tag, _ in found} == {3}
    keys = np.concatenate([entries['key'] for _, entries in found])
    assert keys.tolist() == [k * 7919 for k in range(300)]


def test_a_damaged_file_read_in_a_beam_job_is_found_as_the_data_error(tmp_path):
    path = tmp_path / 'assignments-00000-of-00001.gz'
    truncated(path)
    with pytest.raises(Exception) as raised:
        with beam.Pipeline() as p:
            _ = p | ReadKeyRecords([(0, str(path))], RECORD, 'previous_assignments')
    found = find_balance_error(raised.value)
    assert isinstance(found, DataError)
    alone = DataError(str(found).split(" [while running '")[0])  # as the executors raise it
    assert_damaged(alone, 'previous_assignments', path, r'cannot be read \(.+\)')


@pytest.mark.parametrize(
    'write, problem',
    [
        (None, 'is missing'),
        (lambda p: p.write_text('{"format": 2, "seed": '), r'is not JSON \(Expecting value'),
        (lambda p: p.write_bytes(b''), r'is not JSON \('),
        (lambda p: p.write_text('[2, 0]'), re.escape("is not a JSON object (found b'[2, 0]')")),
        (
            lambda p: p.write_text(json.dumps({'format': 2, 'seed': 0})),
            re.escape('lacks the field(s) splits, group_feature'),
        ),
    ],
)
def test_a_damaged_header_is_a_data_error_naming_it_what_is_wrong_and_the_fix(
    tmp_path, write, problem
):
    path = tmp_path / 'assignments.json'
    if write is not None:
        write(path)
    with pytest.raises(DataError) as raised:
        read_header(str(path), HEADER_FIELDS, 'previous_assignments')
    assert_damaged(raised.value, 'previous_assignments', path, problem)


def test_a_sound_header_reads_as_its_dict(tmp_path):
    path = tmp_path / 'assignments.json'
    written = {'format': 2, 'seed': 0, 'splits': ['a', 'b'], 'group_feature': None}
    path.write_text(json.dumps(written))
    assert read_header(str(path), HEADER_FIELDS, 'previous_assignments') == written


# --- LeakageCheck's key index: the same reader, the same errors (siblings) ----------------------


@pytest.mark.parametrize('damage, problem', DAMAGED_RECORDS[:3])
def test_a_damaged_key_index_file_is_the_same_data_error(tmp_path, damage, problem):
    path = tmp_path / 'key_index-00000-of-00001.gz'
    damage(path)
    with pytest.raises(DataError) as raised:
        list(read_index(KeyIndex(('train of span 1',), (str(path),))))
    assert_damaged(raised.value, 'previous_key_index', path, problem)


def test_a_key_index_record_of_the_wrong_length_and_a_group_file_of_other_records(tmp_path):
    keys = tmp_path / 'key_index-00000-of-00001.gz'
    write_records(str(keys), [encode_entries([(1, 0, 0)], KEY_RECORD), b'\x00' * 7])
    with pytest.raises(DataError) as raised:
        list(read_index(KeyIndex(('train of span 1',), (str(keys),))))
    assert_damaged(
        raised.value,
        'previous_key_index',
        keys,
        'holds a record of 7 bytes, not a multiple of the 10 bytes of an entry',
    )
    write_records(str(keys), [encode_entries([(1, 0, 0)], KEY_RECORD)])
    groups = tmp_path / 'key_index_groups-00000-of-00001.gz'
    write_records(str(groups), [example(group=['u1', 'u2'], split=[0])])  # ids without splits
    with pytest.raises(DataError) as raised:
        list(read_index(KeyIndex(('train of span 1',), (str(keys),), (str(groups),))))
    assert_damaged(
        raised.value, 'previous_key_index', groups, 'holds records that are not group records'
    )
    truncated(groups)
    with pytest.raises(DataError) as raised:
        list(read_index(KeyIndex(('train of span 1',), (str(keys),), (str(groups),))))
    assert_damaged(raised.value, 'previous_key_index', groups, r'cannot be read \(.+\)')
